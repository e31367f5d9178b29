"""The sftp source against a real SSH server (paramiko's server side) on a free loopback port."""

from __future__ import annotations

import json
import os
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import paramiko
import pytest

from aimass import Workspace
from aimass.exceptions import ConfigError, TerminalSourceError, TransientSourceError
from aimass.ingest.sftp import SftpSourceConfig, fingerprint, ingest_sftp, parse_sftp_url

from .._net import free_port

USER = "shop"
PASSWORD = "s3cret-pass"


class _Sftp(paramiko.SFTPServerInterface):
    """Read-only SFTP over one local folder (the server's "/")."""

    def __init__(self, server: paramiko.ServerInterface, *args: Any, root: str, **kwargs: Any) -> None:
        super().__init__(server, *args, **kwargs)
        self.root = Path(root)

    def _local(self, path: str) -> Path:
        parts = [part for part in path.split("/") if part not in ("", ".")]
        return self.root.joinpath(*parts)

    def canonicalize(self, path: str) -> str:
        return "/" + "/".join(part for part in path.split("/") if part not in ("", "."))

    def list_folder(self, path: str) -> list[paramiko.SFTPAttributes] | int:
        folder = self._local(path)
        if not folder.is_dir():
            return paramiko.SFTP_NO_SUCH_FILE
        return [paramiko.SFTPAttributes.from_stat(item.stat(), item.name) for item in folder.iterdir()]

    def stat(self, path: str) -> paramiko.SFTPAttributes | int:
        local = self._local(path)
        if not local.exists():
            return paramiko.SFTP_NO_SUCH_FILE
        return paramiko.SFTPAttributes.from_stat(local.stat(), local.name)

    lstat = stat

    def open(self, path: str, flags: int, attr: paramiko.SFTPAttributes) -> paramiko.SFTPHandle | int:
        local = self._local(path)
        if not local.is_file():
            return paramiko.SFTP_NO_SUCH_FILE
        handle = paramiko.SFTPHandle(flags)
        handle.readfile = local.open("rb")  # type: ignore[attr-defined]
        handle.filename = str(local)  # type: ignore[attr-defined]
        return handle


class _Auth(paramiko.ServerInterface):
    def __init__(self, client_key: paramiko.PKey) -> None:
        self.client_key = client_key

    def get_allowed_auths(self, username: str) -> str:
        return "password,publickey"

    def check_auth_password(self, username: str, password: str) -> int:
        ok = username == USER and password == PASSWORD
        return paramiko.AUTH_SUCCESSFUL if ok else paramiko.AUTH_FAILED

    def check_auth_publickey(self, username: str, key: paramiko.PKey) -> int:
        ok = username == USER and key == self.client_key
        return paramiko.AUTH_SUCCESSFUL if ok else paramiko.AUTH_FAILED

    def check_channel_request(self, kind: str, chanid: int) -> int:
        return (
            paramiko.OPEN_SUCCEEDED if kind == "session" else paramiko.OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED
        )


@dataclass
class SshServer:
    """A running server: where it listens, what it serves, and the files a client needs."""

    port: int
    root: Path
    host_key: paramiko.PKey
    known_hosts: Path
    client_key_file: Path
    connections: list[paramiko.Transport]

    def url(self, folder: str = "/drop") -> str:
        return f"sftp://{USER}@127.0.0.1:{self.port}{folder}"


@pytest.fixture
def ssh_server(tmp_path: Path) -> Iterator[SshServer]:
    """A real SSH/SFTP server on 127.0.0.1 serving ``tmp_path/served`` until the test ends."""
    root = tmp_path / "served"
    (root / "drop").mkdir(parents=True)
    host_key = paramiko.ECDSAKey.generate()
    client_key = paramiko.ECDSAKey.generate()
    client_key_file = tmp_path / "id_ecdsa"
    client_key.write_private_key_file(str(client_key_file))
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.1)  # so the accept loop sees `stop` soon after the test
    port = int(listener.getsockname()[1])
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text(f"[127.0.0.1]:{port} {host_key.get_name()} {host_key.get_base64()}\n")
    connections: list[paramiko.Transport] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.settimeout(None)
            transport = paramiko.Transport(conn)
            transport.add_server_key(host_key)
            transport.set_subsystem_handler("sftp", paramiko.SFTPServer, _Sftp, root=str(root))
            connections.append(transport)
            try:
                transport.start_server(server=_Auth(client_key))
            except (paramiko.SSHException, EOFError, OSError):
                transport.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield SshServer(port, root, host_key, known_hosts, client_key_file, connections)
    finally:
        stop.set()
        thread.join(timeout=5)
        listener.close()
        for transport in connections:
            transport.close()


def _drop(server: SshServer, name: str, text: str, mtime: int | None = None) -> Path:
    path = server.root / "drop" / name
    path.write_text(text)
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path


def _load(workspace: Workspace, server: SshServer, **options: Any) -> Any:
    settings: dict[str, Any] = {
        "pattern": "orders_*.csv",
        "password": PASSWORD,
        "known_hosts": str(server.known_hosts),
        "timeout": 10.0,
    }
    settings.update(options)
    return ingest_sftp(workspace, server.url(), "drops", **settings)


