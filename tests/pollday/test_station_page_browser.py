"""``pollday station --web`` as a planner sees it: the real server (a subprocess on a free
loopback port) in headless Chromium at a phone's width (390x844) and a desktop's (1280x800).

Layout is asserted (no sideways scrolling, the verdict in the first screen, an error beside
its field, the busy sign while calculating), and screenshots are saved for a person to look
at: in ``$STATION_SCREENSHOTS`` when set, else in the test's temporary folder. Skipped
without Chromium except in CI (``CI=true``), as the report's browser test.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pollday.station.base import base_data
from pollday.station.web import fixed_inputs, running_server
from tests.pollday.report_support import ROOT, Chromium, required_chromium

PHONE, DESKTOP = (390, 844), (1280, 800)
DAYS = 3  # simulated days per answer: enough for the page, about a second each
# The station the server starts with: fails the standard (lost votes) and meets it with one
# more terminal, each answer quick (desks and booths do not cap the terminals' search).
START = {"registered": "1600", "desks": "2", "booths": "4"}
FIRST = "registered=1600&desks=2&booths=4&replications=3"  # what the first load asks
SMOKE = ROOT / "scenarios" / "smoke.toml"
BRAZIL = ROOT / "scenarios" / "brazil-2022.toml"

WAIT_DONE = """
new Promise((resolve, reject) => {
  const start = Date.now();
  const tick = () => {
    const state = document.body.dataset.state;
    if (state === 'done' || state === 'error') resolve(state);
    else if (Date.now() - start > 50000) reject(new Error('still ' + state));
    else setTimeout(tick, 50);
  };
  tick();
})
"""
# Where things are, in CSS pixels of the page (not of the screen).
GEOMETRY = """(() => {
  const box = sel => { const e = document.querySelector(sel); if (!e) return null;
    const r = e.getBoundingClientRect();
    return {top: r.top + scrollY, bottom: r.bottom + scrollY, left: r.left, right: r.right,
            height: r.height, shown: r.height > 0 && getComputedStyle(e).visibility !== 'hidden'};
  };
  return {
    scroll_width: Math.max(document.documentElement.scrollWidth, document.body.scrollWidth),
    verdict: box('#verdict'), inputs: box('#inputs'), answer: box('#answer'),
    registered: box('#in-registered'), turnout: box('#in-turnout'),
    terminals: box('#in-terminals'), more: box('#more'), plot: box('#plot'),
    figures: box('#figures-box'),
    plot_box: box('#plot-box'), button: box('#calculate'),
    more_open: document.getElementById('more').open,
    outside_more: [...document.querySelectorAll('#inputs [name]')]
      .filter(c => !c.closest('details')).map(c => c.name),
  };
})()"""
ANSWER = """({
  verdict: document.getElementById('verdict').textContent,
  verdict_class: document.getElementById('verdict').className,
  failed: [...document.querySelectorAll('#failed li')].map(li => li.textContent),
  results_shown: [...document.querySelectorAll('.result')]
    .filter(e => e.getBoundingClientRect().height > 0).length,
  results: document.querySelectorAll('.result').length,
  points: document.getElementById('line-curve')?.getAttribute('points').split(' ')
    .map(p => Number(p.split(',')[0])),
  marker_x: Number(document.getElementById('closing-marker')?.getAttribute('x1')),
  labels: [...document.querySelectorAll('#inputs label')].map(l => l.textContent),
  options: [...document.querySelectorAll('#inputs option')].map(o => o.textContent),
  external: performance.getEntriesByType('resource').map(e => e.name)
    .filter(u => !u.startsWith(location.origin)),
  asked: performance.getEntriesByType('resource').map(e => e.name)
    .filter(u => u.includes('/api/station')).map(u => u.split('?')[1]),
})"""


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    """The real command, ``pollday station --web --port 0``, as a planner starts it."""
    server = subprocess.Popen(
        [sys.executable, "-m", "pollday", "station", "--web", "--port", "0",
         "--replications", str(DAYS),
         *(a for k, v in START.items() for a in (f"--{k}", v))],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
    )
    assert server.stdout is not None and server.stderr is not None
    try:
        line = server.stdout.readline()  # "station calculator at http://127.0.0.1:N/ ..."
        address = next((w for w in line.split() if w.startswith("http://127.0.0.1:")), None)
        assert address, f"no address in {line!r}; stderr: {server.stderr.read()}"
        yield address
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = Path(os.environ.get("STATION_SCREENSHOTS") or tmp_path_factory.mktemp("shots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Chromium]:
    chromium = Chromium(required_chromium(), tmp_path / "profile")
    try:
        yield chromium
    finally:
        chromium.close()


def _open(browser: Chromium, url: str, size: tuple[int, int]) -> None:
    """As Chromium.open, but a phone is emulated as a phone (mobile: the viewport meta tag
    decides the layout width, as on a real one)."""
    for domain in ("Page", "Runtime", "Log"):
        browser.page(f"{domain}.enable")
    browser.page("Emulation.setDeviceMetricsOverride", width=size[0], height=size[1],
                 deviceScaleFactor=1, mobile=size == PHONE)
    browser.page("Page.navigate", url=url)
    browser.wait_for_event("Page.loadEventFired")


def _api(url: str, query: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"{url}api/station?{query}", timeout=60) as reply:
        body: dict[str, Any] = json.loads(reply.read())
    return body


def _expected_verdict(standard: dict[str, Any]) -> str:
    """The page shows the calculator's sentence, or says holds / not on older answers."""
    if standard.get("verdict"):
        return str(standard["verdict"])
    return ("The station meets the standard" if standard["holds"]
            else "The station does not meet the standard")


