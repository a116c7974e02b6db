"""The default offline provider: deterministic histories that unfold with time.

Scenarios, phrases and places are data in config/sandbox_scenarios.json.
"""

import hashlib
import itertools
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from config import CONFIG_DIR
from jobs.providers.base import Provider, Query, Result
from jobs.tracking.events import Event

SCENARIO_FILE = CONFIG_DIR / "sandbox_scenarios.json"
LANGUAGES = ("en", "de", "fr", "es", "zh", "ja")
ROLES = ("o", "x", "h", "t", "d")  # origin, origin abroad, hub, transit country, destination
ERRORS = {"unknown_number", "unsupported_carrier", "expired", "invalid"}
MAGIC = re.compile(r"^SBX([A-Z]+)(\d+)$")
S10 = re.compile(r"^[A-Z]{2}\d{9}([A-Z]{2})$")


class ScenarioFileError(ValueError):
    """The scenario file is malformed; the message says where."""


@dataclass(frozen=True)
class Scenario:
    """A history (hours from registration, phrase kind, place role) and its intended outcome."""

    name: str
    status: str
    reason: str
    weight: int
    steps: tuple[tuple[float, str, str], ...]
    error: str | None
    check_hours: float

    @property
    def magic_number(self) -> str:
        """The documented number that always yields this scenario."""
        return f"SBX{self.name.upper().replace('_', '')}01"


def _validate_scenario(name, raw, routes, phrases) -> Scenario:
    where = f"scenario {name!r}"
    if not re.fullmatch(r"[a-z]+(_[a-z]+)*", name):
        raise ScenarioFileError(f"{where}: name must be lower-case letters and underscores")
    if raw.get("route") and raw["route"] not in routes:
        raise ScenarioFileError(f"{where}: unknown route {raw['route']!r}")
    steps = [*routes.get(raw.get("route"), []), *raw.get("steps", [])]
    for hours, kind, role in steps:
        if kind not in phrases or role not in ROLES:
            raise ScenarioFileError(f"{where}: bad step {[hours, kind, role]!r}")
    offsets = [s[0] for s in steps]
    if any(later - earlier < 1 for earlier, later in itertools.pairwise(offsets)):
        raise ScenarioFileError(f"{where}: step offsets must increase by at least 1 hour")
    if raw.get("error") not in ERRORS | {None} or (raw.get("error") and steps):
        raise ScenarioFileError(f"{where}: error must be one of {sorted(ERRORS)} with no steps")
    status, reason = raw["expect"]
    default_check = max([0, *offsets]) + 1
    return Scenario(
        name,
        status,
        reason,
        int(raw["weight"]),
        tuple(map(tuple, steps)),
        raw.get("error"),
        float(raw.get("check_hours", default_check)),
    )


def load_scenarios(path: Path = SCENARIO_FILE) -> dict:
    """Load and validate the scenario file; raise ScenarioFileError naming the problem."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        phrases, places, routes = data["phrases"], data["places"], data["routes"]
        for kind, texts in phrases.items():
            if set(texts) != set(LANGUAGES):
                raise ScenarioFileError(f"phrase {kind!r}: needs exactly {LANGUAGES}")
        for lang in LANGUAGES:
            if any(not places[lang].get(role) for role in ROLES):
                raise ScenarioFileError(f"places {lang!r}: needs a list for each of {ROLES}")
        scenarios = {
            n: _validate_scenario(n, r, routes, phrases) for n, r in data["scenarios"].items()
        }
    except (OSError, json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, ScenarioFileError):
            raise
        raise ScenarioFileError(f"{path}: {exc!r}") from exc
    return {
        "scenarios": scenarios,
        "phrases": phrases,
        "places": places,
        "languages": data["languages"],
    }


_DATA = load_scenarios()
SCENARIOS = {name: (s.status, s.reason) for name, s in _DATA["scenarios"].items()}
SCENARIO_CHECK_HOURS = {name: s.check_hours for name, s in _DATA["scenarios"].items()}
MAGIC_NUMBERS = {name: s.magic_number for name, s in _DATA["scenarios"].items()}
_BY_CODE = {name.upper().replace("_", ""): s for name, s in _DATA["scenarios"].items()}
_WEIGHTED = [s for s in _DATA["scenarios"].values() for _ in range(s.weight)]


def _digest(number: str) -> bytes:
    return hashlib.sha256(number.encode("utf-8")).digest()


def _normalize(number: str) -> str:
    return re.sub(r"[\s-]", "", number).upper()


def scenario_for(number: str) -> Scenario:
    """The scenario a number follows: a magic number's own, else one picked by a hash of it."""
    number = _normalize(number)
    match = MAGIC.match(number)
    if match and match.group(1) in _BY_CODE:
        return _BY_CODE[match.group(1)]
    return _WEIGHTED[int.from_bytes(_digest(number)[:8], "big") % len(_WEIGHTED)]


def language_for(number: str, carrier: str | None) -> str:
    """Event language from the carrier key, else the S10 country suffix, else English."""
    langs = _DATA["languages"]
    for fragment, lang in langs["carriers"].items():
        if carrier and fragment in carrier.lower():
            return lang
    match = S10.match(_normalize(number))
    return langs["countries"].get(match.group(1), "en") if match else "en"


def _real_now() -> datetime:
    return datetime.now(UTC)


class SandboxProvider(Provider):
    """Deterministic offline provider; `clock_speed` > 1 brings later events sooner."""

    name = "sandbox"
    max_batch = 500

    def __init__(self, clock_speed: float = 1.0, now=_real_now):
        if clock_speed <= 0:
            raise ValueError("clock_speed must be positive")
        self.clock_speed = float(clock_speed)
        self.now = now

    def check_connection(self) -> str:
        """Nothing to reach: say so."""
        return f"Sandbox provider (offline, clock speed {self.clock_speed:g}x)"

    def fetch(self, queries: list[Query]) -> dict[str, Result]:
        """Return each number's history up to now (never raises for a single number)."""
        now = self.now()
        return {q.number: self.history(q, now) for q in queries}

    def history(self, query: Query, now: datetime) -> Result:
        """The events of one number visible at `now`, oldest first."""
        scenario = scenario_for(query.number)
        if scenario.error:
            return Result(query.number, provider=self.name, error=scenario.error)
        anchor = query.registered_at or now
        digest = _digest(_normalize(query.number))
        lang = language_for(query.number, query.carrier)
        events = []
        for i, (hours, kind, role) in enumerate(scenario.steps):
            when = self.event_time(anchor, hours, digest[i % 16], digest[16 + i % 16])
            if when > now:
                break  # steps are in time order, so nothing later is visible either
            places = _DATA["places"][lang][role]
            place = places[digest[-1 - (ROLES.index(role))] % len(places)]
            events.append(Event(when, _DATA["phrases"][kind][lang], place))
        return Result(query.number, events=events, provider=self.name)

    def event_time(self, anchor: datetime, hours: float, jitter_min: int, jitter_s: int):
        """When a step happens: as written before registration, compressed by clock speed after."""
        # Jitter under an hour keeps scans off the hour; steps are >= 1 h apart, so order holds.
        offset = timedelta(hours=hours, minutes=jitter_min % 50, seconds=jitter_s % 60)
        if hours <= 0:
            return anchor + offset
        return anchor + offset / self.clock_speed
