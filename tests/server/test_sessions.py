"""Dashboard session tokens: signed, expiring, tied to a live key with scope read."""

from __future__ import annotations

import stat
import time
from pathlib import Path

import pytest

from aimass import ConfigError
from aimass.server import revoke_key, verify_key
from aimass.server.sessions import create_session_token, read_session_token, session_secret

from .conftest import Keys


def test_a_token_names_its_key_and_is_signed(workspace_root: Path, keys: Keys) -> None:
    record = verify_key(workspace_root, keys.read)
    assert record is not None
    token = create_session_token(workspace_root, record)
    key_id, _, signature = token.split(".")
    assert key_id == keys.read_id
    assert keys.read not in token  # the token carries no secret
    back = read_session_token(workspace_root, token)
    assert back is not None
    assert back.key_id == keys.read_id
    forged = token[:-1] + ("A" if signature[-1] != "A" else "B")
    assert read_session_token(workspace_root, forged) is None
    assert read_session_token(workspace_root, None) is None
    assert read_session_token(workspace_root, "garbage") is None


def test_changing_the_key_id_breaks_the_signature(workspace_root: Path, keys: Keys) -> None:
    record = verify_key(workspace_root, keys.read)
    admin = verify_key(workspace_root, keys.admin)
    assert record is not None
    assert admin is not None
    _, expires, signature = create_session_token(workspace_root, record).split(".")
    assert read_session_token(workspace_root, f"{admin.key_id}.{expires}.{signature}") is None


def test_tokens_expire(workspace_root: Path, keys: Keys) -> None:
    record = verify_key(workspace_root, keys.read)
    assert record is not None
    now = time.time()
    token = create_session_token(workspace_root, record, max_age=60, now=now)
    assert read_session_token(workspace_root, token, now=now + 59) is not None
    assert read_session_token(workspace_root, token, now=now + 61) is None


def test_revoking_the_key_ends_its_sessions(workspace_root: Path, keys: Keys) -> None:
    record = verify_key(workspace_root, keys.read)
    assert record is not None
    token = create_session_token(workspace_root, record)
    revoke_key(workspace_root, keys.read_id)
    assert read_session_token(workspace_root, token) is None


def test_a_key_without_read_scope_cannot_log_in(workspace_root: Path, keys: Keys) -> None:
    record = verify_key(workspace_root, keys.decide)
    assert record is not None
    with pytest.raises(ConfigError, match="'read' or 'admin'"):
        create_session_token(workspace_root, record)


def test_the_secret_is_made_once_and_kept_private(workspace_root: Path) -> None:
    first = session_secret(workspace_root)
    assert len(first) == 32
    assert session_secret(workspace_root) == first
    path = workspace_root / ".aimass" / "session_secret"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_damaged_secret_is_reported(workspace_root: Path) -> None:
    session_secret(workspace_root)
    (workspace_root / ".aimass" / "session_secret").write_text("short", encoding="utf-8")
    with pytest.raises(ConfigError, match="session_secret is damaged"):
        session_secret(workspace_root)