def _shot(browser: Chromium, path: Path, *, full: bool) -> Path:
    """The first screen (what the eye lands on) or the whole page."""
    shot = browser.page("Page.captureScreenshot", format="png", captureBeyondViewport=full)
    path.write_bytes(base64.b64decode(shot["data"]))
    return path


def _submit(browser: Chromium, **fields: str) -> dict[str, Any]:
    """Type the fields, press Calculate, and report what the page shows in that same instant
    (before any answer can arrive: the script is single-threaded)."""
    typing = "".join(f"document.querySelector('[name={k}]').value = {v!r};"
                     for k, v in fields.items())
    busy: dict[str, Any] = browser.evaluate(f"""(() => {{ {typing}
      document.getElementById('inputs').requestSubmit();
      const b = document.getElementById('busy').getBoundingClientRect();
      return {{state: document.body.dataset.state,
               disabled: document.getElementById('calculate').disabled,
               button: document.getElementById('calculate').textContent,
               busy_shown: b.height > 0, busy_in_view: b.top >= 0 && b.bottom <= innerHeight,
               busy_text: document.getElementById('busy-text').textContent,
               grey: document.getElementById('verdict').classList.contains('stale'),
               aria_busy: document.getElementById('answer').getAttribute('aria-busy')}};
    }})()""")
    return busy


