"""Rough edges a planner hits: --out on a file, an old run's files beside a new simulation,
the replay's notes in the report, refused batch items as a figure, help texts."""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from loadtests.figures.measured import item_figures
from loadtests.thresholds import evaluate, parse_threshold
from pollday.cli import build_parser, main
from pollday.options.aliases import RenamedFlag
from pollday.report import write_report
from service.cli import build_parser as service_parser
from tests.pollday.report_support import SMOKE


@pytest.mark.parametrize("command", ["simulate", "size", "run"])
def test_out_naming_a_file_is_bad_input_said_plainly(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = tmp_path / "taken"
    file.write_text("mine")
    assert main([command, str(SMOKE), "--out", str(file)]) == 2
    err = capsys.readouterr().err
    assert f"--out {file} is a file, not a folder" in err and "Errno" not in err
    assert file.read_text() == "mine"


def test_an_old_capacity_search_and_voters_file_do_not_outlive_a_new_day(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "run"
    out.mkdir()
    (out / "capacity.json").write_text('{"another": "day"}')
    (out / "voters.npy").write_bytes(b"another day")
    assert main(["simulate", str(SMOKE), "--out", str(out), "--workers", "1", "--quiet",
                 "--json"]) == 0
    assert not (out / "capacity.json").exists() and not (out / "voters.npy").exists()
    assert "removed an earlier run's capacity.json, voters.npy" in capsys.readouterr().err
    assert 'id="capacity"' not in (out / "report.html").read_text()
    (out / "voters.npy").write_bytes(b"another day")
    assert main(["simulate", str(SMOKE), "--out", str(out), "--workers", "1", "--quiet",
                 "--json", "--voters"]) == 0
    assert (out / "voters.npy").read_bytes() != b"another day"  # rewritten, not removed
    assert "voters.npy" not in capsys.readouterr().err


def test_an_old_run_folder_is_cleaned_and_the_report_shows_the_replays_notes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "run"
    (out / "loadtest").mkdir(parents=True)
    (out / "loadtest" / "loadtest.json").write_text("{}")
    (out / "junit.xml").write_text("<testsuites/>")
    (out / "notes.txt").write_text("the user's own file")
    assert main(["simulate", str(SMOKE), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    assert not (out / "loadtest").exists() and not (out / "junit.xml").exists()
    assert (out / "notes.txt").read_text() == "the user's own file"
    assert "removed an earlier run's junit.xml, loadtest" in capsys.readouterr().err
    # The replay's deadline note reaches report.html, not only stderr and summary.json.
    summary = json.loads((out / "summary.json").read_text())
    note = "the replay reached its deadline before the schedule was done: 230 events never sent"
    summary.update(thresholds=[{"name": "generator.dropped_events",
                                "rule": "generator.dropped_events == 0", "value": 230,
                                "verdict": "failed"}],
                   verdict="failed", exit_code=1, notes=[note])
    # Only the verdict's part of a run summary (no load test, audit, loop): no format, so the
    # report reads it as a file from before the models, not against RunSummary.
    del summary["format"]
    (out / "summary.json").write_text(json.dumps(summary))
    page = write_report(out).read_text()
    assert f"<strong>Note:</strong> {note}" in page


def test_refused_batch_items_are_a_figure() -> None:
    endpoint = {"figure": "batch", "item_statuses": {"201 (expected)": 90, "409 (expected)": 2,
                                                     "409": 6, "none": 2}}
    figures = item_figures(endpoint)
    assert figures == {"items": 100, "item_error_count": 8, "item_error_rate": 0.08}
    verdicts = evaluate([parse_threshold("batch.item_error_rate < 0.01")],
                        {f"batch.{k}": v for k, v in figures.items()})
    assert verdicts[0]["verdict"] == "failed" and verdicts[0]["value"] == 0.08
    assert item_figures({"figure": "checkin"}) == {}


def _every_option(
    parser: argparse.ArgumentParser, path: str = "pollday"
) -> Iterator[tuple[str, argparse.Action]]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _every_option(sub, f"{path} {name}")
        # An old spelling kept for one release is hidden from --help on purpose.
        elif not isinstance(action, (argparse._HelpAction, argparse._VersionAction, RenamedFlag)):
            yield path, action


def test_every_flag_has_help_with_its_default() -> None:
    """Every option and positional argument of every subcommand has a help text, and it
    states the default wherever there is one (not None/False/an empty list)."""
    missing = []
    # pollday serve's options are python -m service's (pollday forwards them).
    options = [*_every_option(build_parser()), *_every_option(service_parser(), "pollday serve")]
    for command, action in options:
        name = (action.option_strings or [action.dest])[0]
        help_text = action.help or ""
        if not help_text or help_text == argparse.SUPPRESS:
            missing.append(f"{command} {name}: no help")
        default = action.default
        has_default = default not in (None, False, [], "") and default != argparse.SUPPRESS
        if has_default and "default" not in help_text:
            missing.append(f"{command} {name}: default {default!r} not stated")
    assert missing == []
