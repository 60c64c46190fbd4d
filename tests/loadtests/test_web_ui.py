"""The web UI path's warning when a second test starts against a target that already holds
the replayed voters (unit level: the locustfile calls it on every non-worker test start)."""

from __future__ import annotations

from loadtests.web_ui import repeat_start_warning


def test_first_start_is_silent_and_a_second_one_warns() -> None:
    assert repeat_start_warning(1, "http://127.0.0.1:8000", "out/") is None
    warning = repeat_start_warning(2, "http://127.0.0.1:8000", "out/")
    assert warning is not None
    assert "http://127.0.0.1:8000 already holds the voters" in warning
    assert "409" in warning and "fresh database" in warning
    assert "out/ will be overwritten" in warning
    assert "overwritten" not in (repeat_start_warning(3, "http://h", None) or "")


def test_the_locustfile_warns_on_repeated_starts() -> None:
    from pathlib import Path

    source = (Path(__file__).resolve().parents[2] / "loadtests" / "locustfile.py").read_text()
    assert "repeat_start_warning(_STARTS[0]" in source