def test_phone_answer_first_fits_the_screen(browser: Chromium, url: str, shots: Path) -> None:
    _open(browser, url, PHONE)
    assert browser.evaluate(WAIT_DONE) == "done"
    expected = _api(url, FIRST)
    page, where = browser.evaluate(ANSWER), browser.evaluate(GEOMETRY)
    _shot(browser, shots / "phone-first-screen.png", full=False)
    _shot(browser, shots / "phone-full.png", full=True)

    assert where["scroll_width"] <= PHONE[0], where  # no sideways scrolling
    assert where["plot"]["right"] <= PHONE[0] and where["plot_box"]["right"] <= PHONE[0]
    verdict = where["verdict"]
    assert verdict["shown"] and verdict["top"] >= 0 and verdict["bottom"] <= PHONE[1], verdict
    # The verdict on top, then the three most-used inputs, the rest under More settings.
    assert verdict["bottom"] < where["registered"]["top"] < where["turnout"]["top"]
    assert where["turnout"]["top"] < where["terminals"]["top"] < where["more"]["top"]
    assert where["more"]["bottom"] < where["figures"]["top"]  # then the figures
    assert where["outside_more"] == ["registered", "turnout", "terminals"]
    assert where["more_open"] is False

    standard = expected["standard"]
    assert page["verdict"] == _expected_verdict(standard)
    assert page["verdict_class"] == ("good" if standard["holds"] else "bad")
    assert page["failed"] == [f["text"] for f in standard.get("failed", [])]
    assert page["results_shown"] == page["results"] == 4
    assert page["external"] == [] and page["asked"] == [FIRST]
    # Labels in a planner's words, units included.
    assert "Mean time between failures (hours)" in page["labels"]
    assert "Close the line at closing time (those in it go home)" in page["options"]
    assert not any(raw in " ".join(page["labels"]) for raw in ("mtbf", "close line", "_"))
    # The plot: every point of the curve, the closing marker where the curve says closing is.
    curve = expected["line_curve"]
    assert len(page["points"]) == len(curve)
    at_closing = [k for k, p in enumerate(curve) if p["time"] == expected["inputs"]["closing"]]
    if at_closing:
        assert abs(page["points"][at_closing[0]] - page["marker_x"]) < 0.2
    assert browser.console_errors() == []


def test_an_older_answer_without_a_verdict_sentence(browser: Chromium, url: str) -> None:
    """Answers without ``standard.verdict``/``failed`` (the older shape): the page says holds
    or not in its own words and lists the notes instead."""
    _open(browser, url, PHONE)
    assert browser.evaluate(WAIT_DONE) == "done"
    older = browser.evaluate(f"""(async () => {{
      const r = await (await fetch('api/station?{FIRST}')).json();
      delete r.standard.verdict; delete r.standard.failed; r.notes = ['a note'];
      show(r);
      return {{holds: r.standard.holds,
               notes: [...document.querySelectorAll('#notes p')].map(p => p.textContent)}};
    }})()""")
    page = browser.evaluate(ANSWER)
    assert page["verdict"] == _expected_verdict({"holds": older["holds"]})
    assert page["verdict_class"] == ("good" if older["holds"] else "bad")
    assert page["failed"] == [] and older["notes"] == ["Note: a note"]
    assert browser.console_errors() == []


def test_phone_error_at_the_field_hides_the_old_answer(
    browser: Chromium, url: str, shots: Path
) -> None:
    _open(browser, url, PHONE)
    assert browser.evaluate(WAIT_DONE) == "done"
    before = browser.evaluate(ANSWER)["verdict"]
    _submit(browser, success="2")  # a field under More settings, closed on a phone
    assert browser.evaluate(WAIT_DONE) == "error"
    _shot(browser, shots / "phone-error.png", full=False)
    _shot(browser, shots / "phone-error-full.png", full=True)
    error = browser.evaluate("""(() => {
      const input = document.getElementById('in-success');
      const p = document.getElementById('error-success');
      const a = input.getBoundingClientRect(), b = p.getBoundingClientRect();
      return {text: p.textContent, shown: b.height > 0, gap: b.top - a.bottom,
              invalid: input.getAttribute('aria-invalid'),
              focused: document.activeElement === input,
              more_open: document.getElementById('more').open,
              other_errors: [...document.querySelectorAll('.error')].filter(e => !e.hidden).length,
              scroll_width: document.documentElement.scrollWidth};
    })()""")
    assert error["text"] == "Success probability must be between 0 and 1 (you typed 2)"
    assert error["shown"] and 0 <= error["gap"] < 40, error  # right under its field
    assert error["invalid"] == "true" and error["focused"] and error["more_open"]
    assert error["other_errors"] == 1 and error["scroll_width"] <= PHONE[0]
    page = browser.evaluate(ANSWER)
    assert page["results_shown"] == 0  # the previous answer is not left beside the error
    assert page["verdict"] != before and page["verdict"].startswith("No answer")
    assert page["verdict_class"] == "problem"

    fixed = _submit(browser, success="0.55")
    assert fixed["state"] == "busy"
    assert browser.evaluate(WAIT_DONE) == "done"
    page = browser.evaluate(ANSWER)
    assert page["verdict"] == before and page["results_shown"] == 4
    assert browser.evaluate("[...document.querySelectorAll('.error')].filter(e => !e.hidden)"
                            ".length + document.querySelectorAll('[aria-invalid]').length") == 0


