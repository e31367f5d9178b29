"""Secrets: ``${ENV}`` and ``secret: NAME`` references, never shown, masked wherever they appear."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from aimass import Workspace
from aimass.exceptions import ConfigError
from aimass.ingest import mask, resolve_secret
from aimass.ingest._secrets import secrets_path


def _secrets_file(workspace: Workspace, text: str, mode: int = 0o600) -> Path:
    path = secrets_path(workspace)
    path.write_text(text, encoding="utf-8")
    os.chmod(path, mode)
    return path


def test_environment_references_are_resolved(workspace: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIMASS_TEST_DB_PASSWORD", "correct-horse-battery")

    assert resolve_secret(workspace, "${AIMASS_TEST_DB_PASSWORD}") == "correct-horse-battery"
    assert resolve_secret(workspace, "plain text") == "plain text"
    assert mask("login failed for correct-horse-battery") == "login failed for ***"


def test_a_missing_variable_is_named_without_a_value(workspace: Workspace) -> None:
    with pytest.raises(ConfigError, match=r"source 'shop': password: the environment variable AIMASS_NOPE"):
        resolve_secret(workspace, "${AIMASS_NOPE}", where="source 'shop': password")


def test_named_secrets_come_from_the_private_secrets_file(workspace: Workspace) -> None:
    path = _secrets_file(workspace, 'shop_db = "s3cr3t-value"\n[api]\ntoken = "tok-998877"\n')

    assert resolve_secret(workspace, "secret: shop_db") == "s3cr3t-value"
    assert resolve_secret(workspace.root, "secret: api.token") == "tok-998877"
    with pytest.raises(ConfigError) as caught:
        resolve_secret(workspace, "secret: other", where="source 'crm': token")
    message = str(caught.value)
    assert "there is no secret 'other'" in message and str(path) in message
    assert "s3cr3t-value" not in message and "tok-998877" not in message


def test_a_secrets_file_others_can_read_is_refused(workspace: Workspace) -> None:
    _secrets_file(workspace, 'shop_db = "s3cr3t-value"\n', mode=0o644)

    with pytest.raises(ConfigError, match=r"can be read by other users.*chmod 600") as caught:
        resolve_secret(workspace, "secret: shop_db")
    assert "s3cr3t-value" not in str(caught.value)


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("postgresql://shop:pw@db:5432/sales", "postgresql://shop:***@db:5432/sales"),
        ("mysql+pymysql://root:p%40ss@127.0.0.1/test", "mysql+pymysql://root:***@127.0.0.1/test"),
        ("sqlite:///data/shop.db", "sqlite:///data/shop.db"),
        ("sftp://user@host/drop", "sftp://user@host/drop"),
        ("https://x.io/v1?token=abc&page=2", "https://x.io/v1?token=***&page=2"),
    ],
)
def test_mask_hides_url_passwords_and_secret_parameters(text: str, masked: str) -> None:
    assert mask(text) == masked
