"""Reading a mapping file: TOML syntax, the schema, the rules across fields and every
template, all checked in one pass before any request is sent.

Errors read like a scenario's (``simulation.scenario``): one line per problem with the file,
the line and column, the key path, the value, the rule and, for a misspelt key or field, the
closest allowed one::

    targets/mysvc.toml: invalid adapter mapping (1 problem(s))
    targets/mysvc.toml:9:1: checkin.acepted: [200]: not a key of [checkin] (did you mean
    'accepted'?)
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from loadtests.adapter import AdapterError
from loadtests.mapping.model import FIELDS, OPTIONAL_KINDS, MappingFile
from loadtests.mapping.templates import Body, Template, TemplateProblem, compile_text
from simulation.scenario import Problem
from simulation.scenario.hints import key_suggestion, value_suggestion
from simulation.scenario.loading import placed_problems

__all__ = ["CompiledRequest", "MappingError", "TargetMapping", "load_mapping"]


class MappingError(AdapterError):
    """A mapping file that cannot be used; one :class:`Problem` per offending field."""

    def __init__(self, file: str, problems: list[Problem]) -> None:
        self.file = file
        self.problems = problems
        lines = [f"{file}: invalid adapter mapping ({len(problems)} problem(s))"]
        super().__init__("\n".join(lines + [p.text(file) for p in problems]))


@dataclass(frozen=True)
class CompiledRequest:
    method: str
    path: Template
    headers: dict[str, Template]
    body: Body | None
    name: str  # the endpoint's label: the path with [field] for each {field}


@dataclass(frozen=True)
class TargetMapping:
    """A mapping file, validated and compiled."""

    file: Path
    spec: MappingFile
    requests: dict[str, CompiledRequest]  # checkin, batch, protocol, results, streams
    station_headers: dict[str, Template]
    batch_item: Body | None
    snapshot: CompiledRequest | None
    voters: Path | None  # resolved against the mapping file's folder
    # every field its templates name: without {station_token} it needs no --secret
    fields_used: frozenset[str] = frozenset()


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False) if isinstance(value, list) else repr(value)
    if isinstance(value, dict):
        return "-"  # a whole table: the rule names what is wrong in it
    return text if len(text) <= 80 else text[:77] + "..."


def _path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


_TOP_KEYS = frozenset(MappingFile.model_fields)


def _schema_problems(error: ValidationError) -> list[Problem]:
    out = []
    for e in error.errors(include_url=False):
        loc = tuple(e["loc"])
        value = "(missing)" if e["type"] == "missing" else _short(e.get("input"))
        rule = str(e["msg"]).removeprefix("Value error, ")
        hint = value_suggestion(e["type"], e.get("input"), e.get("ctx"))
        if e["type"] == "extra_forbidden":
            hint = key_suggestion(MappingFile, loc)
            table = f"[{_path(loc[:-1])}]" if len(loc) > 1 else "the top level"
            rule = f"not a key of {table}"
            if len(loc) > 1 and loc[-1] in _TOP_KEYS:
                rule += f"; {loc[-1]} is a top-level key (write it before any [table])"
        out.append(Problem(_path(loc), value, rule, hint))
    return out


def _endpoint_name(path: str) -> str:
    return path.replace("{", "[").replace("}", "]")


class _Compiler:
    """Compiles every template of a valid :class:`MappingFile`, collecting problems."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = env
        self.problems: list[Problem] = []
        self.fields_used: set[str] = set()  # every field a template names

    def text(self, text: str, fields: frozenset[str], where: str,
             in_path: bool = False) -> Template:
        try:
            template = compile_text(text, fields, in_path=in_path, env=self.env)
            self.fields_used |= template.fields
            return template
        except TemplateProblem as problem:
            self.problems.append(Problem(where, _short(text), str(problem)))
            return compile_text("", fields)

    def headers(self, headers: dict[str, str], fields: frozenset[str], where: str
                ) -> dict[str, Template]:
        return {k: self.text(v, fields, f"{where}.{k}") for k, v in headers.items()}

    def body(self, value: Any, fields: frozenset[str], where: str) -> Body | None:
        """A JSON-like value with every string compiled (every problem collected)."""
        if isinstance(value, str):
            return self.text(value, fields, where)
        if isinstance(value, dict):
            return {k: self.body(v, fields, f"{where}.{k}") for k, v in value.items()}
        if isinstance(value, list):
            return [self.body(v, fields, f"{where}[{k}]") for k, v in enumerate(value)]
        if value is None or isinstance(value, int | float | bool):
            return value
        self.problems.append(Problem(where, _short(value), "cannot be sent as JSON; write a "
                                     'date or time as text, e.g. "{scanned_at}"'))
        return None

    def request(self, kind: str, raw: dict[str, Any], path_key: str = "path",
                method: str = "POST") -> CompiledRequest:
        """A request from the raw table (any of its fields of the wrong type is the
        schema's problem: left out here, so each template is still checked)."""
        fields = FIELDS["streams.snapshot" if path_key == "snapshot" else kind]
        path = raw.get(path_key)
        path = path if isinstance(path, str) else "/"
        headers = raw.get("headers")
        headers = {k: v for k, v in headers.items() if isinstance(v, str)} if isinstance(
            headers, dict) else {}
        given = raw.get("method")
        return CompiledRequest(
            given if isinstance(given, str) else method,
            self.text(path, fields, f"{kind}.{path_key}", in_path=True),
            self.headers(headers, FIELDS[kind], f"{kind}.headers"),
            self.body(raw.get("body"), fields, f"{kind}.body"),
            _endpoint_name(path))


def _statuses(value: Any) -> list[int]:
    return [v for v in value if isinstance(v, int)] if isinstance(value, list) else []


