"""The synthetic voter register of a scenario: election, constituencies, stations, voters.

``pollday register SCENARIO --out FILE`` writes NDJSON (gzip if FILE ends in ``.gz``) that
``pollday serve --register FILE`` or ``POST /admin/import`` loads. Everything is a pure
function of the scenario's seed, and the load test can address any voter without reading
the file:

- ``voter_id(station, voter)``: the national id of voter ``voter`` (0-based, in the station's
  register) of station index ``station``: 11 scrambled digits + a Luhn check digit, so ids
  look like national ids, not like counters, yet are computed in O(1) and can be inverted.
- ``enrolled_template(station, voter, seed)``: 48 bytes, a counter-based hash (SplitMix64's
  finaliser over a key of station and seed plus a per-voter counter): O(1) per voter, a few
  microseconds, for the load generator's hot path; a whole station's block is one numpy pass.
- ``rescan(station, voter, seed, attempt)``: base64 of a re-scan: the enrolled bytes with
  noise of at most ±RESCAN_NOISE per byte, which the reference service's 1:1 matcher accepts
  (mean absolute difference <= 20); another voter's template differs by ~85 on average.

Names come from pools built once with Faker in the scenario's locale and composed with
numpy, never one Faker call per voter. Faker's ``az_AZ`` has ~640 first and ~210 last
names, so names repeat thousands of times: identity is the voter id, never the name.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

from simulation import Scenario, build_stations, station_code

TEMPLATE_BYTES = 48  # the reference service's template size (service.biometrics)
RESCAN_NOISE = 6  # max per-byte noise of a re-scan; the service accepts mean |diff| <= 20
MAX_VOTERS_PER_STATION = 100_000
DEFAULT_WEBCAM_SHARE = 0.15  # ASSUMPTION: share of stations with a public webcam stream
# Streams of this module, after simulation.streams.Stream's values (default_rng convention).
NAMES_STREAM = 100
WEBCAM_STREAM = 101

_ID_SPACE = 10**11
# Coprime with 10**11, so n -> (n * M + C) mod 10**11 is a bijection of the 11-digit space;
# small enough that n * M stays inside int64 for the vectorised version (n < 10**11).
_ID_MULTIPLIER = 86_312_357
_ID_OFFSET = 31_415_926_535
_ID_INVERSE = pow(_ID_MULTIPLIER, -1, _ID_SPACE)


def _luhn_digit(digits: str) -> int:
    total = 0
    for k, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if k % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return (10 - total % 10) % 10


def _check_range(station: int, voters: int) -> None:
    if not 0 <= voters <= MAX_VOTERS_PER_STATION or not 0 <= station < _ID_SPACE // 10**5:
        raise ValueError(f"voter {voters - 1} of station {station} is outside the id space "
                         f"(at most {MAX_VOTERS_PER_STATION} voters per station)")


def voter_id(station: int, voter: int) -> str:
    """The national id of voter ``voter`` of station index ``station`` (12 digits)."""
    _check_range(station, voter + 1)
    n = station * MAX_VOTERS_PER_STATION + voter
    body = f"{(n * _ID_MULTIPLIER + _ID_OFFSET) % _ID_SPACE:011d}"
    return body + str(_luhn_digit(body))


def voter_ids(station: int, count: int) -> list[str]:
    """``[voter_id(station, v) for v in range(count)]``, vectorised."""
    _check_range(station, count)
    n = station * MAX_VOTERS_PER_STATION + np.arange(count, dtype=np.int64)
    body = (n * _ID_MULTIPLIER + _ID_OFFSET) % _ID_SPACE
    total = np.zeros(count, dtype=np.int64)
    rest = body.copy()
    for k in range(11):  # Luhn: double every second digit from the right, starting at the last
        digit = rest % 10
        rest //= 10
        if k % 2 == 0:
            digit = 2 * digit
            digit = np.where(digit > 9, digit - 9, digit)
        total += digit
    check = (10 - total % 10) % 10
    # A leading 1 keeps the zeros of small ids through the int -> str conversion.
    padded: list[str] = (10**12 + body * 10 + check).astype(np.str_).tolist()
    return [x[1:] for x in padded]


def parse_voter_id(national_id: str) -> tuple[int, int]:
    """``(station, voter)`` of a national id made by :func:`voter_id`; ValueError if not one."""
    if len(national_id) != 12 or not national_id.isdigit():
        raise ValueError(f"{national_id!r} is not a 12-digit national id")
    body = national_id[:11]
    if _luhn_digit(body) != int(national_id[11]):
        raise ValueError(f"{national_id!r} has a wrong check digit")
    n = ((int(body) - _ID_OFFSET) * _ID_INVERSE) % _ID_SPACE
    return divmod(n, MAX_VOTERS_PER_STATION)


_MASK64 = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15
_MIX1, _MIX2 = 0xBF58476D1CE4E5B9, 0x94D049BB133111EB
_WORDS = TEMPLATE_BYTES // 8


def _mix(x: int) -> int:
    """SplitMix64's finaliser on a Python int: a fast, well-spread 64-bit hash."""
    x = ((x ^ (x >> 30)) * _MIX1) & _MASK64
    x = ((x ^ (x >> 27)) * _MIX2) & _MASK64
    return x ^ (x >> 31)


