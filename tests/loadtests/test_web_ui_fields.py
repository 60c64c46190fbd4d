"""Locust's web UI for a replay: the start form shows the replay's own fields (scenario,
schedule folder, compression, station share...) and not "Number of users", "Ramp up" or
"Run time", which a replay ignores. The page as served, and as a real Chromium shows it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from loadtests.web_ui import HIDDEN_FIELDS, with_hidden_fields
from pollday.harness.locust_process import free_loopback_port
from tests.pollday.report_support import Chromium, required_chromium

REPO = Path(__file__).resolve().parents[2]
SMOKE = REPO / "scenarios" / "smoke.toml"
REPLAY_FIELDS = ("scenario", "schedule", "compress", "station_share")

# Every labelled field of the form, and whether it takes room on the page (display: none
# gives an empty box).
VISIBLE_FIELDS = """
[...document.querySelectorAll('form input')].filter(i => i.name).map(i => ({
    name: i.name,
    shown: i.closest('.MuiFormControl-root').getBoundingClientRect().width > 0,
}))
"""


def test_the_style_goes_into_the_head_once() -> None:
    page = "<html><head><title>Locust</title></head><body></body></html>"
    once = with_hidden_fields(page)
    assert once.count("pollday-replay-form") == 1 and with_hidden_fields(once) == once
    for name in HIDDEN_FIELDS:
        assert f'input[name="{name}"]' in once
    assert with_hidden_fields("{}") == "{}"  # JSON and fragments are left alone


@pytest.fixture(scope="module")
def web_ui(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``locust -f loadtests/locustfile.py`` in web UI mode (no test started)."""
    port = free_loopback_port()
    cwd = tmp_path_factory.mktemp("webui")
    proc = subprocess.Popen(
        [sys.executable, "-m", "locust", "-f", str(REPO / "loadtests" / "locustfile.py"),
         "--web-host", "127.0.0.1", "--web-port", str(port), "--host", "http://127.0.0.1:9",
         "--scenario", str(SMOKE), "--secret", "s"],
        cwd=cwd, env={**os.environ, "PYTHONPATH": str(REPO)}, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(url, timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        proc.wait(30)


def test_the_served_page_hides_the_user_fields_and_offers_the_replay_options(web_ui: str) -> None:
    page = httpx.get(web_ui, timeout=10).text
    assert page.count('id="pollday-replay-form"') == 1
    assert '"hide_common_options": true' in page  # Locust's own: disabled, not hidden
    for name in REPLAY_FIELDS:
        assert f'"{name}": {{' in page  # in the form's extra options
    assert '"start_delay"' not in page and '"connections"' not in page  # not for the form


def test_chromium_shows_the_replay_fields_and_not_the_user_count(web_ui: str,
                                                                tmp_path: Path) -> None:
    browser = Chromium(required_chromium(), tmp_path / "profile")
    try:
        browser.open(web_ui)
        fields: list[dict[str, object]] = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not any(
                f["name"] == "stationShare" for f in fields):
            time.sleep(0.3)  # the form is rendered by script after the load event
            fields = browser.evaluate(VISIBLE_FIELDS)
    finally:
        browser.close()
    shown = {str(f["name"]) for f in fields if f["shown"]}
    hidden = {str(f["name"]) for f in fields if not f["shown"]}
    assert set(HIDDEN_FIELDS) <= hidden, fields  # in the page, and out of sight
    assert {"scenario", "schedule", "compress", "stationShare", "host"} <= shown, fields
