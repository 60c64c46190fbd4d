"""``pollday station --web``: the calculator's JSON API, its errors in a planner's words, and
the page's HTML (the page in a browser: test_station_page_browser.py)."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from pollday.cli import main
from pollday.station.base import base_data
from pollday.station.calc import answer
from pollday.station.catalog import INPUT_NAMES
from pollday.station.defaults import StationInputError
from pollday.station.inputs import station_scenario
from pollday.station.page import render_page
from pollday.station.page_errors import field_errors
from pollday.station.page_fields import FIELDS, PAGE_FIELDS
from pollday.station.web import fixed_inputs, running_server
from pollday.station.worker import calculate_bounded
from tests.pollday.report_support import ROOT


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
    given = {"registered": "1600", "terminals": "2", "desks": "2", "booths": "4"}
    status, body = _get(url + "api/station?" + urllib.parse.urlencode(given) + "&replications=3")
    assert status == 200
    expected = answer(base_data(None, None), given, 3, None)
    body.pop("wall_s"), expected.pop("wall_s")
    assert body == expected


def test_api_errors_name_the_field_in_words(url: str) -> None:
    status, body = _get(url + "api/station?success=2")
    assert status == 400
    assert body["errors"] == [
        {"field": "success", "message": "Success probability must be between 0 and 1 "
         "(you typed 2)"}]
    assert body["error"] == body["errors"][0]["message"]
    assert body["detail"].startswith("--success (biometrics.success_probability): 2.0:")
    status, body = _get(url + "api/station?replications=100000")
    assert status == 400 and body["errors"] == [{
        "field": "replications",
        "message": "Simulated days must be a whole number from 1 to 200 (you typed 100000)"}]
    status, body = _get(url + "api/station?replications=%C2%B2")  # '²'.isdigit() is true
    assert status == 400 and body["errors"][0]["field"] == "replications"
    status, body = _get(url + "api/station?turnout=3&terminals=0&success=2")
    assert status == 400
    assert [e["field"] for e in body["errors"]] == ["turnout", "terminals", "success"]


def _errors(given: dict[str, str], base: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    try:
        station_scenario(base or base_data(None, None), given)
    except StationInputError as error:
        return field_errors(str(error), given)
    raise AssertionError(f"{given} was accepted")


@pytest.mark.parametrize(("given", "field", "message"), [
    ({"registered": "0"}, "registered", "Registered voters must be at least 1 (you typed 0)"),
    ({"registered": "abc"}, "registered",
     "Registered voters must be a whole number (you typed abc)"),
    ({"turnout": "-1"}, "turnout", "Turnout cannot be negative (you typed -1)"),
    ({"turnout": "0"}, "turnout", "Turnout must be more than 0 (you typed 0)"),
    # A share typed as a percentage: the scenario reader's file advice ("70 % is 0.7") is
    # for `pollday validate`; the page says the range and what was typed.
    ({"turnout": "70"}, "turnout", "Turnout must be between 0 and 1 (you typed 70)"),
    ({"terminals": "1.5"}, "terminals",
     "Check-in terminals must be a whole number (you typed 1.5)"),
    ({"terminals": "1000"}, "terminals", "Check-in terminals must be at most 100 (you typed 1000)"),
    ({"scan_time_s": "nan"}, "scan_time_s",
     "Time per scan attempt must be an ordinary number (you typed nan)"),
    ({"queue_at_opening": "2"}, "queue_at_opening",
     "Share already in line at opening must be 0 or more and less than 1 (you typed 2)"),
    ({"opening": "25:00"}, "opening",
     "Opening time must be a time of day such as 08:00 (you typed 25:00)"),
    ({"closing": "07:00"}, "closing", "Polls must close after they open (open at 08:00, "
     "close at 07:00)"),
    ({"hourly_shares": "1,2"}, "hourly_shares", "Arrivals per hour needs one number per "
     "opening hour: 11 for 08:00-19:00 (you gave 2)"),
    ({"fallback": "x"}, "fallback", "Fallback: choose one of “check the voter by hand”; "
     "“turn the voter away (lost vote)” (you typed x)"),
    ({"bogus": "1"}, None, "The calculator has no input named 'bogus'"),
])
def test_every_kind_of_input_error_in_words(
    given: dict[str, str], field: str | None, message: str
) -> None:
    assert _errors(given) == [{"field": field, "message": message}]


def test_a_flow_scenario_disables_what_its_flow_replaces() -> None:
    brazil = base_data(ROOT / "scenarios" / "brazil-2022.toml", None)
    fixed = fixed_inputs(brazil)
    assert {"terminals", "desks", "booths"} <= set(fixed)
    assert _errors({"terminals": "2"}, brazil)[0]["field"] == "terminals"
    assert fixed_inputs(base_data(None, None)) == {}
    page = render_page({n: "" for n in INPUT_NAMES}, 3, fixed=fixed)
    assert re.search(r'name="terminals"[^>]* disabled', page)
    assert not re.search(r'name="registered"[^>]* disabled', page)


def test_every_field_has_a_planners_label() -> None:
    assert set(FIELDS) == set(PAGE_FIELDS)
    for name, words in FIELDS.items():
        assert "_" not in words.label and words.label[0].isupper(), name
    assert FIELDS["mtbf_h"].label == "Mean time between failures (hours)"
    assert FIELDS["close_line"].options["close"].startswith("Close the line at closing time")


def test_page_has_no_external_assets(url: str) -> None:
    with urllib.request.urlopen(url, timeout=60) as reply:
        page = reply.read().decode()
        csp = reply.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert 'value="2400"' in page  # the given input starts the form


@pytest.mark.parametrize(("header", "value"), [
    ("Host", "evil.example:80"),  # a rebound DNS name would read the answers
    ("Origin", "http://evil.example"),  # another site's script
    ("Sec-Fetch-Site", "cross-site"),  # an <img> or form on another site
])
def test_requests_from_elsewhere_are_refused(url: str, header: str, value: str) -> None:
    # The page may be opened from a link on another site (no work); not with another Host.
    paths = ["api/station?registered=1"] + ([""] if header == "Host" else [])
    for path in paths:
        request = urllib.request.Request(url + path, headers={header: value})
        status, body = 200, {}
        try:
            with urllib.request.urlopen(request, timeout=60) as reply:
                status = reply.status
        except urllib.error.HTTPError as error:
            status, body = error.code, json.loads(error.read())
        assert status == 403, (header, path)
        assert "refused" in body["error"]
    mine = url.rstrip("/").removeprefix("http://")
    for same in ({"Origin": url.rstrip("/")}, {"Sec-Fetch-Site": "same-origin"},
                 {"Host": mine.replace("127.0.0.1", "localhost")},
                 {"Sec-Fetch-Site": "cross-site"}):  # the page, from a link elsewhere
        with urllib.request.urlopen(urllib.request.Request(url, headers=same),
                                    timeout=60) as reply:
            assert reply.status == 200, same


def test_api_takes_pool_units_by_name() -> None:
    """``pool.NAME`` sets a pool's units on the page's API as --pool NAME=N does; a bad one
    is an error at that pool's field, naming the scenario's pools."""
    brazil = base_data(ROOT / "scenarios" / "brazil-2022.toml", None)
    with running_server(brazil, {}, 2, None) as address:
        status, body = _get(address + "api/station?pool.urna=2&replications=2")
        assert status == 200 and body["inputs"]["pools"] == {"mesa": 1, "urna": 2}
        expected = answer(brazil, {"pool.urna": "2"}, 2, None)
        body.pop("wall_s"), expected.pop("wall_s")
        assert body == expected
        status, body = _get(address + "api/station?pool.urna=0")
        assert status == 400 and body["errors"] == [{
            "field": "pool.urna",
            "message": "Units of urna must be a whole number from 1 to 500 (you typed 0)"}]
        status, body = _get(address + "api/station?pool.kiems=2")
        assert status == 400 and body["errors"][0]["field"] == "pool.kiems"
        assert "its pools: mesa, urna" in body["errors"][0]["message"]


def test_every_loopback_name_of_the_page_is_its_own(url: str) -> None:
    port = url.rstrip("/").rsplit(":", 1)[1]
    for host in (f"localhost:{port}", f"LOCALHOST:{port}", f"[::1]:{port}"):
        request = urllib.request.Request(url, headers={"Host": host,
                                                       "Origin": f"http://{host}"})
        with urllib.request.urlopen(request, timeout=60) as reply:
            assert reply.status == 200, host
    for host in ("127.0.0.1", f"127.0.0.2:{port}", f"0.0.0.0:{port}"):  # no port, not ours
        request = urllib.request.Request(url, headers={"Host": host})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=60)
        assert refused.value.code == 403, host
        assert "open the page at the address" in json.loads(refused.value.read())["error"]


@pytest.mark.parametrize(("query", "field", "words"), [
    ("registered=%EF%BC%91%EF%BC%92", "registered", "must be a whole number"),  # full-width
    ("registered=1_000", "registered", "must be a whole number"),
    ("registered=" + "9" * 30, "registered", "must be a whole number"),
    ("turnout=0x1", "turnout", "must be a number"),
    ("turnout=1e309", "turnout", "must be an ordinary number"),
    ("opening=%D9%A8:00", "opening", "must be a time of day"),  # Arabic-Indic 8
    ("registered=20001", "registered", "at most 20,000 on this page"),
    ("registered=2400&replications=200", "replications", "simulate at most 119 days"),
    ("booth_time_s=86400", "booth_time_s", "at most 3600 on this page"),
    ("mtbf_h=0.01", "mtbf_h", "at least 0.1"),
    ("registered=1&registered=2", "registered", "given twice"),
    ("hourly_shares=" + "1," * 200, "hourly_shares", "too long"),
    ("registered=%ff", None, "not valid UTF-8"),
    ("x=" + "1" * 5000, None, "at most 4096 characters"),
])
def test_the_page_bounds_one_requests_work(url: str, query: str, field: str | None,
                                           words: str) -> None:
    """Strict numbers and the page's bounds: each a 400 at its field, naming the bound."""
    status, body = _get(url + "api/station?" + query)
    assert status == 400, body
    assert body["errors"][0]["field"] == field and words in body["errors"][0]["message"], body


