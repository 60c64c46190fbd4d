"""Where each key of a TOML document was written: ``path -> (line, column)``, 1-based.

``tomllib`` gives values, not positions, and a planner told ``station_groups[0].terminal``
still has to find it. This scanner follows what scenario files use: ``[table]`` and
``[[array]]`` headers, ``key = value`` lines with dotted keys, inline tables (``{ a = 1 }``)
and arrays of them, over several lines too; strings and comments are skipped. It never
raises: a construct it does not follow only leaves its keys without a position (the error
then names the field path alone).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable

__all__ = ["key_positions", "position_of"]

Position = tuple[int, int]
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def key_positions(text: str) -> dict[str, Position]:
    """Every key's (and every array element's) position, by its path (``a.b[2].c``)."""
    scanner = _Scanner(text)
    with contextlib.suppress(IndexError, ValueError):  # a syntax it does not follow
        scanner.document()
    return scanner.found


def position_of(positions: dict[str, Position], path: str) -> Position | None:
    """The position of ``path``, else of its nearest written ancestor (a missing key is
    reported where its table starts)."""
    while path:
        if path in positions:
            return positions[path]
        cut = max(path.rfind("."), path.rfind("["))
        path = path[:cut] if cut > 0 else ""
    return None


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text, self.i, self.line, self.line_start = text, 0, 1, 0
        self.found: dict[str, Position] = {}
        self.array_counts: dict[str, int] = {}

    # -- characters ---------------------------------------------------------------------
    def peek(self) -> str:
        return self.text[self.i] if self.i < len(self.text) else ""

    def advance(self, n: int = 1) -> None:
        for _ in range(n):
            if self.peek() == "\n":
                self.line, self.line_start = self.line + 1, self.i + 1
            self.i += 1

    def here(self) -> Position:
        return self.line, self.i - self.line_start + 1

    def skip_space(self, newlines: bool) -> None:
        while self.peek():
            c = self.peek()
            if c == "#":
                while self.peek() not in ("", "\n"):
                    self.advance()
            elif c in " \t\r" or (newlines and c == "\n"):
                self.advance()
            else:
                return

    # -- structure ----------------------------------------------------------------------
    def document(self) -> None:
        table = ""
        while True:
            self.skip_space(newlines=True)
            if not self.peek():
                return
            if self.peek() == "[":
                table = self.header()
            else:
                self.key_value(table)

    def header(self) -> str:
        where, double = self.here(), self.text.startswith("[[", self.i)
        self.advance(2 if double else 1)
        self.skip_space(newlines=False)
        path = ".".join(self.dotted_key()[0])
        self.advance(2 if double else 1)
        if double:
            k = self.array_counts.get(path, 0)
            self.array_counts[path] = k + 1
            self.found.setdefault(path, where)
            path = f"{path}[{k}]"
        self.found[path] = where
        return path

    def dotted_key(self) -> tuple[list[str], Position]:
        parts, where = [], self.here()
        while True:
            self.skip_space(newlines=False)
            if self.peek() in ('"', "'"):
                parts.append(self.string())
            else:
                match = _BARE_KEY.match(self.text, self.i)
                if match is None:
                    raise ValueError("not a key")
                parts.append(match.group())
                self.advance(len(match.group()))
            self.skip_space(newlines=False)
            if self.peek() != ".":
                return parts, where
            self.advance()

    def key_value(self, table: str) -> None:
        parts, where = self.dotted_key()
        path = ".".join([table, *parts] if table else parts)
        self.found[path] = where
        self.skip_space(newlines=False)
        if self.peek() != "=":
            raise ValueError("expected =")
        self.advance()
        self.skip_space(newlines=False)
        self.value(path)

    def value(self, path: str) -> None:
        c = self.peek()
        if c in ('"', "'"):
            self.string()
        elif c == "{":
            self.inline_table(path)
        elif c == "[":
            self.array(path)
        else:  # numbers, booleans, dates: up to the next separator
            while self.peek() not in ("", "\n", ",", "]", "}", "#"):
                self.advance()

    def inline_table(self, path: str) -> None:
        self._delimited("}", lambda _: self.key_value(path))

    def array(self, path: str) -> None:
        def element(k: int) -> None:
            self.found[f"{path}[{k}]"] = self.here()
            self.value(f"{path}[{k}]")

        self._delimited("]", element)

    def _delimited(self, close: str, item: Callable[[int], None]) -> None:
        """From the opening bracket to ``close``: ``item(k)`` reads the k-th comma-separated
        item; an unclosed one ends with the text."""
        self.advance()
        k = 0
        while True:
            self.skip_space(newlines=True)
            if self.peek() in (close, ""):
                self.advance()
                return
            if self.peek() == ",":
                self.advance()
                continue
            item(k)
            k += 1

    def string(self) -> str:
        quote = self.peek()
        triple = self.text.startswith(quote * 3, self.i)
        end = quote * 3 if triple else quote
        self.advance(3 if triple else 1)
        start = self.i
        while self.peek() and not self.text.startswith(end, self.i):
            if quote == '"' and self.peek() == "\\":
                self.advance()
            self.advance()
        body = self.text[start:self.i]
        self.advance(len(end))
        return body
