"""Small filesystems for fault tests: a read-only folder and a tiny tmpfs that can fill up.

As root (CI here), permissions do not stop writes, so a read-only *mount* is the only honest
read-only folder; a size-limited tmpfs is a real full disk. Both need mount privileges: as
root they are used, otherwise the test is skipped (or, for the read-only case, falls back to
permissions, which do stop a non-root user).
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest


def _mount(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["mount", *argv], capture_output=True, text=True, timeout=30)


@contextlib.contextmanager
def tmpfs(folder: Path, size_bytes: int) -> Iterator[Path]:
    """A tmpfs of ``size_bytes`` mounted on ``folder`` (skips the test without privileges)."""
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    result = _mount("-t", "tmpfs", "-o", f"size={size_bytes}", "tmpfs", str(folder))
    if result.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {result.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True, timeout=30)


def make_read_only(folder: Path) -> None:
    """Make ``folder`` (a tmpfs from :func:`tmpfs`, when root) read-only."""
    if os.geteuid() == 0:
        result = _mount("-o", "remount,ro", str(folder))
        assert result.returncode == 0, result.stderr
    else:
        for path in folder.iterdir():
            path.chmod(0o444)
        folder.chmod(0o555)
