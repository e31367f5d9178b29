"""What every benchmark shares: timings, a description of the machine, and its README section.

Each script rewrites only its own section of ``bench/README.md``, between
``<!-- bench:NAME:start -->`` and ``<!-- bench:NAME:end -->``.
"""

from __future__ import annotations

import os
import platform
import re
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

HERE = Path(__file__).resolve().parent
README = HERE / "README.md"
THREADS = 2  # this machine has 2 cores; every side of every benchmark gets the same count

_FRESH = (
    "# Benchmarks\n\nSide-by-side runs against a peer, one script per capability; each script "
    "rewrites its own section below with the numbers of its latest run.\n"
)


def peer_python(venv: Path, module: str, packages: list[str]) -> Path | None:
    """The python of a peer's own venv, created with ``packages`` on first use.

    Parameters
    ----------
    venv : pathlib.Path
        Where the venv lives (under ``bench/_data``, git-ignored).
    module : str
        A module whose import shows the peer is installed.
    packages : list of str
        Requirements ``pip install`` gets when the import fails.

    Returns
    -------
    pathlib.Path or None
        None when the packages cannot be installed (the benchmark then runs our side only).
    """
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    check = subprocess.run([str(python), "-c", f"import {module}"], capture_output=True)
    if check.returncode != 0:
        installed = subprocess.run([str(python), "-m", "pip", "install", "-q", *packages])
        if installed.returncode != 0:
            return None
    return python


class Timing(NamedTuple):
    """Wall and CPU (all threads of this process) seconds of one run, and the rows it loaded."""

    wall: float
    cpu: float
    rows: int


def machine() -> str:
    """``N cores (model), M GiB RAM``."""
    memory = 0.0
    model = platform.processor() or platform.machine()
    try:
        meminfo = Path("/proc/meminfo").read_text()
        memory = int(re.search(r"MemTotal:\s+(\d+)", meminfo).group(1)) / 2**20  # type: ignore[union-attr]
        found = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text())
        model = found.group(1).strip() if found else model
    except (OSError, AttributeError):
        pass
    return f"{os.cpu_count()} cores ({model}), {memory:.0f} GiB RAM"


def write_readme(name: str, section: str) -> None:
    """Put ``section`` between the ``name`` markers of ``bench/README.md`` (appended when missing)."""
    start, end = f"<!-- bench:{name}:start -->", f"<!-- bench:{name}:end -->"
    block = f"{start}\n{section.rstrip()}\n{end}"
    text = README.read_text(encoding="utf-8") if README.exists() else _FRESH
    if start in text and end in text:
        text = text[: text.index(start)] + block + text[text.index(end) + len(end) :]
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    README.write_text(text, encoding="utf-8")
