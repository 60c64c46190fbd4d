""""Did you mean ...?" for a misspelt scenario key or value.

An unknown key is compared with the fields the schema allows at that place (aliases as
written in TOML: ``mean``, not ``mean_value``); a refused value with the values the rule
lists (``'manual' or 'refuse'``, a distribution's kinds).
"""

from __future__ import annotations

import difflib
import re
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel

__all__ = ["key_suggestion", "value_suggestion"]

_QUOTED = re.compile(r"'([^']*)'")


def key_suggestion(root: type[BaseModel], loc: tuple[int | str, ...]) -> str | None:
    """The allowed key closest to ``loc``'s last part (an unknown key), or None."""
    if not loc or not isinstance(loc[-1], str):
        return None
    fields = _fields_at(root, loc[:-1])
    return _closest(loc[-1], fields) if fields else None


def value_suggestion(error_type: str, value: Any, context: dict[str, Any] | None) -> str | None:
    """The listed value closest to a refused one (a literal or a distribution kind)."""
    if not context:
        return None
    if error_type == "union_tag_invalid":
        value = context.get("tag")  # the refused kind; the input is the whole table
    if not isinstance(value, str):
        return None
    listed = context.get("expected") if error_type == "literal_error" else (
        context.get("expected_tags") if error_type == "union_tag_invalid" else None)
    return _closest(value, _QUOTED.findall(str(listed))) if listed else None


def _closest(word: str, choices: list[str]) -> str | None:
    found = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    if not found:  # "terminal" for "terminals": a prefix is as telling as a close spelling
        found = [c for c in choices if c.startswith(word) or word.startswith(c)][:1]
    return found[0] if found else None


def _written_names(model: type[BaseModel]) -> dict[str, str]:
    """Key as written in TOML -> field name."""
    return {f.alias or name: name for name, f in model.model_fields.items()}


def _fields_at(root: type[BaseModel], loc: tuple[int | str, ...]) -> list[str] | None:
    models = [root]
    for part in loc:
        if isinstance(part, int):
            continue  # a list's element: its type is already among the candidates
        tagged = [m for m in models if part in _kinds(m)]
        if tagged:  # pydantic's tag of a union member ("lognormal"), not a key
            models = tagged
            continue
        owner = next((m for m in models if part in _written_names(m)), None)
        if owner is None:
            return None
        field = owner.model_fields[_written_names(owner)[part]]
        models = _models_in(field.annotation)
        if not models:
            return None
    return sorted({key for m in models for key in _written_names(m)})


def _kinds(model: type[BaseModel]) -> tuple[Any, ...]:
    kind = model.model_fields.get("kind")
    if kind is None or get_origin(kind.annotation) is not Literal:
        return ()
    return get_args(kind.annotation)


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in get_args(annotation) for m in _models_in(arg)]
