"""Reading a secret from a file (``--secret-file``, ``--admin-token-file``), safely.

A path an operator types may name anything: ``/dev/zero`` was read until the process ran out
of memory (a MemoryError traceback), a FIFO blocked the start forever, and a file saved by an
editor with a UTF-8 byte-order mark put the mark into the secret, so every station token was
refused with 403. So the file is opened without blocking, must be a regular file, is read up
to MAX_SECRET_FILE_BYTES, and its first line is stripped of a BOM and surrounding whitespace.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from service.exits import ServiceInputError

# A secret is a line of at most a few hundred characters; 4 KiB leaves room for comments
# after it and still refuses a wrong file (a log, a key store) before reading much of it.
MAX_SECRET_FILE_BYTES = 4096
UTF8_BOM = "\ufeff"


def read_secret_file(path: Path, option: str) -> str:
    """The first line of ``path`` without BOM and surrounding whitespace; ServiceInputError
    (exit 2) naming ``option`` when it is not a readable regular file of at most 4 KiB."""
    where = f"{option} {path}"
    try:
        # O_NONBLOCK: opening a FIFO without a writer would wait forever; O_NOCTTY: a terminal
        # path must not become our controlling terminal. Both are no-ops for a regular file.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    except OSError as exc:
        raise ServiceInputError(f"{where}: cannot open it ({exc.strerror}); give the path "
                                "of a readable file holding the value") from None
    try:
        kind = os.fstat(fd).st_mode
        if not stat.S_ISREG(kind):
            raise ServiceInputError(
                f"{where}: is {_kind_name(kind)}, not a regular file; write the value into a "
                "plain file and give its path")
        data = _read_at_most(fd, MAX_SECRET_FILE_BYTES + 1)
    except OSError as exc:
        raise ServiceInputError(f"{where}: cannot read it ({exc.strerror})") from None
    finally:
        os.close(fd)
    if len(data) > MAX_SECRET_FILE_BYTES:
        raise ServiceInputError(f"{where}: is larger than {MAX_SECRET_FILE_BYTES} bytes; a "
                                "secret file holds one line with the value")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ServiceInputError(f"{where}: is not UTF-8 text; write the value as "
                                "text") from None
    lines = text.removeprefix(UTF8_BOM).splitlines()
    value = lines[0].strip() if lines else ""
    if not value:
        raise ServiceInputError(f"{where}: the first line is empty; write the value there")
    return value


def _read_at_most(fd: int, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while size < limit:
        chunk = os.read(fd, limit - size)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def _kind_name(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode):
        return "a character device (like /dev/zero)"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a plain file"