def _ids(workspace: Workspace) -> list[tuple[str, str]]:
    rows = workspace.engine.sql("SELECT order_id, qty FROM raw.drops ORDER BY order_id, qty").to_pylist()
    return [(row["order_id"], str(row["qty"])) for row in rows]


def test_password_login_loads_every_matching_file_into_one_table(
    workspace: Workspace, ssh_server: SshServer
) -> None:
    _drop(ssh_server, "orders_1.csv", "order_id,qty\n0001,2\n0002,3\n")
    _drop(ssh_server, "orders_2.csv", "order_id,qty\n0003,1\n")
    _drop(ssh_server, "notes.txt", "not a match\n")
    result = _load(workspace, ssh_server)
    assert result.rows == 3
    assert _ids(workspace) == [("0001", "2"), ("0002", "3"), ("0003", "1")]  # leading zeros kept
    assert result.files == (
        f"{ssh_server.url('/drop/orders_1.csv')}",
        f"{ssh_server.url('/drop/orders_2.csv')}",
    )
    details = json.loads(workspace.engine.sql("SELECT details FROM meta.loads")["details"][0].as_py())
    assert [item["path"] for item in details["remote_files"]] == ["/drop/orders_1.csv", "/drop/orders_2.csv"]
    assert all(len(item["sha256"]) == 64 for item in details["remote_files"])
    assert PASSWORD not in workspace.engine.sql("SELECT * FROM meta.loads").to_pylist().__repr__()
    lineage = workspace.engine.sql(f"SELECT DISTINCT _source_file FROM {result.target} ORDER BY 1").column(0)
    assert tuple(lineage.to_pylist()) == result.files  # rows name the sftp:// URL, not the download


def test_rerun_skips_unchanged_files_and_loads_a_changed_or_new_one(
    workspace: Workspace, ssh_server: SshServer
) -> None:
    _drop(ssh_server, "orders_1.csv", "order_id,qty\n0001,2\n", mtime=1_700_000_000)
    _drop(ssh_server, "orders_2.csv", "order_id,qty\n0002,5\n", mtime=1_700_000_000)
    assert _load(workspace, ssh_server).rows == 2

    again = _load(workspace, ssh_server)
    assert (again.rows, again.files) == (0, ())
    assert _ids(workspace) == [("0001", "2"), ("0002", "5")]

    _drop(ssh_server, "orders_1.csv", "order_id,qty\n0001,2\n", mtime=1_800_000_000)  # touched only
    _drop(ssh_server, "orders_2.csv", "order_id,qty\n0002,6\n0004,1\n", mtime=1_800_000_000)  # changed
    _drop(ssh_server, "orders_3.csv", "order_id,qty\n0003,9\n")  # new
    third = _load(workspace, ssh_server)
    assert third.rows == 3
    assert [Path(url).name for url in third.files] == ["orders_2.csv", "orders_3.csv"]
    assert _ids(workspace) == [("0001", "2"), ("0002", "5"), ("0002", "6"), ("0003", "9"), ("0004", "1")]
    statuses = workspace.engine.sql("SELECT status, rows FROM meta.loads ORDER BY started_at").to_pylist()
    assert [(row["status"], row["rows"]) for row in statuses] == [("ok", 2), ("ok", 0), ("ok", 3)]


def test_replace_mode_reloads_every_file(workspace: Workspace, ssh_server: SshServer) -> None:
    _drop(ssh_server, "orders_1.csv", "order_id,qty\n0001,2\n")
    _load(workspace, ssh_server, mode="replace")
    assert _load(workspace, ssh_server, mode="replace").rows == 1
    assert _ids(workspace) == [("0001", "2")]


def test_key_login_with_a_host_key_fingerprint(workspace: Workspace, ssh_server: SshServer) -> None:
    _drop(ssh_server, "orders_1.csv", "order_id,qty\n0001,2\n")
    result = _load(
        workspace,
        ssh_server,
        password=None,
        key_file=str(ssh_server.client_key_file),
        known_hosts=None,
        host_key=fingerprint(ssh_server.host_key),
    )
    assert result.rows == 1


def test_wrong_password_is_terminal_and_recorded_without_the_secret(
    workspace: Workspace, ssh_server: SshServer
) -> None:
    _drop(ssh_server, "orders_1.csv", "order_id,qty\n0001,2\n")
    with pytest.raises(TerminalSourceError, match=r"refused the password.*--password-env") as caught:
        _load(workspace, ssh_server, password="wrong-password-123")
    assert "wrong-password-123" not in str(caught.value)
    row = workspace.engine.sql("SELECT status, error, details FROM meta.loads").to_pylist()[0]
    assert row["status"] == "failed" and "refused" in row["error"]
    assert "wrong-password-123" not in json.dumps(row)
    assert not workspace.engine.exists("raw.drops")


