"""The merchant's timezone: every date shown, exported or mailed is in it (stored times are UTC)."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from flask_login import current_user

DEFAULT = "UTC"


def zone(name: str | None) -> ZoneInfo:
    """The named IANA zone, or UTC when the name is empty or unknown."""
    try:
        return ZoneInfo(name or DEFAULT)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT)


def valid_zone(name: str) -> bool:
    """Whether `name` is an IANA timezone this machine knows."""
    return name in zone_names()


def zone_names() -> list[str]:
    """Every IANA timezone name, sorted (for the Settings list)."""
    return sorted(available_timezones() | {DEFAULT})


def to_local(moment: datetime | None, name: str | None) -> datetime | None:
    """A naive UTC datetime as a naive datetime in the zone `name`."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC).astimezone(zone(name)).replace(tzinfo=None)


def merchant_zone_name() -> str:
    """The logged-in merchant's timezone name (UTC for visitors and accounts without one)."""
    return getattr(current_user, "timezone", None) or DEFAULT


def local_time(moment: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """`moment` (naive UTC) formatted in the logged-in merchant's timezone; '' when None."""
    local = to_local(moment, merchant_zone_name())
    return local.strftime(fmt) if local else ""


def describe_schedule(cron: str, zone_name: str, now: datetime | None = None) -> str:
    """A cron expression (UTC) as a person reads it, e.g. 'every day at 07:00 (Europe/Berlin);
    next on Wednesday 2 December at 07:00'."""
    from croniter import croniter

    now = now or datetime.now(UTC)
    try:
        runs = croniter(cron, now.astimezone(UTC))
        first, second = runs.get_next(datetime), runs.get_next(datetime)
    except (ValueError, KeyError):
        return f"on the schedule “{cron}” (UTC)"
    local = first.astimezone(zone(zone_name))
    at = local.strftime("%H:%M")
    gap = second - first
    every = {86400: f"every day at {at}", 3600: "every hour", 604800: f"every week at {at}"}
    rhythm = every.get(int(gap.total_seconds()), f"at {at}")
    when = f"{local.strftime('%A')} {local.day} {local.strftime('%B')} at {at}"
    return f"{rhythm} ({zone_name}); next on {when}"
