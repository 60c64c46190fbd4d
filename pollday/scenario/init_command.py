"""``pollday init`` (a scenario to edit) and ``pollday schema`` (the scenario's JSON Schema)."""

from __future__ import annotations

import argparse
import json
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

from pollday.exits import EXIT_OK
from pollday.options.output import QUIET_HELP
from pollday.scenario.schema import SCHEMA_FILE, schema_text
from simulation.errors import InputError

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def shipped_scenarios(folder: Path = SCENARIOS) -> tuple[str, ...]:
    """Every shipped scenario (``scenarios/*.toml``) by name, in alphabetical order."""
    return tuple(sorted(p.stem for p in folder.glob("*.toml")))


TEMPLATES = shipped_scenarios()


def scenario_title(like: str) -> str:
    """The shipped scenario's ``election.name`` (for help), or "" if it cannot be read."""
    try:
        data = tomllib.loads((SCENARIOS / f"{like}.toml").read_text(encoding="utf-8"))
        return str(data["election"]["name"])
    except (OSError, ValueError, KeyError, TypeError):
        return ""


def add_init_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", type=Path, help="the scenario file to write")
    listed = "; ".join(f"{name} ({title})" if (title := scenario_title(name)) else name
                       for name in TEMPLATES)
    p.add_argument(
        "--like",
        choices=TEMPLATES,
        default="smoke",
        metavar="NAME",
        help=f"start from this shipped scenario (default smoke: 20 stations, every stage): "
        f"{listed}",
    )
    p.add_argument("--force", action="store_true", help="overwrite FILE if it exists")
    p.add_argument("--quiet", action="store_true", help=QUIET_HELP)


def add_schema_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", type=Path, help="write the schema to this file (default: stdout)")


def template_text(like: str) -> str:
    """The shipped scenario, headed by the ``#:schema`` line editors read."""
    source = SCENARIOS / f"{like}.toml"
    body = source.read_text(encoding="utf-8")
    body = "".join(line for line in body.splitlines(keepends=True)
                   if not line.startswith("#:schema"))
    return (
        f"#:schema ./{SCHEMA_FILE}\n"
        f"# Written by `pollday init --like {like}` from scenarios/{like}.toml.\n"
        "# Edit it, then check it with `pollday validate FILE` (every field is described in\n"
        "# docs/scenarios.md). The first line lets TOML editors (Taplo, VS Code's Even\n"
        "# Better TOML) check and complete fields as you type, against\n"
        f"# {SCHEMA_FILE} (written beside this file).\n\n"
        + body.lstrip("\n")
    )


def _write_schema_beside(file: Path) -> str | None:
    """Write the schema next to ``file``; a note when an unrelated file is in the way."""
    target = file.parent / SCHEMA_FILE
    if target.exists():
        try:
            ours = json.loads(target.read_text(encoding="utf-8")).get("title") == (
                "pollday scenario"
            )
        except (ValueError, AttributeError):
            ours = False
        if not ours:
            return f"{target} exists and is not a pollday schema: left as it is"
    target.write_text(schema_text(), encoding="utf-8")
    return None


@dataclass(frozen=True)
class InitOptions:
    file: Path  # the scenario file to write
    like: str = "smoke"  # the shipped scenario to start from (TEMPLATES)
    force: bool = False  # overwrite ``file`` if it exists


class InitError(InputError):
    """``pollday init`` cannot write where it was asked to (exit 2)."""


def write_scenario(options: InitOptions) -> str | None:
    """Write the scenario and its schema beside it; a note when the schema was left alone.
    InitError when the file exists (without force), is a folder, or has no folder."""
    file = options.file
    if options.like not in TEMPLATES:
        raise InitError(f"--like {options.like!r}: use one of {TEMPLATES}")
    if file.exists() and not options.force:
        raise InitError(f"{file} already exists (use --force to overwrite it)")
    if file.is_dir():
        raise InitError(f"{file} is a folder; name the scenario file")
    if not file.parent.is_dir():
        raise InitError(f"folder {file.parent} does not exist")
    file.write_text(template_text(options.like), encoding="utf-8")
    return _write_schema_beside(file)


def run_init(args: argparse.Namespace) -> int:
    file: Path = args.file
    note = write_scenario(InitOptions(file, like=args.like, force=args.force))
    if note:
        sys.stderr.write(f"pollday init: note: {note}\n")
    if not args.quiet:
        print(f"wrote {file} (like {args.like}) and {file.parent / SCHEMA_FILE}; "
              f"check it with: pollday validate {file}")
    return EXIT_OK


def run_schema(args: argparse.Namespace) -> int:
    if args.out is None:
        sys.stdout.write(schema_text())
    else:
        args.out.write_text(schema_text(), encoding="utf-8")
    return EXIT_OK
