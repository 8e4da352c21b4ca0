"""Every time a person sees, in the user's time zone: ``2026-12-02 04:05``, dates ``2026-12-02``.

The server keeps UTC (ISO 8601 with an offset); screens, receipts and human exports format
through here. The zone is the config ``timezone`` (an IANA name), else the system's.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, tzinfo

_zone: tzinfo | None = None


def set_zone(name: str | None) -> None:
    """``None`` or ``""``: the system's zone. An unknown name raises ``ValueError``."""
    global _zone
    if not name:
        _zone = None
        return
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        _zone = ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone: {name}") from exc


def zone() -> tzinfo:
    if _zone is not None:
        return _zone
    local = datetime.now().astimezone().tzinfo
    return local or UTC


def _moment(value: str | datetime) -> datetime | None:
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)  # the server's naive stamps are UTC
    return moment.astimezone(zone())


def _local(value: str | datetime | None, pattern: str) -> str:
    """``value`` in the user's zone as ``pattern``; "" for nothing, a text that is no time as
    it is."""
    if value is None or value == "":
        return ""
    moment = _moment(value)
    return moment.strftime(pattern) if moment else str(value)


def when(value: str | datetime | None) -> str:
    """``2026-12-02 04:05`` in the user's zone; "" for nothing; a date alone stays a date."""
    if value is None or value == "":
        return ""
    if isinstance(value, str) and len(value.strip()) == 10:
        return day(value)
    return _local(value, "%Y-%m-%d %H:%M")


def when_seconds(value: str | datetime | None) -> str:
    """``2026-12-02 04:05:06``: for receipts, where the second can matter."""
    return _local(value, "%Y-%m-%d %H:%M:%S")


def day(value: str | date | datetime | None) -> str:
    """``2026-12-02``: the local date of a moment, or a date as it is."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        return value.astimezone(zone()).strftime("%Y-%m-%d") if value.tzinfo else str(value)[:10]
    if isinstance(value, date):
        return value.isoformat()
    if len(value.strip()) == 10:
        return value.strip()
    return _local(value, "%Y-%m-%d")


def clock(value: str | datetime | None) -> str:
    """``04:05``: the local time of day, for lists where the date is plain."""
    return _local(value, "%H:%M")


def clock_seconds(value: str | datetime | None) -> str:
    """``04:05:06``: a deadline within the day (a code's expiry), where seconds count."""
    return _local(value, "%H:%M:%S")


def when_short(value: str | datetime | None) -> str:
    """``12-02 04:05``: the month, day and time, for narrow lists of recent rows."""
    return _local(value, "%m-%d %H:%M")


def stamp(value: datetime | None = None, *, micro: bool = True) -> str:
    """``20261202-040506-123456`` (``micro=False``: ``20261202-040506``): a local moment for
    file names, never shown as a time."""
    moment = (value or now()).astimezone(zone())
    return moment.strftime("%Y%m%d-%H%M%S-%f" if micro else "%Y%m%d-%H%M%S")


def parse_day(text: str) -> date | None:
    """A date typed as ``2026-12-02``; ``None`` when it is not one."""
    value = text.strip()
    if len(value) != 10 or value[4] != "-" or value[7] != "-":
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def day_start_utc(value: date | None = None) -> str:
    """Local midnight of ``value`` (today by default) as the UTC instant the server filters by."""
    local = datetime.combine(value or now().date(), time(0), tzinfo=zone())
    return local.astimezone(UTC).isoformat()


def utc_now() -> str:
    """Now as the server keeps time (UTC, ISO 8601, seconds): for machine data, never shown."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def utc_stamp(moment: datetime) -> str:
    """``moment`` as machine data keeps time (UTC, ISO 8601, seconds), never shown."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def parse_stamp(text: str) -> datetime:
    """A stamp written by ``utc_stamp`` (or the server) back to a moment; ValueError if not."""
    return datetime.fromisoformat(text)


def now() -> datetime:
    return datetime.now(zone())
