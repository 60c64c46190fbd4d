"""The second pass over an invalid scenario: cross-field rules judged on whatever parsed.

Pydantic runs a model's own rules (shares summing to 1, closing after opening, outages naming a
station group) only once every field of that model is valid, so one mistyped number hides
every such rule of its section, and of the whole scenario. This pass rebuilds the data bottom
up, keeping each value that validates and leaving out each that does not, then runs every
model's "after" validators on the partial models; and the ``_check_*`` helpers those call,
each on its own, so that one broken rule does not hide the next. A rule that reads a value
left out cannot be judged yet and is skipped (it is judged once that value is fixed): nothing
is reported on a guess.
"""

from __future__ import annotations

import datetime as dt
import functools
import inspect
from collections.abc import Callable
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, TypeAdapter, ValidationError

__all__ = ["BrokenRule", "broken_rules", "numbers_as_times"]

Loc = tuple[int | str, ...]
_MISSING: Any = object()


class BrokenRule(dict[str, Any]):
    """One broken rule, shaped like a pydantic error (``loc``, ``msg``, ``type``, ``input``)."""


def broken_rules(model: type[BaseModel], data: Any,
                       context: dict[str, Any] | None) -> list[BrokenRule]:
    """Every cross-field rule of ``model`` (and its parts) that ``data`` breaks, as far as
    the valid parts of ``data`` let them be judged."""
    found: list[BrokenRule] = []
    if isinstance(data, dict):
        _Salvage(context, found).model(model, data, ())
    return found


def numbers_as_times(model: type[BaseModel], data: Any, loc: Loc = ()) -> list[Loc]:
    """Where ``data`` gives a bare number for a time of day. Pydantic reads ``opening = 8`` as
    8 seconds after midnight, never what a planner meant."""
    if not isinstance(data, dict):
        return []
    out: list[Loc] = []
    for name, field in model.model_fields.items():
        key = field.alias or name
        value = data.get(key)
        if value is None:
            continue
        if _is_time(field.annotation):
            if isinstance(value, int | float) and not isinstance(value, bool):
                out.append((*loc, key))
            continue
        sub, item = _model_in(field.annotation), _list_item(field.annotation)
        if sub is not None:
            out += numbers_as_times(sub, value, (*loc, key))
        elif item is not None and (inner := _model_in(item)) and isinstance(value, list):
            for k, element in enumerate(value):
                out += numbers_as_times(inner, element, (*loc, key, k))
    return out


class _Salvage:
    def __init__(self, context: dict[str, Any] | None, found: list[BrokenRule]) -> None:
        self.context, self.found = context, found
        self.partials: dict[int, Any] = {}  # the models built with values left out, by id

    def model(self, model: type[BaseModel], raw: dict[str, Any], loc: Loc) -> Any:
        try:
            return model.model_validate(raw, context=self.context)
        except ValidationError:
            pass
        for validator in _validators(model, "before"):
            try:
                raw = validator(raw)
            except Exception:  # the first pass reported it
                return _MISSING
        values, left_out = {}, []
        for name, field in model.model_fields.items():
            key = field.alias or name
            if key not in raw:
                continue  # its default, or (required) absent: a rule reading it is skipped
            value = self.value(model, name, raw[key], (*loc, key))
            if value is _MISSING:
                left_out.append(name)
            else:
                values[name] = value
        partial = model.model_construct(**values)
        self.partials[id(partial)] = partial
        for name in left_out:  # absent, not defaulted: a rule must not judge the default
            partial.__dict__.pop(name, None)
        for rule in [*_validators(model, "after"), *_helpers(model)]:
            self.judge(rule, partial, raw, loc)
        return partial

    def value(self, model: type[BaseModel], name: str, raw: Any, loc: Loc) -> Any:
        annotation = model.model_fields[name].annotation
        try:
            return _adapter(model, name).validate_python(raw, context=self.context)
        except ValidationError:
            pass
        sub, item = _model_in(annotation), _list_item(annotation)
        if sub is not None and isinstance(raw, dict):
            return self.model(sub, raw, loc)
        inner = _model_in(item) if item is not None else None
        if inner is not None and isinstance(raw, list) and all(isinstance(r, dict) for r in raw):
            items = [self.model(inner, r, (*loc, k)) for k, r in enumerate(raw)]
            # Every item whole and the list still refused: the list's own rule (its length)
            # failed, and a rule over a list that is not the file's would mislead.
            whole = all(id(i) not in self.partials for i in items)
            return _MISSING if whole or any(i is _MISSING for i in items) else items
        return _MISSING

    def judge(self, rule: Callable[[Any], Any], partial: Any, raw: Any, loc: Loc) -> None:
        try:
            rule(partial)
        except ValidationError:
            pass  # a model built inside the rule from a partial value: not the file's words
        except ValueError as error:
            found = BrokenRule(loc=loc, msg=str(error), type="value_error", input=raw)
            if found not in self.found:
                self.found.append(found)
        except Exception:  # it reads a value left out: judged once that value is fixed
            pass


@functools.cache
def _adapter(model: type[BaseModel], name: str) -> TypeAdapter[Any]:
    field = model.model_fields[name]
    typed: Any = Annotated[field.annotation, field]  # the field's constraints come along
    return TypeAdapter(typed)


def _validators(model: type[BaseModel], mode: str) -> list[Callable[[Any], Any]]:
    rules = model.__pydantic_decorators__.model_validators.values()
    out: list[Callable[[Any], Any]] = []
    for rule in rules:
        if rule.info.mode != mode:
            continue
        # "after": a plain method, called on the partial model; "before": bound to the class.
        func = rule.func
        out.append(func.__get__(None, model) if isinstance(func, classmethod) else func)
    return out


def _helpers(model: type[BaseModel]) -> list[Callable[[Any], Any]]:
    """The ``_check_*`` methods a model's validator calls in turn, each judged on its own."""
    return [member for name, member in inspect.getmembers(model, inspect.isfunction)
            if name.startswith("_check_")
            and len(inspect.signature(member).parameters) == 1]


def _strip(annotation: Any) -> list[Any]:
    """The alternatives of ``X | None`` and ``Annotated[X, ...]``, None left out."""
    if get_origin(annotation) is Annotated:
        return _strip(get_args(annotation)[0])
    if get_origin(annotation) in (Union, type(int | None)):
        return [a for arg in get_args(annotation) for a in _strip(arg) if a is not type(None)]
    return [annotation]


def _model_in(annotation: Any) -> type[BaseModel] | None:
    options = _strip(annotation)
    if len(options) == 1 and isinstance(options[0], type) and issubclass(options[0], BaseModel):
        return options[0]
    return None  # a union of models (a distribution) is judged whole by the first pass


def _list_item(annotation: Any) -> Any:
    options = _strip(annotation)
    if len(options) == 1 and get_origin(options[0]) is list:
        return get_args(options[0])[0]
    return None


def _is_time(annotation: Any) -> bool:
    return _strip(annotation) == [dt.time]
