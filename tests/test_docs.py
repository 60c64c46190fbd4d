"""Every code block and command shown in README.md and docs/*.md, run or checked, so the docs
stay true.

- Python blocks run as plain scripts (no ``__main__`` guard: a reader pastes them so).
- Commands (shell blocks, CI YAML steps, inline `pollday ...` spans) run from a scratch folder
  holding the repository's scenarios, with the substitutions below, and must exit 0; a block
  that shows its output (``$ cmd`` then lines) must print exactly that.
- Usage synopses (``[--flag]``, placeholders such as FILE or URL) are checked against the
  real argument parser: every flag they show exists.
- What cannot run here is skipped by rule, each rule saying why (installing, the test suite
  itself, a target the reader starts). A command no rule covers fails the test.

Substitutions, so the docs test stays short: national runs of azerbaijan-2024 use the smoke
scenario instead (``pollday run`` also gets ``--compress 20000``, ``pollday size`` three
replications, one band per group and no what-ifs); ``pollday allocate`` of azerbaijan-2024
allocates the smoke scenario's 20 terminals plus 4 (``--budget terminal=24``), with three
replications and one band per group (the national allocation is
benchmarks/bench_allocation.py's, its figures in docs/allocation.md); a capacity search
stops at its first level
(``--max-multiple`` = ``--start-multiple``: the search itself is tests/pollday/
test_capacity*.py's); a scenario the reader would write
(``my-election.toml``) is the smoke scenario; ``/tmp/`` is the scratch folder; ``RUN_DIR``
is a smoke run folder; ``pollday run`` on the smoke scenario runs once (about 40 s), its other
spellings are checked against the parser; at 20000x a generator on a loaded machine can miss
the intended-time latency thresholds, so that run may also exit 1 (a threshold verdict, the
run complete), not 2 or 3; the capacity example may end generator-bound (exit 3, saying
so) when a loaded machine's generator is the limit; a Python block reading ``runs/NAME/``
gets that folder first (``pollday simulate`` of the smoke scenario with ``--voters``);
benchmarks (minutes each)
are imported from the path the docs name, without running their main, which proves they
start as named (``python benchmarks/x.py`` once failed with "No module named
'benchmarks'"). A bare ``pollday X`` (or ``pollday X --flag``) in prose is checked against
the parser.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from pollday.cli import build_parser
from service.cli import build_parser as service_parser
from tests.pollday.report_support import write_smoke_run

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SMOKE = "scenarios/smoke.toml"
PLACEHOLDER = re.compile(r"\b(FILE|DIR|SCENARIO|URL|RULE|N|P|X|S|T|ARG|NAME|W)\b|\[|\.\.\.")
SKIPS = {
    "installs pollday (CI's own setup does)": re.compile(r"(^|/)(python3? -m venv|pip )"),
    "the test suite itself": re.compile(r"-m pytest"),
    "Locust against a target the reader starts (tests/loadtests/test_locust.py runs the "
    "locustfile headless, with --processes, and master and worker with the web UI; the "
    "adapter example runs in tests/loadtests/test_dispatcher_replay.py)":
        re.compile(r"(^|\s)locust\s"),
    "starts a long-lived service (tests/service/ start it)": re.compile(r"-m service\b"),
    "starts a long-lived Dask scheduler or worker on the reader's machines (the cluster "
    "tests start a LocalCluster)": re.compile(r"^dask (scheduler|worker)\b"),
    "needs the reader's own target at --host": re.compile(r"--host http"),
    "the example service's own steps (tests/examples/ run make_voters.py, start app.py, and "
    "run pollday run and capacity against it with its mapping)":
        re.compile(r"examples/plain_service/(make_voters|app)\.py"),
    "a national capacity search pinned to CPUs (minutes, and on 2 cores it ends "
    "generator-bound, exit 3; tests/pollday/test_capacity_cpus.py runs the pinning, "
    "benchmarks/bench_capacity.py the search)": re.compile(r"azerbaijan-2024\.toml --target-cpus"),
}


@dataclass(frozen=True)
class Shown:
    where: str  # file:line
    text: str
    output: tuple[str, ...] = ()  # what the doc says it prints (a "$ cmd" block)
    synopsis_only: bool = False  # a label in a table: checked, not run


def _blocks(path: Path) -> list[tuple[str, str, int]]:
    out, lang, start, lines = [], None, 0, []
    for k, line in enumerate(path.read_text().splitlines(), 1):
        if line.startswith("```"):
            if lang is None:
                lang, start, lines = line[3:].strip(), k, []
            else:
                out.append((lang, "\n".join(lines), start))
                lang = None
        elif lang is not None:
            lines.append(line)
    return out


def _shell_commands(text: str, where: str) -> list[Shown]:
    joined = re.sub(r"\\\n\s*", " ", text)
    joined = re.sub(r"\n[ \t]+(?=\[)", " ", joined)  # a synopsis wrapped onto indented lines
    if any(line.startswith("$ ") for line in joined.splitlines()):  # a transcript
        lines = joined.splitlines()
        return [Shown(where, lines[0][2:], tuple(lines[1:]))]
    out = []
    for line in joined.splitlines():
        line = re.sub(r"\s+#.*$", "", line).strip().rstrip("&").strip()
        if line and not line.startswith("#"):
            out += [Shown(where, part.strip()) for part in line.split("&&")]
    return out


def _yaml_commands(text: str, where: str) -> list[Shown]:
    out = []
    for line in text.splitlines():
        found = re.match(r"^\s*(?:run:|- )\s*((?:\.venv/bin/|python).+)$", line)
        if found:
            out += [Shown(where, part.strip()) for part in found.group(1).split("&&")]
    return out


def _inline(path: Path) -> list[Shown]:
    out = []
    text = path.read_text()
    for found in re.finditer(r"`((?:\.venv/bin/)?(?:pollday|python3?) [^`]+|"
                             # file:line (a place in a benchmark, not a command to run)
                             r"benchmarks/bench_\w+\.py(?!:\d)[^`]*)`", text):
        command = " ".join(found.group(1).split())
        if re.match(r"^(\.venv/bin/)?pollday \w+:", command):
            continue  # an error message quoted, not a command
        line_no = text.count("\n", 0, found.start()) + 1
        line = text.splitlines()[line_no - 1]
        in_table = line.lstrip().startswith("|")
        out.append(Shown(f"{path.name}:{line_no}", command, synopsis_only=in_table))
    return out


def shown() -> tuple[list[Shown], list[Shown]]:
    """(python blocks, commands) of every doc."""
    python, commands = [], []
    for path in DOCS:
        for lang, text, line in _blocks(path):
            where = f"{path.name}:{line}"
            if lang == "python":
                python.append(Shown(where, text))
            elif lang in ("bash", "sh", "", "console"):
                commands += _shell_commands(text, where)
            elif lang == "yaml":
                commands += _yaml_commands(text, where)
        commands += _inline(path)
    return python, commands


PYTHON, COMMANDS = shown()


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder that looks like the repository's root to relative paths in the docs."""
    work = tmp_path_factory.mktemp("docs")
    for name in ("scenarios", "loadtests", "benchmarks", "simulation", "pollday", "service"):
        (work / name).symlink_to(ROOT / name)
    return work


