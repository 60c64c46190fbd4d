"""``report.html`` in a real browser: headless Chromium (Debian's ``chromium``) over DevTools.

Skipped when Chromium is missing, except in CI (``CI=true``), where that is a failure: the
CI script installs it.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from matplotlib import image as mpimg

from pollday.report import write_report
from tests.pollday.report_support import Chromium, required_chromium

IMAGES_LOADED = """
[...document.images].map(img => ({
    alt: img.alt.slice(0, 60),
    loaded: img.complete && img.naturalWidth > 0 && img.naturalHeight > 0,
    shown: img.getBoundingClientRect().width > 0,
}))
"""


@pytest.fixture(scope="module")
def chromium() -> str:
    return required_chromium()


@pytest.fixture
def browser(chromium: str, tmp_path: Path) -> Iterator[Chromium]:
    browser = Chromium(chromium, tmp_path / "profile")
    try:
        yield browser
    finally:
        browser.close()


@pytest.fixture
def report(smoke_full_run: Path, tmp_path: Path) -> Path:
    """The smoke scenario run (load test included) and sized in one folder: every section."""
    folder = tmp_path / "full"
    shutil.copytree(smoke_full_run, folder, ignore=shutil.ignore_patterns("*.sqlite*"))
    return write_report(folder)


def not_blank(png: Path) -> tuple[float, float]:
    """(standard deviation of the grey levels, share of pixels that are not near-white)."""
    pixels = mpimg.imread(png)[..., :3].astype(np.float64)  # floats in 0..1
    grey = pixels.mean(axis=2)
    return float(grey.std()), float(np.mean(grey < 0.9))


@pytest.mark.slow
def test_report_renders_in_chromium(browser: Chromium, report: Path, tmp_path: Path) -> None:
    browser.open(report.as_uri())
    images = browser.evaluate(IMAGES_LOADED)
    assert len(images) == 10, images
    assert [i for i in images if not (i["loaded"] and i["shown"])] == []
    assert browser.evaluate("[...document.querySelectorAll('section')].map(s => s.id)") == [
        "thresholds",
        "key-figures",
        "the-day",
        "sizing",
        "load-test",
    ]
    assert browser.evaluate("document.title").startswith("Smoke test election")
    shot = browser.screenshot(tmp_path / "report.png")
    height = int(mpimg.imread(shot).shape[0])
    assert height > 3000, f"full-page screenshot only {height} px tall"
    spread, ink = not_blank(shot)
    assert spread > 0.1 and ink > 0.05, (spread, ink)
    assert browser.console_errors() == []


def test_checks_catch_a_broken_page(browser: Chromium, tmp_path: Path) -> None:
    """The checks above can fail: a missing image, a console error and a blank page."""
    page = tmp_path / "broken.html"
    page.write_text(
        '<!DOCTYPE html><html><head><title>broken</title></head><body style="background:#fff">'
        '<img src="missing.png" alt="gone"><script>console.error("boom")</script></body></html>',
        encoding="utf-8",
    )
    browser.open(page.as_uri())
    images = browser.evaluate(IMAGES_LOADED)
    assert images == [{"alt": "gone", "loaded": False, "shown": True}]
    errors = browser.console_errors()
    assert any("console.error: boom" in e for e in errors), errors
    assert any("missing.png" in e for e in errors), errors
    spread, ink = not_blank(browser.screenshot(tmp_path / "broken.png"))
    assert spread < 0.1 and ink < 0.05, (spread, ink)
