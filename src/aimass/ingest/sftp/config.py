"""Configuration of the SFTP source: its ``sources.yaml`` entry."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from aimass._typing import FileFormat
from aimass.ingest.files.config import FileOptions

if TYPE_CHECKING:
    from aimass.ingest._result import LoadResult
    from aimass.workspace import Workspace

__all__ = ["SftpSourceConfig"]


class SftpSourceConfig(BaseModel):
    """A ``kind: sftp`` entry of ``sources.yaml``: files dropped on an SFTP server.

    .. code-block:: yaml

        - name: pos_sales
          kind: sftp
          url: sftp://shop@files.example.com:2222/exports
          pattern: sales_*.csv
          password: ${SFTP_PASSWORD}        # or: "secret: sftp.password", or key_file: ~/.ssh/id_ed25519
          known_hosts: ~/.ssh/known_hosts   # or host_key: SHA256:...

    Parameters
    ----------
    kind : "sftp"
    name : str
        The raw table; every matching file lands in it.
    url : str
        ``sftp://user@host[:port]/folder``.
    pattern : str, default "*"
        Glob of the file names, or of paths under the folder (``*/sales.csv``).
    password : str, optional
        ``${ENV_VAR}`` or ``secret: NAME`` (in ``.aimass/secrets.toml``); never printed or recorded.
    key_file : str, optional
        A private key file, instead of a password.
    key_passphrase : str, optional
        The key's passphrase, as a ``${ENV_VAR}`` or ``secret: NAME`` reference.
    known_hosts : str, optional
        The known_hosts file the server key must be in (default ``~/.ssh/known_hosts``).
    host_key : str, optional
        The server key's ``SHA256:...`` fingerprint (``ssh-keygen -lf``), instead of known_hosts.
    format : str, optional
        The files' format (from their endings when omitted).
    options : FileOptions
        Reader options, as for ``kind: files``.
    mode : {"append", "replace"}, default "append"
        ``append`` loads only files not loaded before; ``replace`` reloads every matching file.
    timeout : float, default 30
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["sftp"]
    name: Annotated[str, Field(min_length=1)]
    url: Annotated[str, Field(min_length=1)]
    pattern: Annotated[str, Field(min_length=1)] = "*"
    password: Annotated[str | None, Field(repr=False)] = None
    key_file: str | None = None
    key_passphrase: Annotated[str | None, Field(repr=False)] = None
    known_hosts: str | None = None
    host_key: str | None = None
    format: FileFormat | None = None
    options: FileOptions = Field(default_factory=FileOptions)
    mode: Literal["append", "replace"] = "append"
    timeout: Annotated[float, Field(gt=0, le=3600)] = 30.0

    @field_validator("url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        from aimass.ingest.sftp.source import parse_sftp_url

        parse_sftp_url(value)
        return value

    def ingest(self, workspace: Workspace, *, progress: Callable[..., Any] | None = None) -> LoadResult:
        """Load the new files of this source into its raw table."""
        from aimass.ingest._secrets import resolve_secret
        from aimass.ingest.sftp.source import ingest_sftp

        password = resolve_secret(workspace, self.password, where="password") if self.password else None
        passphrase = (
            resolve_secret(workspace, self.key_passphrase, where="key_passphrase")
            if self.key_passphrase
            else None
        )
        return ingest_sftp(
            workspace,
            self.url,
            self.name,
            pattern=self.pattern,
            password=password,
            key_file=self.key_file,
            key_passphrase=passphrase,
            known_hosts=self.known_hosts,
            host_key=self.host_key,
            format=self.format,
            options=self.options,
            mode=self.mode,
            timeout=self.timeout,
        )
