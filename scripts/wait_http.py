"""Wait until a URL answers HTTP 200: ``python scripts/wait_http.py URL [SECONDS]``."""

from __future__ import annotations

import sys
import time

import httpx


def main() -> int:
    """Poll the URL every 0.2 s; exit 0 when it answers 200, 1 on time-out."""
    url = sys.argv[1]
    deadline = time.monotonic() + (float(sys.argv[2]) if len(sys.argv) > 2 else 30.0)
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2.0).status_code == 200:
                return 0
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    print(f"{url} did not answer within the time limit", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