def test_a_calculation_past_its_deadline_answers_503() -> None:
    # A deadline no calculation meets (forking the worker alone takes longer): 503, stopped.
    with running_server(base_data(None, None), {}, 1, None, deadline_s=0.001) as address:
        status, body = _get(address + "api/station?registered=1500")
    assert status == 503 and "was stopped" in body["error"]


def test_a_calculation_over_its_memory_answers_memory() -> None:
    """The worker's address space is capped: a station needing more fails in the worker,
    not in the server (the page answers it with a 503)."""
    outcome = calculate_bounded(base_data(None, None), {"registered": "20000", "turnout": "1"},
                                10, None, memory_bytes=0)
    assert outcome.kind == "memory"


def test_other_methods_are_405_and_json(url: str) -> None:
    request = urllib.request.Request(url + "api/station", data=b"registered=1", method="POST")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=60)
    assert refused.value.code == 405 and refused.value.headers["Allow"] == "GET"
    assert "takes GET" in json.loads(refused.value.read())["error"]


def test_a_station_of_one_voter_is_answered(capsys: pytest.CaptureFixture[str]) -> None:
    """`registered=1&turnout=1` crashed the page and the command line alike (a day with
    nobody arriving); a station that small is real (special and abroad stations)."""
    assert main(["station", "--registered", "1", "--turnout", "0.3", "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["inputs"]["registered"] == 1 and answer["standard"]["holds"] in (True, False)