def test_unreachable_server_is_transient(workspace: Workspace) -> None:
    url = f"sftp://{USER}@127.0.0.1:{free_port()}/drop"
    with pytest.raises(TransientSourceError, match=r"cannot reach .* retry may help"):
        ingest_sftp(workspace, url, "drops", password=PASSWORD, timeout=5.0)


def test_unknown_host_key_is_terminal_and_says_how_to_accept_it(
    workspace: Workspace, ssh_server: SshServer, tmp_path: Path
) -> None:
    empty = tmp_path / "empty_known_hosts"
    empty.write_text("")
    offered = fingerprint(ssh_server.host_key)
    with pytest.raises(TerminalSourceError, match="not known") as caught:
        _load(workspace, ssh_server, known_hosts=str(empty))
    message = str(caught.value)
    assert offered in message
    assert f"ssh-keyscan -p {ssh_server.port} 127.0.0.1 >> {empty}" in message
    assert f"--host-key {offered}" in message


def test_changed_host_key_and_wrong_fingerprint_are_refused(
    workspace: Workspace, ssh_server: SshServer, tmp_path: Path
) -> None:
    other = paramiko.ECDSAKey.generate()
    changed = tmp_path / "changed_known_hosts"
    changed.write_text(f"[127.0.0.1]:{ssh_server.port} {other.get_name()} {other.get_base64()}\n")
    with pytest.raises(TerminalSourceError, match="does NOT match"):
        _load(workspace, ssh_server, known_hosts=str(changed))
    with pytest.raises(TerminalSourceError, match="not the expected"):
        _load(workspace, ssh_server, known_hosts=None, host_key=fingerprint(other))


def test_no_matching_file_and_missing_folder_are_terminal(
    workspace: Workspace, ssh_server: SshServer
) -> None:
    with pytest.raises(TerminalSourceError, match=r"no file matches 'orders_\*\.csv'"):
        _load(workspace, ssh_server)
    with pytest.raises(TerminalSourceError, match="cannot list"):
        ingest_sftp(
            workspace,
            ssh_server.url("/nowhere"),
            "drops",
            password=PASSWORD,
            known_hosts=str(ssh_server.known_hosts),
        )


def test_config_resolves_the_password_from_the_environment(
    workspace: Workspace, ssh_server: SshServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIMASS_TEST_SFTP_PASSWORD", PASSWORD)
    _drop(ssh_server, "orders_1.csv", "order_id,qty\n0001,2\n")
    config = SftpSourceConfig(
        kind="sftp",
        name="drops",
        url=ssh_server.url(),
        pattern="orders_*.csv",
        password="${AIMASS_TEST_SFTP_PASSWORD}",
        known_hosts=str(ssh_server.known_hosts),
    )
    assert PASSWORD not in repr(config)
    assert config.ingest(workspace).rows == 1


def test_urls_are_checked() -> None:
    assert parse_sftp_url("sftp://a@h/x").port == 22
    with pytest.raises(ConfigError, match="do not put the password in the URL"):
        parse_sftp_url("sftp://a:pw@h/x")
    with pytest.raises(ConfigError, match="name the user"):
        parse_sftp_url("sftp://h/x")


def test_cli_loads_with_a_password_from_the_environment(
    workspace: Workspace,
    ssh_server: SshServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from aimass.cli.main import main

    monkeypatch.setenv("AIMASS_TEST_SFTP_PASSWORD", PASSWORD)
    _drop(ssh_server, "orders_1.csv", "order_id,qty\n0001,2\n")
    args = [
        "ingest", "sftp", ssh_server.url(), "--pattern", "orders_*.csv", "--password-env",
        "AIMASS_TEST_SFTP_PASSWORD", "--known-hosts", str(ssh_server.known_hosts), "--workspace",
        str(workspace.root),
    ]  # fmt: skip
    assert main([*args, "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert (result["target"], result["rows"]) == ("raw.orders", 1)
    assert main([*args, "--as", "orders", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["rows"] == 0  # nothing new
    assert (
        main([*args[:-2], "--known-hosts", "/nonexistent/known_hosts", "--workspace", str(workspace.root)])
        == 1
    )
    err = capsys.readouterr().err
    assert "ssh-keyscan" in err and PASSWORD not in err


def test_sources_yaml_entry_with_a_secrets_file(workspace: Workspace, ssh_server: SshServer) -> None:
    from aimass.ingest import ingest_sources

    secrets = workspace.root / ".aimass" / "secrets.toml"
    secrets.parent.mkdir(exist_ok=True)
    secrets.write_text(f'[sftp]\npassword = "{PASSWORD}"\n')
    secrets.chmod(0o600)
    _drop(ssh_server, "orders_1.csv", "order_id,qty\n0001,2\n")
    (workspace.root / "sources.yaml").write_text(
        "sources:\n"
        "  - name: drops\n"
        "    kind: sftp\n"
        f"    url: {ssh_server.url()}\n"
        "    pattern: orders_*.csv\n"
        "    password: 'secret: sftp.password'\n"
        f"    known_hosts: {ssh_server.known_hosts}\n"
    )
    (result,) = ingest_sources(workspace)
    assert (result.target, result.rows) == ("raw.drops", 1)