def _template_key(station: int, seed: int) -> int:
    return _mix((_mix(seed & _MASK64) + station * _GOLDEN) & _MASK64)


def enrolled_template(station: int, voter: int, seed: int) -> bytes:
    """The enrolled biometric template of ``(station, voter)`` in a register of ``seed``.

    A counter-based hash (SplitMix64 of key + counter), so any voter's template costs a few
    microseconds and a whole station's is one vectorised numpy pass (station_templates).
    """
    key = _template_key(station, seed)
    return b"".join(
        _mix((key + (voter * _WORDS + k + 1) * _GOLDEN) & _MASK64).to_bytes(8, "little")
        for k in range(_WORDS)
    )


def station_templates(station: int, count: int, seed: int) -> NDArray[np.uint8]:
    """``enrolled_template(station, v, seed)`` for v < count, as a (count, 48) array."""
    key = np.uint64(_template_key(station, seed))
    counter = np.arange(1, count * _WORDS + 1, dtype=np.uint64)
    with np.errstate(over="ignore"):  # uint64 arithmetic is meant to wrap, as in the hash
        x = key + counter * np.uint64(_GOLDEN)
        x = (x ^ (x >> np.uint64(30))) * np.uint64(_MIX1)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(_MIX2)
        x = x ^ (x >> np.uint64(31))
    return x.astype("<u8").view(np.uint8).reshape(count, TEMPLATE_BYTES)


def rescan(station: int, voter: int, seed: int, attempt: int) -> str:
    """Base64 of re-scan number ``attempt`` of the voter's thumb (deterministic): the enrolled
    template with noise of at most RESCAN_NOISE per byte, clipped to 0-255 (what the service's
    matcher accepts). Hash noise, not a numpy generator per call: it runs once per check-in
    in the load generator's hot path.
    """
    enrolled = enrolled_template(station, voter, seed)
    noise = hashlib.blake2b(b"rescan:%d:%d:%d:%d" % (seed, station, voter, attempt),
                            digest_size=len(enrolled)).digest()
    span, low = 2 * RESCAN_NOISE + 1, RESCAN_NOISE
    scanned = bytes([min(255, max(0, e + n % span - low))
                     for e, n in zip(enrolled, noise, strict=True)])
    return base64.b64encode(scanned).decode()


@dataclass(frozen=True)
class NamePools:
    """JSON-quoted names, built once per locale (sorted, so order is Faker-call-free)."""

    first_male: list[str]
    first_female: list[str]
    last_male: list[str]
    last_female: list[str]


def build_name_pools(locale: str, seed: int, draws: int = 6000) -> NamePools:
    from faker import Faker  # imported here: Faker is slow to import and only needed here

    fake = Faker(locale)
    fake.seed_instance(seed)

    def pool(method: str) -> list[str]:
        make = getattr(fake, method)
        return [json.dumps(n, ensure_ascii=False) for n in sorted({make() for _ in range(draws)})]

    return NamePools(pool("first_name_male"), pool("first_name_female"),
                     pool("last_name_male"), pool("last_name_female"))