def _rule_problems(data: dict[str, Any]) -> list[Problem]:
    """The rules across fields, on the raw file (so they are said with the schema's
    problems): each kind present or declared absent, a status in one class only."""
    out = []
    absent = data["absent"] if isinstance(data.get("absent"), list) else []
    for kind in OPTIONAL_KINDS:
        present = isinstance(data.get(kind), dict)
        if present and kind in absent:
            out.append(Problem("absent", repr(kind), f"[{kind}] is described below, yet "
                               "declared absent: remove one of them"))
        elif not present and kind not in absent:
            out.append(Problem(kind, "(missing)", f"no [{kind}] table: describe the target's "
                               f"{kind} request, or add {kind!r} to absent = [...] "
                               f"({ABSENT_CONSEQUENCE[kind]})"))
    checkin = _table(data, "checkin") or {}
    classes = [("retry", _statuses(data.get("retry", [502, 503, 504])))]
    classes += [(f"checkin.{c}", _statuses(checkin.get(c)))
                for c in ("accepted", "already_voted", "refused")]
    seen: dict[int, str] = {}
    for where, statuses in classes:
        for status in statuses:
            if status in seen:
                out.append(Problem(where, str(status), f"already listed in {seen[status]}: "
                                   "a status means one thing"))
            seen[status] = where
    protocol = _table(data, "protocol") or {}
    both = set(_statuses(protocol.get("accepted", [200, 201]))) & set(
        _statuses(protocol.get("failed_attempt")))
    out += [Problem("protocol.failed_attempt", str(status), "also in protocol.accepted: a "
                    "failed upload must be told apart") for status in sorted(both)]
    return out


# What happens to each kind a target does not have (docs/adapters.md says the same).
ABSENT_CONSEQUENCE = {
    "batch": "offline stations' syncs are then sent as single check-ins",
    "protocol": "protocol uploads are then skipped and counted, not sent",
    "results": "results reads are then skipped and counted, not sent",
    "streams": "webcam snapshots are then skipped and counted, not sent",
}


@dataclass(frozen=True)
class _Compiled:
    requests: dict[str, CompiledRequest]
    station_headers: dict[str, Template]
    batch_item: Body | None
    snapshot: CompiledRequest | None
    voters: Path | None
    problems: list[Problem]
    fields_used: frozenset[str]


def _table(data: dict[str, Any], key: str) -> dict[str, Any] | None:
    value = data.get(key)
    return value if isinstance(value, dict) else None


def _compile(file: Path, data: dict[str, Any], env: Mapping[str, str]) -> _Compiled:
    """Every template of the raw file compiled, with the problems found (also when the
    schema refused other fields: the file is judged in one pass)."""
    c = _Compiler(env)
    requests: dict[str, CompiledRequest] = {}
    item = snapshot = None
    for kind in ("checkin", "batch", "protocol", "results"):
        if (raw := _table(data, kind)) is not None:
            requests[kind] = c.request(kind, raw, method="GET" if kind == "results" else "POST")
    if (batch := _table(data, "batch")) is not None and isinstance(batch.get("item"), dict):
        item = c.body(batch["item"], FIELDS["batch.item"], "batch.item")
    if (streams := _table(data, "streams")) is not None:
        requests["streams"] = c.request("streams", streams, method="GET")
        snapshot = c.request("streams", streams, path_key="snapshot", method="GET")
    raw_headers = _table(data, "station_headers") or {}
    station_headers = c.headers({k: v for k, v in raw_headers.items() if isinstance(v, str)},
                                FIELDS["station_headers"], "station_headers")
    voters = None
    if isinstance(data.get("voters"), str):
        voters = file.parent / data["voters"]
        if not voters.is_file():
            c.problems.append(Problem("voters", repr(data["voters"]), f"no such file "
                                      f"({voters}); the path is relative to the mapping file"))
    return _Compiled(requests, station_headers, item, snapshot, voters, c.problems,
                     frozenset(c.fields_used))


_SYNTAX_AT = re.compile(r"\(at line (\d+), column (\d+)\)")


def load_mapping(path: str | Path, env: Mapping[str, str] | None = None) -> TargetMapping:
    """Read, validate and compile a mapping file (``env``: the environment for ``{env:X}``,
    default ``os.environ``); raise :class:`MappingError` listing every problem."""
    file = Path(path)
    name = str(path)
    try:
        text = file.read_bytes().decode("utf-8")
    except OSError as error:
        raise MappingError(name, [Problem("(file)", "-", f"cannot read: {error.strerror}; "
                                          "the path is relative to the current folder "
                                          f"({Path.cwd()})")]) from None
    except UnicodeDecodeError:
        raise MappingError(name, [Problem("(file)", "-", "not UTF-8 text")]) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        at = _SYNTAX_AT.search(str(error))
        line, column = (int(at.group(1)), int(at.group(2))) if at else (None, None)
        raise MappingError(name, [Problem("(syntax)", "-", f"TOML syntax error: {error}",
                                          line=line, column=column)]) from None
    compiled = _compile(file, data, os.environ if env is None else env)
    problems = _rule_problems(data) + compiled.problems
    try:
        spec = MappingFile.model_validate(data)
    except ValidationError as error:
        schema = _schema_problems(error)
        said = {p.path for p in schema}
        problems = schema + [p for p in problems if p.path not in said]
        raise MappingError(name, placed_problems(problems, text)) from None
    if problems:
        raise MappingError(name, placed_problems(problems, text))
    return TargetMapping(file, spec, compiled.requests, compiled.station_headers,
                         compiled.batch_item, compiled.snapshot, compiled.voters,
                         compiled.fields_used)
