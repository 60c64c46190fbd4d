"""Write a ``.npy`` file row block by row block, its length known only at the end.

``numpy.save`` needs the whole array; a country's schedule or per-voter rows do not fit in
memory. The header is written first with room to spare and rewritten with the final shape
on :meth:`NpyAppender.close`, so the file is a plain ``.npy`` (``numpy.load`` and
``mmap_mode`` work) and memory holds one block at a time.
"""

from __future__ import annotations

from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["NpyAppender"]

_MAGIC = b"\x93NUMPY\x01\x00"
_LONGEST_ROWS = 2**62  # the header keeps room for a shape this long


def _dict(dtype: np.dtype[Any], shape: tuple[int, ...]) -> str:
    descr = np.lib.format.dtype_to_descr(dtype)
    return repr({"descr": descr, "fortran_order": False, "shape": shape})


def _header(dtype: np.dtype[Any], shape: tuple[int, ...], size: int) -> bytes:
    """The header padded to ``size`` bytes (magic and length included)."""
    text = _dict(dtype, shape)
    room = size - len(_MAGIC) - 2
    body = (text + " " * (room - len(text) - 1) + "\n").encode("latin1")
    return _MAGIC + len(body).to_bytes(2, "little") + body


def _header_size(dtype: np.dtype[Any], row_shape: tuple[int, ...]) -> int:
    """Room for the longest shape, rounded up to 64 bytes as the format asks."""
    longest = len(_MAGIC) + 2 + len(_dict(dtype, (_LONGEST_ROWS, *row_shape))) + 1
    return -(-longest // 64) * 64


class NpyAppender:
    """Append blocks of rows (same dtype, same trailing shape) to a ``.npy`` file."""

    def __init__(self, path: Path, dtype: np.dtype[Any], row_shape: tuple[int, ...] = ()
                 ) -> None:
        self.path, self.dtype, self.row_shape = path, np.dtype(dtype), row_shape
        self.rows = 0
        self._size = _header_size(self.dtype, row_shape)
        self._file = path.open("wb")
        self._file.write(_header(self.dtype, (0, *row_shape), self._size))

    def append(self, block: NDArray[np.generic]) -> None:
        block = np.ascontiguousarray(block, dtype=self.dtype)
        if block.shape[1:] != self.row_shape:
            raise ValueError(f"{self.path}: rows of shape {block.shape[1:]}, expected "
                             f"{self.row_shape}")
        self._file.write(block.tobytes())
        self.rows += len(block)

    def close(self) -> None:
        if self._file.closed:
            return
        self._file.seek(0)
        self._file.write(_header(self.dtype, (self.rows, *self.row_shape), self._size))
        self._file.close()

    def __enter__(self) -> NpyAppender:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
