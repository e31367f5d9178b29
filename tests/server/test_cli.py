"""``aimass keys`` and ``aimass serve`` (checks that fail before uvicorn starts), and the listen address."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from aimass import ConfigError, Workspace
from aimass.cli.main import main
from aimass.server import verify_key
from aimass.server.keys import keys_path
from aimass.server.listen import check_listen_address, listen_address
from aimass.settings import ServerSettings


@pytest.fixture
def root(tmp_path: Path) -> Path:
    Workspace.init(tmp_path / "ws").close()
    return tmp_path / "ws"


@pytest.fixture
def busy_port() -> Iterator[int]:
    """A port something else is listening on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield int(listener.getsockname()[1])


# -- keys -----------------------------------------------------------------------------------------
def test_keys_create_prints_the_key_once_and_stores_its_hash(
    root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(["keys", "create", "--scope", "read", "--scope", "decide", "--name", "pos", "-w", str(root)])
        == 0
    )
    out = capsys.readouterr().out
    key = next(word for word in out.split() if word.startswith("am_"))
    assert "only its SHA-256 hash" in out
    record = verify_key(root, key)
    assert record is not None
    assert record.scopes == ("decide", "read")
    assert record.name == "pos"
    assert key not in keys_path(root).read_text(encoding="utf-8")


def test_keys_create_json(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["keys", "create", "--scope", "admin", "--json", "-w", str(root)]) == 0
    body = json.loads(capsys.readouterr().out)
    assert body["scopes"] == ["admin"]
    assert body["key"].startswith(f"am_{body['key_id']}_")
    assert verify_key(root, body["key"]) is not None


def test_keys_list_never_shows_secrets(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["keys", "create", "--scope", "read", "--name", "alpha", "--json", "-w", str(root)])
    key = json.loads(capsys.readouterr().out)["key"]
    assert main(["keys", "list", "-w", str(root)]) == 0
    table = capsys.readouterr().out
    assert "alpha" in table
    assert key.split("_")[1] in table  # the key id
    assert key not in table
    assert main(["keys", "list", "--json", "-w", str(root)]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [item["name"] for item in listed] == ["alpha"]
    assert set(listed[0]) == {"key_id", "name", "scopes", "created_at", "revoked", "revoked_at"}


def test_keys_revoke(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["keys", "create", "--scope", "read", "--json", "-w", str(root)])
    body = json.loads(capsys.readouterr().out)
    assert main(["keys", "revoke", body["key_id"], "-w", str(root)]) == 0
    assert "revoked key" in capsys.readouterr().out
    assert verify_key(root, body["key"]) is None
    main(["keys", "list", "--json", "-w", str(root)])
    assert json.loads(capsys.readouterr().out)[0]["revoked"] is True


def test_keys_revoke_unknown_id_is_exit_1(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["keys", "revoke", "000000000000", "-w", str(root)]) == 1
    assert "no API key has the id" in capsys.readouterr().err


def test_a_bad_scope_is_exit_1_naming_the_allowed_scopes(
    root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["keys", "create", "--scope", "write", "-w", str(root)]) == 1
    error = capsys.readouterr().err
    assert "'write'" in error
    for scope in ("decide", "feedback", "admin", "read"):
        assert scope in error
    assert not keys_path(root).exists()


def test_keys_create_needs_a_scope(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["keys", "create", "-w", str(root)]) == 1
    assert "at least one scope" in capsys.readouterr().err


# -- serve ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("port", ["0", "65536", "70000"])
def test_serve_refuses_a_port_out_of_range(root: Path, capsys: pytest.CaptureFixture[str], port: str) -> None:
    assert main(["serve", "--port", port, "-w", str(root)]) == 1
    error = capsys.readouterr().err
    assert "out of range" in error
    assert "1 and 65535" in error


def test_serve_refuses_a_port_in_use(root: Path, busy_port: int, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--port", str(busy_port), "-w", str(root)]) == 1
    error = capsys.readouterr().err
    assert f"cannot listen on 127.0.0.1:{busy_port}" in error
    assert "--port" in error


def test_serve_takes_the_port_from_aimass_port(
    root: Path, busy_port: int, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AIMASS_PORT", str(busy_port))
    assert main(["serve", "-w", str(root)]) == 1  # the port from the environment is the busy one
    assert f":{busy_port}" in capsys.readouterr().err
    monkeypatch.setenv("AIMASS_PORT", "http")
    assert main(["serve", "-w", str(root)]) == 1
    assert "$AIMASS_PORT='http'" in capsys.readouterr().err


def test_serve_needs_a_workspace(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "-w", str(tmp_path / "none")]) == 1
    assert "does not exist" in capsys.readouterr().err


# -- the listen address as a library --------------------------------------------------------------
def test_listen_address_precedence() -> None:
    settings = ServerSettings(host="0.0.0.0", port=8100)
    assert listen_address(settings, environ={}) == ("0.0.0.0", 8100)
    assert listen_address(settings, environ={"AIMASS_PORT": "8200"}) == ("0.0.0.0", 8200)
    assert listen_address(settings, "127.0.0.1", 8300, environ={"AIMASS_PORT": "8200"}) == ("127.0.0.1", 8300)
    with pytest.raises(ConfigError, match="out of range"):
        listen_address(settings, environ={"AIMASS_PORT": "99999"})


def test_check_listen_address(busy_port: int) -> None:
    with pytest.raises(ConfigError, match="cannot listen"):
        check_listen_address("127.0.0.1", busy_port)
    with pytest.raises(ConfigError, match="cannot listen on host"):
        check_listen_address("no-such-host.invalid", 8000)