def test_desktop_busy_then_answer(browser: Chromium, url: str, shots: Path) -> None:
    _open(browser, url, DESKTOP)
    assert browser.evaluate(WAIT_DONE) == "done"
    where = browser.evaluate(GEOMETRY)
    _shot(browser, shots / "desktop-first-screen.png", full=False)
    assert where["scroll_width"] <= DESKTOP[0]
    assert where["inputs"]["right"] <= where["answer"]["left"]  # inputs beside the answer
    assert where["verdict"]["top"] >= 0 and where["verdict"]["bottom"] <= DESKTOP[1]
    assert where["button"]["bottom"] <= DESKTOP[1]  # Calculate in sight with every setting open

    busy = _submit(browser, terminals="2")
    _shot(browser, shots / "desktop-busy.png", full=False)  # likely still calculating
    assert busy["state"] == "busy" and busy["disabled"] and busy["button"] == "Calculating…"
    assert busy["busy_shown"] and busy["busy_in_view"] and busy["aria_busy"] == "true"
    assert busy["busy_text"].startswith(f"Simulating {DAYS} days")
    assert busy["grey"]  # the answer on screen is for the previous inputs
    assert browser.evaluate(WAIT_DONE) == "done"
    after = browser.evaluate("""({disabled: document.getElementById('calculate').disabled,
      busy: document.getElementById('busy').getBoundingClientRect().height})""")
    assert after == {"disabled": False, "busy": 0}
    expected = _api(url, FIRST.replace("&desks", "&terminals=2&desks"))
    assert browser.evaluate(ANSWER)["verdict"] == _expected_verdict(expected["standard"])
    _shot(browser, shots / "desktop-answer.png", full=False)

    # Editing an input greys the answer until the next calculation.
    browser.evaluate("const r = document.querySelector('[name=registered]'); r.value = '900';"
                     "r.dispatchEvent(new Event('input', {bubbles: true}))")
    stale = browser.evaluate("""({grey: document.querySelectorAll('.result.stale').length,
      note: document.getElementById('stale-note').getBoundingClientRect().height > 0})""")
    assert stale == {"grey": 4, "note": True}
    assert browser.console_errors() == []


def test_scenario_station_sends_only_what_changed(browser: Chromium, shots: Path) -> None:
    """A scenario's station: the first answer is the command line's (the form's rounded
    values are not sent back), and inputs its own stage flow replaces are disabled."""
    with running_server(base_data(SMOKE, "offline"), {}, DAYS, None) as address:
        _open(browser, address, PHONE)
        assert browser.evaluate(WAIT_DONE) == "done"
        assert browser.evaluate(ANSWER)["asked"] == [f"replications={DAYS}"]
    with running_server(base_data(BRAZIL, None), {}, DAYS, None) as address:
        _open(browser, address, PHONE)
        assert browser.evaluate(WAIT_DONE) == "done"
        _shot(browser, shots / "phone-flow-scenario.png", full=False)
        disabled = browser.evaluate(
            "[...document.querySelectorAll('#inputs [name]:disabled')].map(c => c.name)")
        assert "terminals" in disabled
        assert sorted(disabled) == sorted(fixed_inputs(base_data(BRAZIL, None)))
