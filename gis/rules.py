"""The date rules, in one place: the loaders refuse what breaks them, the web API refuses
it, and ``popgis db check`` finds rows stored before a rule existed.

* a birth date and an event date lie between ``EARLIEST`` (1900-01-01) and today, China
  time (for a load: the day the load started);
* an arrival date and a certificate's expiry date lie between ``EARLIEST`` and ``LATEST``
  (2100-12-31); "9999-12-31" and 长期 for "no expiry" are stored as empty.

And the one rule about keys the loaders and the map share: an event recorded on the map
is keyed ``map-<row id>`` (:data:`MAP_EVENT_PREFIX`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from gis.messages import _

#: the earliest date accepted anywhere (earlier is a typing slip)
EARLIEST = date(1900, 1, 1)
#: the latest arrival or expiry date accepted (later is a typing slip or "no expiry")
LATEST = date(2100, 12, 31)
#: the key (events.ext_id, the file's event_id) of an event recorded on the map is this
#: and its row id; an events file may use such a key only to correct that event
MAP_EVENT_PREFIX = "map-"
#: such a key, in full (POSIX and Python regex alike; the county is added to a key that a
#: file had taken before this rule, migration 0018)
MAP_EVENT_KEY = "^map-[0-9]+(-[0-9]{6})?$"
#: the counties are in China (UTC+8 all year): "today" is theirs, not the server's
CHINA_TIME = timezone(timedelta(hours=8))


def now() -> datetime:
    """The time in China: the one clock of every date and printed time (the server may
    run on UTC, and at 23:37 UTC it is already 07:37 the next day in the counties)."""
    return datetime.now(CHINA_TIME)


def today() -> date:
    """Today's date in China (an event recorded at 07:00 there is not in the future; an
    export made then is dated that day): the one "today" of events, date rules, as-of
    defaults and file names."""
    return now().date()


def clock() -> str:
    """Now in China as printed on maps, atlases and tables, with its zone
    (``2026-12-07 07:37 UTC+08:00``): a reader abroad would otherwise take it as theirs."""
    return shown(now())


def shown(moment: datetime, *, seconds: bool = False) -> str:
    """A stored time (timestamptz, read back in the database session's zone) as a person
    in the counties reads it: China time with its zone, ``2026-12-07 08:47 UTC+08:00``
    (``seconds``: ``08:47:54``). A naive time is taken as China time already."""
    return in_china(moment).strftime("%Y-%m-%d %H:%M:%S %Z" if seconds else "%Y-%m-%d %H:%M %Z")


def in_china(moment: datetime) -> datetime:
    """A time a person gave (``--since 2026-12-07``, the audit page's date) in China time:
    a naive time means the counties' clock, not the server's (UTC) one; an aware one is
    moved to China time."""
    return moment.astimezone(CHINA_TIME) if moment.tzinfo else moment.replace(tzinfo=CHINA_TIME)


def is_map_event_key(key: str | None) -> bool:
    """Whether ``key`` (an events.ext_id) is the key of an event recorded on the map."""
    return bool(key) and re.match(MAP_EVENT_KEY, key or "") is not None


@dataclass(frozen=True)
class DateRule:
    """A date column's accepted range: ``EARLIEST`` to today (``until_today``) or to
    ``LATEST``."""

    until_today: bool

    def high(self, day: date | None = None) -> date:
        """The last date accepted; ``day`` is "today" (default: today in China)."""
        return (day or today()) if self.until_today else LATEST

    def accepts(self, value: date, day: date | None = None) -> bool:
        """Whether ``value`` lies in the range."""
        return EARLIEST <= value <= self.high(day)

    def high_label(self, day: date | None = None) -> str:
        """The upper end as the loaders' messages name it."""
        if self.until_today:
            return _("today ({day}, China time)", day=(day or today()).isoformat())
        return LATEST.isoformat()


#: birth dates and event dates: not in the future
UNTIL_TODAY = DateRule(until_today=True)
#: arrival dates and certificates' expiry dates
UNTIL_LATEST = DateRule(until_today=False)
BIRTH_DATE = UNTIL_TODAY
EVENT_DATE = UNTIL_TODAY
ARRIVAL_DATE = UNTIL_LATEST
EXPIRY_DATE = UNTIL_LATEST
