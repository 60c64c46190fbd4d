"""``report.html`` from a run folder: sections, embedded images, valid HTML, clear errors."""

from __future__ import annotations

import base64
import csv
import html
import json
import re
import shutil
import struct
from html.parser import HTMLParser
from pathlib import Path

import pytest

from pollday.report import REPORT, ReportError, render_report, write_report
from tests.pollday.report_support import (
    write_smoke_run,
    write_smoke_sizing,
)

VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}
DAY_PARTS = ("arrivals", "queues", "waits", "lost-votes", "failures")


class Page(HTMLParser):
    """Collects ids, images and links, and checks that every element is closed in order."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.ids: list[str] = []
        self.images: list[dict[str, str | None]] = []
        self.urls: list[str] = []
        self.tags: set[str] = set()
        self.problems: list[str] = []
        self.text: list[str] = []
        self.feed(html)
        self.close()
        if self.stack:
            self.problems.append(f"never closed: {self.stack}")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self.tags.add(tag)
        if found.get("id"):
            self.ids.append(str(found["id"]))
        if tag == "img":
            self.images.append(found)
        self.urls += [str(v) for k, v in attrs if k in {"src", "href", "srcset", "action"}]
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    @property
    def plain(self) -> str:
        return " ".join(" ".join(self.text).split())


@pytest.fixture(scope="module")
def smoke(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_smoke_run(tmp_path_factory.mktemp("smoke"))


@pytest.fixture(scope="module")
def sizing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_smoke_sizing(tmp_path_factory.mktemp("sizing"))


@pytest.fixture
def copy(smoke: Path, tmp_path: Path) -> Path:
    out = tmp_path / "run"
    shutil.copytree(smoke, out)
    (out / REPORT).unlink(missing_ok=True)
    return out


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_writes_a_self_contained_report(copy: Path) -> None:
    path = write_report(copy)
    assert path == copy / REPORT
    assert sorted(p.name for p in copy.iterdir() if p.name.startswith(".")) == []
    page = Page(path.read_text(encoding="utf-8"))
    assert page.problems == []
    assert {"html", "head", "body", "main", "table", "figure"} <= page.tags
    assert "script" not in page.tags and "link" not in page.tags  # no JS, no external CSS
    assert len(page.images) == 6
    for img in page.images:
        src = str(img["src"])
        assert src.startswith("data:image/png;base64,")
        width, height = png_size(base64.b64decode(src.split(",", 1)[1]))
        assert (str(width), str(height)) == (img["width"], img["height"])
        assert len(str(img["alt"])) > 40  # says what the picture shows
    assert all(u.startswith(("#", "data:")) for u in page.urls), page.urls
    assert not re.search(r"https?://|url\((?!data:)", path.read_text(encoding="utf-8"))


def test_sections_present_and_absent(copy: Path) -> None:
    page = Page(render_report(copy))
    sections = [i for i in page.ids if i in SECTIONS]
    assert sections == ["key-figures", "the-day"]  # no sizing or load-test data: no section
    assert all(part in page.ids for part in DAY_PARTS)
    text = page.plain
    summary = json.loads((copy / "summary.json").read_text())
    assert f"{summary['voted']:,}" in text and f"{summary['stations']:,}" in text
    assert "gives no official intraday turnout points" in text  # the smoke scenario has none
    assert any("all 20 stations" in str(img["alt"]) for img in page.images)  # no top-100 cut
    assert "Stations where a terminal failed at least once" in text


def test_official_turnout_points_are_shown(copy: Path) -> None:
    with (copy / "scenario.toml").open("a", encoding="utf-8") as f:
        f.write(
            '\n[reference]\nsource = "Test commission bulletin"\n'
            'intraday_turnout = [{ time = "12:00", turnout = 0.3 }]\n'
        )
    text = Page(render_report(copy)).plain
    assert "Official turnout points: Test commission bulletin." in text
    assert "gives no official intraday turnout" not in text


def test_no_failures_means_no_failure_plot(copy: Path) -> None:
    stations = copy / "stations.csv"
    with stations.open(newline="") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        row["terminal_failures"] = "0"
    with stations.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    page = Page(render_report(copy))
    assert len(page.images) == 5
    assert "No terminal failed during the simulated day" in page.plain


def test_text_from_the_run_is_escaped(copy: Path) -> None:
    summary = json.loads((copy / "summary.json").read_text())
    summary["scenario"] = "<script>alert(1)</script> & co"
    (copy / "summary.json").write_text(json.dumps(summary))
    html = render_report(copy)
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in html


def _edit_json(path: Path, **changes: object) -> None:
    path.write_text(json.dumps({**json.loads(path.read_text()), **changes}))


@pytest.mark.parametrize(
    ("damage", "expected"),
    [
        (lambda d: shutil.rmtree(d), "no such directory"),
        (lambda d: [p.unlink() for p in d.iterdir()], "not a run folder: none of summary.json"),
        (lambda d: (d / "queue_length.npz").unlink(), "but not queue_length.npz"),
        (lambda d: (d / "scenario.toml").unlink(), "but not scenario.toml"),
        (lambda d: (d / "summary.json").write_text("{not json"), "summary.json: cannot be read"),
        (lambda d: (d / "summary.json").write_text("{}"), "summary.json: lacks the keys"),
        (lambda d: _edit_json(d / "summary.json", voted="many"),
         "summary.json: field 'voted': Input should be"),  # a file with format: its model
        (lambda d: (d / "stations.csv").write_text("index\n1\n"), "stations.csv: lacks the col"),
        (lambda d: (d / "scenario.toml").write_text("[x]\n"), "scenario.toml: is not a valid"),
        (lambda d: (d / "sizing.json").write_text("{}"), "but not sizing.csv"),
    ],
)
def test_bad_folder_is_a_clear_error(copy: Path, damage: object, expected: str) -> None:
    damage(copy)  # type: ignore[operator]
    with pytest.raises(ReportError, match=re.escape(expected)) as caught:
        write_report(copy)
    assert str(copy) in str(caught.value)
    assert not (copy / REPORT).exists()


SECTIONS = {"thresholds", "key-figures", "the-day", "sizing", "load-test"}


def section_ids(page: Page) -> list[str]:
    return [i for i in page.ids if i in SECTIONS]


def test_sizing_section_next_to_the_day(copy: Path, sizing: Path) -> None:
    for name in ("sizing.json", "sizing.csv"):
        shutil.copy(sizing / name, copy / name)
    page = Page(render_report(copy))
    assert page.problems == []
    assert section_ids(page) == ["key-figures", "the-day", "sizing"]
    assert len(page.images) == 7
    data = json.loads((sizing / "sizing.json").read_text())
    text = page.plain
    assert all(case["case"] in text for case in data["sensitivity"])
    assert all(h["station"] in text for h in data["hardest_stations"])
    terminals = data["totals"]["terminals"]
    assert f"terminals {terminals['current']:,} {terminals['recommended']:,}" in text
    currency = data["totals"]["currency"]
    assert f"cost of additions ({currency})" in text


def test_sizing_only_folder(sizing: Path, tmp_path: Path) -> None:
    for name in ("sizing.json", "sizing.csv"):
        shutil.copy(sizing / name, tmp_path / name)
    data = json.loads((tmp_path / "sizing.json").read_text())
    for totals in [data["totals"], *(case["totals"] for case in data["sensitivity"])]:
        del totals["currency"]  # a scenario without [costs]
    (tmp_path / "sizing.json").write_text(json.dumps(data))
    page = Page(render_report(tmp_path))
    assert section_ids(page) == ["sizing"]
    assert len(page.images) == 1 and page.problems == []
    assert "pollday sizing report" in page.plain
    assert "cost" not in page.plain


OVER_TIME_ALT = "Small line charts, one per endpoint"


def over_time_images(page: Page) -> list[dict[str, str | None]]:
    return [i for i in page.images if str(i["alt"]).startswith(OVER_TIME_ALT)]


@pytest.fixture
def full_run(smoke_full_run: Path) -> Path:
    return smoke_full_run


@pytest.fixture
def full_copy(full_run: Path, tmp_path: Path) -> Path:
    out = tmp_path / "full"
    shutil.copytree(full_run, out, ignore=shutil.ignore_patterns("*.sqlite*", "register.ndjson"))
    return out


@pytest.mark.slow
def test_every_section_of_a_full_run(full_copy: Path) -> None:
    page = Page(render_report(full_copy))
    assert page.problems == []
    assert section_ids(page) == ["thresholds", "key-figures", "the-day", "sizing", "load-test"]
    assert len(page.images) == 10
    assert all(u.startswith(("#", "data:")) for u in page.urls)
    summary = json.loads((full_copy / "summary.json").read_text())
    text = page.plain
    assert all(t["rule"] in text for t in summary["thresholds"])
    failed = sum(t["verdict"] != "met" for t in summary["thresholds"])
    banner = (
        f"{failed} of {len(summary['thresholds'])} thresholds failed"
        if failed
        else (f"All {len(summary['thresholds'])} thresholds met")
    )
    assert f"{banner} (exit code {summary['exit_code']})" in text
    assert all(name in text for name in summary["loadtest"]["endpoints"])
    assert "voters accepted twice" in text and "Closed loop" in text
    lag = summary["loadtest"]["generator"]["lag_p99_ms"]
    assert f"99th percentile {lag:,.1f} ms" in text
    assert len(over_time_images(page)) == 1  # latency over time, from the per-bin data
    assert "coordinated omission made visible" in text


@pytest.mark.slow
def test_failed_thresholds_lead_the_page(full_copy: Path) -> None:
    summary = json.loads((full_copy / "summary.json").read_text())
    summary["thresholds"][0]["verdict"] = "failed"
    summary["thresholds"][1]["verdict"] = "met"
    summary["exit_code"] = 1
    (full_copy / "summary.json").write_text(json.dumps(summary))
    text = render_report(full_copy)
    page = Page(text)
    assert section_ids(page)[0] == "thresholds"
    assert f"1 of {len(summary['thresholds'])} thresholds failed (exit code 1)" in page.plain
    rows = re.findall(r'<tr class="(\w*)"[^>]*>\s*<td><code>(.*?)</code>', text)
    assert rows[0] == ("bad", html.escape(summary["thresholds"][0]["rule"]))
    assert all(verdict == "good" for verdict, _ in rows[1:]), rows


@pytest.mark.slow
def test_load_test_without_its_rate_file_is_an_error(full_copy: Path) -> None:
    (full_copy / "loadtest" / "loadtest.json").unlink()
    with pytest.raises(ReportError, match=re.escape("loadtest/loadtest.json is missing")):
        render_report(full_copy)


@pytest.mark.slow
def test_loadtest_json_bins_every_attempt_and_request(full_run: Path) -> None:
    loadtest = json.loads((full_run / "loadtest" / "loadtest.json").read_text())
    assert loadtest["format"] == 2
    for endpoint in loadtest["endpoints"].values():
        series = endpoint["over_time"]
        assert sum(series["count"]) == endpoint["attempts"]  # each attempt in one bin
        assert sum(series["count_intended"]) == endpoint["requests"]


@pytest.mark.slow
def test_older_loadtest_json_renders_without_the_over_time_figure(full_copy: Path) -> None:
    path = full_copy / "loadtest" / "loadtest.json"
    loadtest = json.loads(path.read_text())
    loadtest["format"] = 1
    for endpoint in loadtest["endpoints"].values():
        del endpoint["over_time"]
    path.write_text(json.dumps(loadtest))
    summary = json.loads((full_copy / "summary.json").read_text())
    for endpoint in summary["loadtest"]["endpoints"].values():
        endpoint.pop("over_time", None)  # as a format 1 run wrote it
    (full_copy / "summary.json").write_text(json.dumps(summary))
    page = Page(render_report(full_copy))
    assert page.problems == [] and "load-test" in section_ids(page)
    assert len(page.images) == 9 and over_time_images(page) == []
    assert "coordinated omission made visible" not in page.plain


@pytest.mark.slow
def test_malformed_over_time_is_a_clear_error(full_copy: Path) -> None:
    path = full_copy / "loadtest" / "loadtest.json"
    loadtest = json.loads(path.read_text())
    loadtest["endpoints"]["POST /v1/checkins"]["over_time"] = {"bin_s": 10.0}
    path.write_text(json.dumps(loadtest))
    with pytest.raises(ReportError, match=re.escape("'over_time' lacks count, p95_ms")):
        render_report(full_copy)