def _env() -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT), COLUMNS="200")
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


@pytest.mark.parametrize("block", PYTHON, ids=[b.where for b in PYTHON])
def test_python_blocks_run_as_plain_scripts(block: Shown, scratch: Path) -> None:
    for folder in sorted(set(re.findall(r"runs/([\w.-]+)/", block.text))):
        if not (scratch / "runs" / folder).exists():
            subprocess.run([str(Path(sys.executable).parent / "pollday"), "simulate", SMOKE,
                            "--out", f"runs/{folder}", "--voters", "--quiet", "--workers", "1"],
                           cwd=scratch, env=_env(), check=True, timeout=300)
    script = scratch / f"block_{block.where.replace(':', '_').replace('.', '_')}.py"
    script.write_text(block.text)
    run = subprocess.run([sys.executable, str(script)], cwd=scratch, env=_env(),
                         capture_output=True, text=True, timeout=300, check=False)
    assert run.returncode == 0, f"{block.where}: {run.stderr[-2000:]}"


def _skip_reason(command: str) -> str | None:
    return next((why for why, rule in SKIPS.items() if rule.search(command)), None)


def _flags_exist(command: str) -> None:
    words = command.replace("[", " ").replace("]", " ").replace("|", " ").split()
    words = [w for w in words if not w.startswith(".venv/bin/")] if words[0] != "pollday" \
        else words
    sub = build_parser()._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    name = words[1] if words[0].endswith("pollday") else None
    assert name in sub, f"{command!r}: no subcommand {name!r}"
    # pollday serve forwards its options to python -m service, whose parser owns them.
    parser = service_parser() if name == "serve" else sub[name]
    known = {s for a in parser._actions for s in a.option_strings}
    flags = {w.split("=")[0] for w in words if w.startswith("--") and w != "--"}
    flags = {f for f in flags if not f.endswith("-...")}
    assert flags <= known, f"{command!r}: unknown flags {sorted(flags - known)}"


def _substituted(command: str, run_dir: Path, scratch: Path) -> list[str]:
    command = command.replace("scenarios/my-election.toml", SMOKE).replace("/tmp/", f"{scratch}/")
    command = command.replace("RUN_DIR", str(run_dir))
    words = shlex.split(command)
    if words[0].endswith("pollday"):
        words[0] = str(Path(sys.executable).parent / "pollday")
        sub = words[1]
        if sub in ("simulate", "run", "size", "register", "allocate"):
            words = [SMOKE if w == "scenarios/azerbaijan-2024.toml" else w for w in words]
        if sub == "run":
            words += ["--compress", "20000", "--quiet"]
        if sub == "size":
            words += ["--replications", "3", "--band", "1000", "--no-sensitivity", "--quiet"]
        if sub == "allocate":
            words = [re.sub(r"^terminal=\d+$", "terminal=24", w) for w in words]
            words += ["--replications", "3", "--band", "1000", "--quiet"]
        if sub == "capacity" and "--start-multiple" in words:
            start = words[words.index("--start-multiple") + 1]
            words += ["--max-multiple", start, "--quiet"]
    elif words[0].startswith(("python", ".venv/bin/python", "benchmarks/")):
        bench = next((w for w in words if "bench_" in w), None)
        words[0] = sys.executable
        if bench is not None:
            path = bench if bench.endswith(".py") else bench.replace(".", "/") + ".py"
            words = [sys.executable, "-c", IMPORT_BY_PATH, path]
    return words


