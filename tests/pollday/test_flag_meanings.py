"""One meaning per flag across pollday's commands: ``--workers`` is the command's own computing
processes, ``--load-workers`` Locust workers, ``--service-workers`` the service's workers. The
old ``--workers`` of ``run``/``capacity``/``serve`` still works for one release, sets the new
flag (never reinterpreted) and says so on stderr, once."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from pollday.cli import build_parser, main
from pollday.harness.serve_command import exec_service
from pollday.options.output import QUIET_HELP
from pollday.simulate.outputs import default_out
from service.cli import build_parser as service_parser

ROOT = Path(__file__).resolve().parents[2]
SMOKE = "scenarios/smoke.toml"


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    choices: dict[str, argparse.ArgumentParser] = (
        build_parser()._subparsers._group_actions[0].choices)  # type: ignore[union-attr,assignment]
    return choices


def _visible_help(parser: argparse.ArgumentParser, flag: str) -> str | None:
    for action in parser._actions:
        if flag in action.option_strings and action.help != argparse.SUPPRESS:
            return str(action.help)
    return None


@pytest.mark.parametrize("command", ["run", "capacity"])
def test_old_workers_sets_load_workers_with_one_message(
        command: str, capsys: pytest.CaptureFixture[str]) -> None:
    args = build_parser().parse_args([command, SMOKE, "--workers", "2", "--workers", "3"])
    assert args.load_workers == 3  # the Locust workers, as --workers meant here before
    assert args.sim_workers != 3  # not reinterpreted as simulation processes
    err = capsys.readouterr().err
    assert err.count("deprecated") == 1
    assert f"pollday {command}: --workers is deprecated" in err and "use --load-workers" in err


@pytest.mark.parametrize("command", ["run", "capacity"])
def test_new_load_workers_is_quiet_and_both_spellings_are_refused(
        command: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert build_parser().parse_args([command, SMOKE, "--load-workers", "2"]).load_workers == 2
    assert capsys.readouterr().err == ""
    for words in (["--load-workers", "1", "--workers", "2"],
                  ["--workers", "2", "--load-workers", "1"]):
        with pytest.raises(SystemExit) as exit_:
            build_parser().parse_args([command, SMOKE, *words])
        assert exit_.value.code == 2
        assert "give --load-workers only" in capsys.readouterr().err
    with pytest.raises(SystemExit):  # the old spelling keeps the new flag's bounds
        build_parser().parse_args([command, SMOKE, "--workers", "100000"])
    assert "--workers: 100000 is out of range" in capsys.readouterr().err


def test_workers_means_the_commands_own_processes_everywhere() -> None:
    helps = {name: _visible_help(p, "--workers") for name, p in _subcommands().items()}
    shown = {name: text for name, text in helps.items() if text is not None}
    assert set(shown) == {"simulate", "size", "allocate", "register"}
    assert all("process" in text and "Locust" not in text for text in shown.values())
    for name in ("run", "capacity"):
        assert "Locust" in str(_visible_help(_subcommands()[name], "--load-workers"))
        assert "simulat" in str(_visible_help(_subcommands()[name], "--sim-workers"))


def test_simulate_workers_is_not_deprecated(capsys: pytest.CaptureFixture[str]) -> None:
    args = build_parser().parse_args(["simulate", SMOKE, "--workers", "1"])
    assert args.workers == 1 and args.out is None  # --out: default runs/smoke
    assert capsys.readouterr().err == ""


class _Exec(Exception):
    pass


def test_serve_takes_service_workers_and_warns_on_the_old_name(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    assert service_parser().parse_args(["--service-workers", "2"]).workers == 2
    seen: list[list[str]] = []

    def fake_exec(path: str, argv: list[str], env: dict[str, str]) -> None:
        seen.append(argv)
        raise _Exec

    monkeypatch.setattr("os.execve", fake_exec)
    with pytest.raises(_Exec):
        exec_service(["--service-workers", "2"])
    assert capsys.readouterr().err == ""
    with pytest.raises(_Exec):
        main(["serve", "--workers=2"])
    err = capsys.readouterr().err
    assert "pollday serve: --workers is deprecated" in err and "--service-workers" in err
    assert seen[-1][-1] == "--workers=2"  # still passed on: the service's own name for it


def test_quiet_and_json_mean_the_same_in_every_command() -> None:
    quiet = {name: _visible_help(p, "--quiet") for name, p in _subcommands().items()}
    assert {h for h in quiet.values() if h is not None} == {QUIET_HELP}
    assert {n for n, h in quiet.items() if h is None} <= {"schema", "serve"}  # nothing to hush
    json = {name: _visible_help(p, "--json") for name, p in _subcommands().items()}
    shown = {name: text for name, text in json.items() if text is not None}
    assert set(shown) >= {"validate", "simulate", "size", "allocate", "spares", "station",
                          "run", "capacity", "report", "register"}
    assert all(text.startswith("print ") and "nothing else there" in text
               for text in shown.values())


def test_out_is_optional_with_a_default_folder_everywhere() -> None:
    for name, parser in _subcommands().items():
        out = next((a for a in parser._actions if "--out" in a.option_strings), None)
        if out is None:
            continue
        assert not out.required, name
        assert "default" in str(out.help), name
    assert default_out(Path("scenarios/smoke.toml"), "-sizing") == Path("runs/smoke-sizing")


def test_simulate_without_out_writes_runs_scenario(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["simulate", str(ROOT / SMOKE), "--workers", "1", "--replications", "1",
                 "--quiet", "--no-queue-curves"]) == 0
    assert (tmp_path / "runs" / "smoke" / "summary.json").is_file()
    assert capsys.readouterr().out.count("\n") == 1  # --quiet: the verdict line alone


def test_station_quiet_prints_the_verdict_alone(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["station", "--replications", "1", "--quiet"]) == 0
    [line] = capsys.readouterr().out.splitlines()
    assert line.startswith("The standard ")
