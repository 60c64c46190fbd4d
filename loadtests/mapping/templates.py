"""Templates of a mapping file: ``"/api/stations/{station_id}/voters/{voter_id}"``.

A placeholder is ``{name}`` (a field of the event: ``voter_id``, ``scanned_at``...) or
``{env:NAME}`` (the environment variable ``NAME``, read once when the adapter is built, so a
key never has to be written in the file). ``{{`` and ``}}`` are literal braces. In a path a
field's value is percent-encoded; in a body a string that is exactly one placeholder
(``"{ballots_valid}"``) takes the field's own JSON type (a number, a table of votes), any
other string is text with the values written in.

Templates are compiled once (:func:`compile_text`; a body's strings one by one), checked against the
fields their request kind has (an unknown name is an error with the closest known one), and
rendered per request with a plain dict of values.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

__all__ = [
    "Body",
    "Template",
    "TemplateProblem",
    "compile_text",
    "render_body",
]

_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")
_NAME = re.compile(r"[a-z_][a-z0-9_]*")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class TemplateProblem(ValueError):
    """A template that cannot be used: the message says which placeholder and the fix."""


@dataclass(frozen=True)
class Template:
    """A compiled text template: literal parts and field names, alternating."""

    parts: tuple[str | tuple[str], ...]  # str: literal text; (name,): a field
    encode: Callable[[str], str]

    @property
    def fields(self) -> frozenset[str]:
        return frozenset(p[0] for p in self.parts if isinstance(p, tuple))

    def render(self, values: Mapping[str, Any]) -> str:
        enc = self.encode
        return "".join(p if isinstance(p, str) else enc(_text(values[p[0]])) for p in self.parts)

    @property
    def whole_field(self) -> str | None:
        """The field name when the template is exactly one placeholder."""
        if len(self.parts) == 1 and isinstance(self.parts[0], tuple):
            return self.parts[0][0]
        return None


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _plain(text: str) -> str:
    return text


def _path_segment(text: str) -> str:
    return quote(text, safe="")


def _closest(word: str, choices: frozenset[str]) -> str:
    found = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.6)
    return f" (did you mean {{{found[0]}}}?)" if found else ""


def compile_text(text: str, fields: frozenset[str], *, in_path: bool = False,
                 env: Mapping[str, str] | None = None) -> Template:
    """Compile ``text``; ``{env:NAME}`` is replaced now by the variable's value (from ``env``,
    default ``os.environ``). Raises :class:`TemplateProblem` on an unknown field, an unset
    variable or a lone brace."""
    env = os.environ if env is None else env
    parts: list[str | tuple[str]] = []
    literal = ""
    at = 0
    for match in _PLACEHOLDER.finditer(text):
        literal += text[at:match.start()]
        at = match.end()
        token = match.group(0)
        if token in ("{{", "}}"):
            literal += token[0]
            continue
        if match.group(1) is None:
            raise TemplateProblem(f"a lone {token!r}: write {token * 2!r} for a literal brace")
        name = match.group(1).strip()
        if name.startswith("env:"):
            var = name[4:].strip()
            if not _ENV_NAME.fullmatch(var):
                raise TemplateProblem(f"{{{name}}}: not an environment variable name")
            if var not in env:
                raise TemplateProblem(
                    f"{{env:{var}}}: the environment variable {var} is not set; export it "
                    "before the run (the key stays out of the file)")
            literal += env[var]
            continue
        if name not in fields:
            known = ", ".join(f"{{{f}}}" for f in sorted(fields)) or "none"
            raise TemplateProblem(
                f"unknown field {{{name}}}{_closest(name, fields)}; this request has: {known}"
                if _NAME.fullmatch(name) else
                f"{{{name}}} is not a placeholder: write {{field}} or {{env:NAME}}, and "
                "{{ }} for literal braces")
        if literal:
            parts.append(literal)
            literal = ""
        parts.append((name,))
    literal += text[at:]
    if literal:
        parts.append(literal)
    return Template(tuple(parts), _path_segment if in_path else _plain)


# A compiled body: the same JSON shape with templates in place of strings.
Body = Any


def render_body(body: Body, values: Mapping[str, Any]) -> Any:
    """The JSON value of a compiled body for one request."""
    if isinstance(body, Template):
        whole = body.whole_field
        return values[whole] if whole is not None else body.render(values)
    if isinstance(body, dict):
        return {k: render_body(v, values) for k, v in body.items()}
    if isinstance(body, list):
        return [render_body(v, values) for v in body]
    return body