MIN_AGE_DAYS = 18 * 366
AGE_SPAN_DAYS = 77 * 365


@lru_cache(maxsize=4)
def _date_pool(election_day: dt.date) -> NDArray[np.object_]:
    """ISO birth dates for ages MIN_AGE_DAYS + k days, k < AGE_SPAN_DAYS, formatted once."""
    youngest = election_day - dt.timedelta(days=MIN_AGE_DAYS)
    return np.array([(youngest - dt.timedelta(days=k)).isoformat()
                     for k in range(AGE_SPAN_DAYS)], dtype=object)


def _birth_dates(n: int, election_day: dt.date, rng: np.random.Generator) -> list[str]:
    # Ages 18-95 with fewer old voters (a triangular density falling with age): enough
    # realism for a register that is searched by id.
    k = rng.triangular(0, 0, AGE_SPAN_DAYS, n).astype(np.int64)
    dates: list[str] = _date_pool(election_day)[k].tolist()
    return dates


def voter_lines(station: int, count: int, seed: int, pools: NamePools,
                election_day: dt.date) -> str:
    """The NDJSON voter lines of one station, as one string."""
    rng = np.random.default_rng([NAMES_STREAM, station, 0, seed])
    female = rng.random(count) < 0.5
    first = np.where(female,
                     np.asarray(pools.first_female, dtype=object)[
                         rng.integers(0, len(pools.first_female), count)],
                     np.asarray(pools.first_male, dtype=object)[
                         rng.integers(0, len(pools.first_male), count)]).tolist()
    last = np.where(female,
                    np.asarray(pools.last_female, dtype=object)[
                        rng.integers(0, len(pools.last_female), count)],
                    np.asarray(pools.last_male, dtype=object)[
                        rng.integers(0, len(pools.last_male), count)]).tolist()
    sexes = np.where(female, "F", "M").tolist()
    births = _birth_dates(count, election_day, rng)
    # 48 bytes encode to exactly 64 base64 characters: encode the whole block at once.
    block = base64.b64encode(station_templates(station, count, seed).tobytes()).decode()
    templates = [block[k:k + 64] for k in range(0, 64 * count, 64)]
    prefix = '{"kind":"voter","voter_id":"'
    middle = f'","station_id":"{station_code(station)}","first_name":'
    return "".join([
        f'{prefix}{vid}{middle}{fn},"last_name":{ln},"sex":"{sx}","birth_date":"{bd}",'
        f'"template":"{tp}"}}\n'
        for vid, fn, ln, sx, bd, tp in zip(voter_ids(station, count), first, last, sexes,
                                           births, templates, strict=True)
    ])


def webcam_stations(n_stations: int, seed: int, share: float) -> NDArray[np.bool_]:
    """Which stations broadcast by webcam: a seeded share of them."""
    return np.random.default_rng([WEBCAM_STREAM, 0, 0, seed]).random(n_stations) < share


def header_lines(scenario: Scenario, webcam_share: float) -> Iterator[str]:
    """Election, constituency and station lines."""
    election = scenario.election
    stations = build_stations(scenario)
    webcam = webcam_stations(len(stations), election.seed, webcam_share)
    dump = json.dumps
    yield dump({"kind": "election", "name": election.name,
                "candidates": [{"name": c.name, "share": c.share} for c in election.candidates]},
               ensure_ascii=False) + "\n"
    for c in range(1, election.constituencies + 1):
        yield dump({"kind": "constituency", "constituency_id": c,
                    "name": f"Constituency {c}"}) + "\n"
    for s in range(len(stations)):
        yield dump({"kind": "station", "station_id": station_code(s), "station_index": s,
                    "constituency_id": int(stations.constituency[s]),
                    "registered": int(stations.registered[s]),
                    "utc_offset_min": int(stations.utc_offset_min[s]),
                    "online": bool(stations.online[s]), "webcam": bool(webcam[s]),
                    "terminals": int(stations.terminals[s])}) + "\n"
