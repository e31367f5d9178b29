"""Suite-wide fixtures: the local services, and small workspaces.

PostgreSQL, MariaDB and Redis are detected on their standard loopback ports. With
``AIMASS_REQUIRE_SERVICES=1`` (set by ``.ci/run``) a missing service fails the run at start-up;
otherwise tests that need one are skipped with a message saying what to start.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from aimass import Workspace
from aimass.demo import DemoWorld

REQUIRE_SERVICES = os.environ.get("AIMASS_REQUIRE_SERVICES") == "1"


@dataclass(frozen=True)
class Service:
    """A local service the tests may talk to."""

    name: str
    port: int
    url: str
    start_hint: str


SERVICES: dict[str, Service] = {
    "postgresql": Service(
        "postgresql",
        5432,
        "postgresql://postgres@127.0.0.1:5432/test",
        "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start",
    ),
    "mariadb": Service(
        "mariadb",
        3306,
        "mysql://root@127.0.0.1:3306/test",
        "start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd",
    ),
    "redis": Service("redis", 6379, "redis://127.0.0.1:6379/0", "redis-server --daemonize yes --port 6379"),
}


def service_up(service: Service, timeout: float = 0.5) -> bool:
    """Whether something accepts TCP connections on the service's loopback port."""
    try:
        with socket.create_connection(("127.0.0.1", service.port), timeout=timeout):
            return True
    except OSError:
        return False


def pytest_sessionstart(session: pytest.Session) -> None:
    if REQUIRE_SERVICES:
        missing = [s for s in SERVICES.values() if not service_up(s)]
        if missing:
            hints = "; ".join(f"{s.name} on 127.0.0.1:{s.port} (start: {s.start_hint})" for s in missing)
            raise pytest.UsageError(f"AIMASS_REQUIRE_SERVICES=1 but these services are not running: {hints}")


def require_service(name: str) -> Service:
    """Return the service, or skip (locally) / fail (CI) when it is not running."""
    service = SERVICES[name]
    if not service_up(service):
        message = f"{name} is not running on 127.0.0.1:{service.port}; start it with: {service.start_hint}"
        if REQUIRE_SERVICES:
            pytest.fail(message)
        pytest.skip(message)
    return service


@pytest.fixture
def postgres_url() -> str:
    """URL of the local PostgreSQL ``test`` database."""
    return require_service("postgresql").url


@pytest.fixture
def mariadb_url() -> str:
    """URL of the local MariaDB ``test`` database."""
    return require_service("mariadb").url


@pytest.fixture
def redis_url() -> str:
    """URL of the local Redis."""
    return require_service("redis").url


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[Workspace]:
    """A fresh, empty workspace in a temporary folder."""
    with Workspace.init(tmp_path / "ws") as ws:
        yield ws


@pytest.fixture(autouse=True)
def _isolate_workspace_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sees the developer's own $AIMASS_WORKSPACE."""
    monkeypatch.delenv("AIMASS_WORKSPACE", raising=False)


@pytest.fixture(scope="session")
def demo_world() -> DemoWorld:
    """A small demo world (3,000 customers, seed 7), shared by the analysis tests; do not mutate it."""
    from aimass.demo import generate_world

    return generate_world(3_000, seed=7)


@pytest.fixture
def core_workspace(tmp_path: Path, demo_world: DemoWorld) -> Iterator[Workspace]:
    """A workspace whose ``core.*`` tables hold :func:`demo_world` (as ``prepare`` would write them)."""
    from aimass.canonical import write_core

    with Workspace.init(tmp_path / "core-ws") as ws:
        for name, table in demo_world.tables().items():
            write_core(ws.engine, name, table)
        yield ws
