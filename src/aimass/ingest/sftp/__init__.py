"""The SFTP source: files matching a pattern on an SSH server, loaded with the file readers.

Same shape as every source package: ``config`` (the ``sources.yaml`` entry), ``source`` (connect,
check the host key, list, skip what was loaded, download, land), ``errors`` (failures worded for
the user, transient or terminal).
"""

from __future__ import annotations

from aimass.ingest.sftp.config import SftpSourceConfig
from aimass.ingest.sftp.source import (
    RemoteFile,
    SftpLocation,
    fingerprint,
    ingest_sftp,
    list_remote,
    loaded_files,
    open_sftp,
    parse_sftp_url,
)

#: The config model ``sources.yaml`` entries of ``kind: sftp`` are read with.
CONFIG = SftpSourceConfig

__all__ = [
    "CONFIG",
    "RemoteFile",
    "SftpLocation",
    "SftpSourceConfig",
    "fingerprint",
    "ingest_sftp",
    "list_remote",
    "loaded_files",
    "open_sftp",
    "parse_sftp_url",
]
