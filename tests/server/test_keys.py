"""API key storage: hashes only, owner-only files, revocation, constant-time checks, clear errors."""

from __future__ import annotations

import hashlib
import hmac
import json
import stat
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import aimass.server.keys as keys_module
from aimass import ConfigError, Workspace
from aimass.server import (
    KEY_SCOPES,
    check_scopes,
    create_key,
    find_key,
    keys_path,
    list_keys,
    revoke_key,
    verify_key,
)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    Workspace.init(tmp_path / "ws").close()
    return tmp_path / "ws"


def test_key_format_and_file_holds_only_the_hash(root: Path) -> None:
    key_id, key = create_key(root, ["read", "decide"], name="analyst")
    prefix, rest = key.split("_", 1)
    assert prefix == "am"
    assert rest.startswith(f"{key_id}_")
    secret = rest[len(key_id) + 1 :]
    assert len(secret) >= 43  # token_urlsafe(32)

    path = keys_path(root)
    assert path == root / ".aimass" / "api_keys.json"
    text = path.read_text(encoding="utf-8")
    assert key not in text
    assert secret not in text
    stored = json.loads(text)["keys"]
    assert len(stored) == 1
    entry = stored[0]
    assert entry["sha256"] == hashlib.sha256(key.encode()).hexdigest()
    assert entry["key_id"] == key_id
    assert entry["name"] == "analyst"
    assert entry["scopes"] == ["decide", "read"]
    assert entry["revoked"] is False
    assert "created_at" in entry


def test_file_and_folder_are_owner_only(root: Path) -> None:
    create_key(root, ["read"])
    path = keys_path(root)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    leftovers = [p.name for p in path.parent.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []  # the atomic write left no temporary file behind


def test_verify_accepts_the_key_and_rejects_anything_else(root: Path) -> None:
    key_id, key = create_key(root, ["read"])
    record = verify_key(root, key)
    assert record is not None
    assert record.key_id == key_id
    assert record.scopes == ("read",)
    assert not hasattr(record, "sha256")
    assert verify_key(root, f"  {key}\n") is not None  # surrounding whitespace from a paste is fine
    assert verify_key(root, key[:-1] + ("A" if key[-1] != "A" else "B")) is None
    assert verify_key(root, f"am_ffffffffffff_{key.split('_', 2)[2]}") is None  # unknown id
    assert verify_key(root, "") is None
    assert verify_key(root, None) is None
    assert verify_key(root, "not a key") is None


def test_revoked_keys_are_rejected_and_listed_as_revoked(root: Path) -> None:
    key_id, key = create_key(root, ["admin"], name="ops")
    other_id, other = create_key(root, ["read"])
    revoked = revoke_key(root, key_id)
    assert revoked.revoked
    assert revoked.revoked_at is not None
    assert verify_key(root, key) is None
    assert verify_key(root, other) is not None  # only that key
    assert revoke_key(root, key_id).revoked_at == revoked.revoked_at  # idempotent
    listed = {record.key_id: record for record in list_keys(root)}
    assert listed[key_id].revoked
    assert not listed[other_id].revoked
    found = find_key(root, key_id)
    assert found is not None
    assert found.revoked


def test_revoking_an_unknown_key_names_the_known_ids(root: Path) -> None:
    key_id, _ = create_key(root, ["read"])
    with pytest.raises(ConfigError, match=key_id):
        revoke_key(root, "000000000000")


def test_verify_compares_hashes_in_constant_time(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[bytes, bytes]] = []

    def recording_compare(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return hmac.compare_digest(a, b)

    monkeypatch.setattr(keys_module, "compare_digest", recording_compare)
    _, key = create_key(root, ["read"])
    assert verify_key(root, key) is not None
    assert verify_key(root, key[:-2] + "zz") is None
    assert verify_key(root, f"am_ffffffffffff_{key.split('_', 2)[2]}") is None
    assert len(calls) == 3  # the right key, a wrong secret, and an unknown id (against a dummy hash)
    expected = hashlib.sha256(key.encode()).hexdigest().encode()
    assert calls[0] == (expected, expected)


def test_admin_implies_every_scope(root: Path) -> None:
    _, admin = create_key(root, ["admin"])
    _, decide = create_key(root, ["decide"])
    admin_record = verify_key(root, admin)
    decide_record = verify_key(root, decide)
    assert admin_record is not None
    assert decide_record is not None
    assert all(admin_record.allows(scope) for scope in KEY_SCOPES)
    assert decide_record.allows("decide")
    assert not decide_record.allows("read")
    assert not decide_record.allows("admin")


@pytest.mark.parametrize(("scopes", "message"), [([], "at least one scope"), (["read", "write"], "'write'")])
def test_bad_scopes_say_what_is_allowed(root: Path, scopes: list[str], message: str) -> None:
    with pytest.raises(ConfigError, match=message) as error:
        create_key(root, scopes)
    assert "decide, feedback, admin, read" in str(error.value)
    assert not keys_path(root).exists()  # nothing was written


def test_scopes_are_normalized() -> None:
    assert check_scopes([" READ", "decide", "read"]) == ("decide", "read")


def test_names_are_checked(root: Path) -> None:
    with pytest.raises(ConfigError, match="at most 64"):
        create_key(root, ["read"], name="x" * 65)
    with pytest.raises(ConfigError, match="control characters"):
        create_key(root, ["read"], name="bad\nname")
    key_id, _ = create_key(root, ["read"])
    record = find_key(root, key_id)
    assert record is not None
    assert record.name == f"key-{key_id}"


def test_a_damaged_key_file_is_reported(root: Path) -> None:
    create_key(root, ["read"])
    keys_path(root).write_text("{not json", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"api_keys\.json is damaged"):
        list_keys(root)


def test_concurrent_creation_loses_no_key(root: Path) -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        made = list(pool.map(lambda i: create_key(root, ["read"], name=f"k{i}"), range(16)))
    stored = {record.key_id for record in list_keys(root)}
    assert stored == {key_id for key_id, _ in made}
    assert all(verify_key(root, key) is not None for _, key in made)


def test_keys_work_with_an_open_workspace_object(root: Path) -> None:
    with Workspace.open(root) as workspace:
        key_id, key = create_key(workspace, ["feedback"])
        record = verify_key(workspace, key)
    assert record is not None
    assert record.key_id == key_id