# Load a benchmark from its file as `python benchmarks/x.py` would, but not as __main__.
IMPORT_BY_PATH = (
    "import importlib.util, sys; "
    "spec = importlib.util.spec_from_file_location('bench_under_test', sys.argv[1]); "
    "spec.loader.exec_module(importlib.util.module_from_spec(spec))"
)


@pytest.fixture(scope="module")
def run_dir(scratch: Path) -> Path:
    return write_smoke_run(scratch / "runs" / "smoke-day")


def _broken_scenario(scratch: Path) -> None:
    """README's example of bad input: a group of 0 stations, interval shares summing to 1.1."""
    text = (ROOT / SMOKE).read_text().replace("count = 14", "count = 0").replace(
        '{ start = "08:00", end = "10:00", share = 0.25 }',
        '{ start = "08:00", end = "10:00", share = 0.35 }')
    (scratch / "broken.toml").write_text(text)


ONCE = ("run", "simulate", "register", "report")  # seconds each: one spelling runs


def _key(command: Shown) -> str:
    """Spellings of one command run once: the venv prefix, and each of the ONCE commands
    (all on the smoke scenario after substitution)."""
    text = command.text.removeprefix(".venv/bin/")
    words = text.split()
    concrete = not PLACEHOLDER.search(text.replace("RUN_DIR", "")) and len(words) > 2
    if words[0] == "pollday" and words[1] in ONCE and concrete and not _skip_reason(text):
        return f"pollday {words[1]} (once)"
    return text


UNIQUE = list({_key(c): c for c in reversed(COMMANDS)}.values())[::-1]



def test_other_spellings_of_the_commands_run_once_are_valid() -> None:
    spellings = [c for c in COMMANDS if _key(c).endswith("(once)")]
    assert len(spellings) > len(ONCE)
    for command in spellings:
        _flags_exist(command.text.removeprefix(".venv/bin/"))


@pytest.mark.parametrize("command", UNIQUE, ids=[f"{c.where} {c.text[:50]}" for c in UNIQUE])
def test_every_command_runs_or_is_checked(command: Shown, scratch: Path, run_dir: Path) -> None:
    text = command.text
    if _skip_reason(text):
        if re.match(r"^(\.venv/bin/)?pollday \w", text):
            _flags_exist(text.removeprefix(".venv/bin/"))  # not run: its flags exist
        pytest.skip(f"{command.where}: {_skip_reason(text)}")
    is_pollday = re.match(r"^(\.venv/bin/)?pollday ", text)
    bare = all(w.startswith("--") for w in text.split()[2:])  # `pollday validate --strict`
    if is_pollday and (command.synopsis_only or bare
                       or PLACEHOLDER.search(text.replace("RUN_DIR", ""))):
        _flags_exist(text)
        return
    assert is_pollday or re.match(r"^((\.venv/bin/)?python3? |benchmarks/)", text), (
        f"{command.where}: {text!r} is not covered by any rule of tests/test_docs.py"
    )
    _broken_scenario(scratch)
    for stale in ("my.toml", "scenario.schema.json"):  # init twice in a row
        (scratch / stale).unlink(missing_ok=True)
    run = subprocess.run(_substituted(text, run_dir, scratch), cwd=scratch, env=_env(),
                         capture_output=True, text=True, timeout=600, check=False)
    if command.output:
        assert (run.stdout + run.stderr).splitlines() == list(command.output), command.where
        return
    allowed = (0, 1) if _key(command) == "pollday run (once)" else (0,)
    said = run.stdout + run.stderr
    if text.startswith("pollday capacity") and run.returncode == 3 and "generator" in said:
        return  # a loaded machine's generator was the limit: pollday's honest answer (exit 3)
    assert run.returncode in allowed, f"{command.where}: {text!r}\n{run.stderr[-3000:]}"


def test_the_docs_show_commands_at_all() -> None:
    assert len(PYTHON) >= 2 and len(UNIQUE) >= 25


def test_no_reference_to_a_design_page_outside_the_repository() -> None:
    """DESIGN.md is not in the repository: code and docs point to docs/ pages instead."""
    files = [*ROOT.glob("*.md"), *(ROOT / "docs").glob("*.md")]
    for package in ("simulation", "pollday", "service", "loadtests"):
        files += (ROOT / package).rglob("*.py")
    assert not (ROOT / "DESIGN.md").exists()
    mentions = [str(f.relative_to(ROOT)) for f in files
                if "DESIGN.md" in f.read_text(encoding="utf-8")]
    assert mentions == []
