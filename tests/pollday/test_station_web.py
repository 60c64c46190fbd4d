"""``pollday station --web``: the calculator's page in headless Chromium, and its JSON API.

Skipped without Chromium except in CI (``CI=true``), as the report's browser test."""

from __future__ import annotations

import json
import os
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pollday.station_calc import answer
from pollday.station_inputs import base_data
from pollday.station_web import running_server
from tests.pollday.report_support import Chromium, find_chromium

WAIT_DONE = """
new Promise((resolve, reject) => {
  const start = Date.now();
  const tick = () => {
    const state = document.body.dataset.state;
    if (state === 'done' || state === 'error') resolve(state);
    else if (Date.now() - start > 60000) reject(new Error('still ' + state));
    else setTimeout(tick, 50);
  };
  tick();
})
"""
PAGE_STATE = """({
  verdict: document.getElementById('verdict').textContent,
  rows: [...document.querySelectorAll('#figures tr')].map(r => r.textContent),
  points: document.getElementById('line-curve')?.getAttribute('points').split(' ').length,
  error: document.getElementById('error').textContent,
  external: performance.getEntriesByType('resource').map(e => e.name)
              .filter(u => !u.startsWith(location.origin)),
})"""


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    with running_server(base_data(None, None), {"registered": "2400"}, 3, None) as address:
        yield address


def _get(url: str) -> tuple[int, dict[str, Any]]:
    try:
        with urllib.request.urlopen(url, timeout=60) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_api_answers_as_the_command_line_does(url: str) -> None:
    status, body = _get(url + "api/station?registered=2400&terminals=2&replications=3")
    assert status == 200
    expected = answer(base_data(None, None), {"registered": "2400", "terminals": "2"}, 3, None)
    body.pop("wall_s"), expected.pop("wall_s")
    assert body == expected
    status, body = _get(url + "api/station?success=2")
    assert status == 400 and "--success" in body["error"]
    status, body = _get(url + "api/station?replications=100000")
    assert status == 400 and "replications" in body["error"]


def test_page_has_no_external_assets(url: str) -> None:
    with urllib.request.urlopen(url, timeout=60) as reply:
        page = reply.read().decode()
        csp = reply.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert 'value="2400"' in page  # the given input starts the form


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Chromium]:
    found = find_chromium()
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("headless Chromium not installed: CI must have it")
        pytest.skip("headless Chromium not installed (apt-get install chromium)")
    chromium = Chromium(found, tmp_path / "profile")
    try:
        yield chromium
    finally:
        chromium.close()


def _submit(browser: Chromium, **fields: str) -> dict[str, Any]:
    for name, value in fields.items():
        browser.evaluate(f"document.querySelector('[name={name}]').value = {value!r}")
    browser.evaluate("document.body.dataset.state = 'idle'; "
                     "document.getElementById('inputs').requestSubmit()")
    browser.evaluate(WAIT_DONE)
    state: dict[str, Any] = browser.evaluate(PAGE_STATE)
    return state


def test_calculator_page_in_chromium(browser: Chromium, url: str, tmp_path: Path) -> None:
    browser.open(url)
    assert browser.evaluate(WAIT_DONE) == "done"
    first = browser.evaluate(PAGE_STATE)
    expected = answer(base_data(None, None), {"registered": "2400"}, 3, None)
    assert first["verdict"].startswith("The 30-minute standard FAILS with 1 terminal(s)")
    assert f"fewest meeting it: {expected['fewest_terminals']['terminals']}" in first["verdict"]
    assert len(first["rows"]) == 9
    w = expected["wait_min"]
    assert any(f"{w['p50']:.1f} / {w['p95']:.1f} / {w['max']:.1f}" in r for r in first["rows"])
    assert first["points"] == len(expected["line_curve"])
    assert first["external"] == [] and first["error"] == ""

    more = _submit(browser, terminals=str(expected["fewest_terminals"]["terminals"]))
    assert more["verdict"].startswith("The 30-minute standard holds")
    browser.screenshot(Path(os.environ.get("STATION_SCREENSHOT", tmp_path / "station.png")))
    assert browser.console_errors() == []
    bad = _submit(browser, success="2")
    assert "--success" in bad["error"]
