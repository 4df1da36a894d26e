"""Date ranges and the periods a time series is bucketed by, shared by every report.

Days are the shop's local days: the time zone of the computer running the report, with its
daylight-saving rules on each date (Python's ``astimezone()``, which asks the operating
system). A range is whole local days, both ends included: [start 00:00, end + 1 day 00:00)
local time, turned into UTC instants in Python, so the SQL compares stored UTC times only.

Time series cannot be bucketed by local day in SQL on both engines: SQLite knows no named
zones, and PostgreSQL would need the zone's IANA name, which Windows does not give. So SQL
groups by UTC hour (:class:`Slots`; ~9k groups for a year at most) and Python puts each
hour in the local day holding it: exact, as every hour of a zone whose offsets are whole
hours lies in one local day. For the few zones with half- or quarter-hour offsets (India,
Nepal, Newfoundland, ...) each hour is split in two where their local days change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import Float, String, case, cast, func, text
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.sql.elements import ColumnElement

from app.domain.errors import InvalidInput

#: Longest range bucketed by day, then by week (Monday to Sunday); longer ones by month.
DAILY_UP_TO_DAYS = 45
WEEKLY_UP_TO_DAYS = 200


class Period(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


def day_start(day: date) -> datetime:
    """The instant the shop's local ``day`` starts, in UTC (the UTCDateTime column type
    takes aware times). A local time is read with its own date's daylight-saving rule."""
    return datetime.combine(day, time.min).astimezone().astimezone(UTC)


def local_day(moment: datetime) -> date:
    """The shop's local day holding ``moment`` (naive values are UTC, as stored)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone().date()


def range_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """The half-open instants [start 00:00, end + 1 day 00:00) of a range of whole days."""
    if end < start:
        raise InvalidInput(f"The range ends ({end}) before it starts ({start})")
    return day_start(start), day_start(end + timedelta(days=1))


def period_for(start: date, end: date) -> Period:
    """Days for up to about six weeks, weeks for up to about half a year, then months: a
    chart has between a handful and ~45 points."""
    days = (end - start).days + 1
    if days <= DAILY_UP_TO_DAYS:
        return Period.DAY
    if days <= WEEKLY_UP_TO_DAYS:
        return Period.WEEK
    return Period.MONTH


def period_start(day: date, period: Period) -> date:
    """The first day of the period holding ``day`` (weeks start on Monday)."""
    if period is Period.DAY:
        return day
    if period is Period.WEEK:
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)


def period_starts(start: date, end: date, period: Period) -> list[date]:
    """Every period touching [start, end], in order, so empty periods show as zero."""
    starts: list[date] = []
    current = period_start(start, period)
    while current <= end:
        starts.append(current)
        if period is Period.MONTH:
            current = (current.replace(day=28) + timedelta(days=4)).replace(day=1)
        else:
            current += timedelta(days=1 if period is Period.DAY else 7)
    return starts


@dataclass(frozen=True, slots=True)
class Slots:
    """How SQL groups stored UTC times so that each group lies in one local day: by UTC
    hour, split at ``split`` minutes past the hour when the zone's offset is not whole
    hours (India: 30; Nepal: 45), or by minute for a zone that changes its odd offset in
    the range (none does today)."""

    split: int  #: 0: whole hours; -1: by minute

    @classmethod
    def for_range(cls, low: datetime, high: datetime) -> Slots:
        """The slots for [low, high): the local offset is read each day and at both ends."""
        splits: set[int] = set()
        moment = low
        while True:
            offset = moment.astimezone().utcoffset() or timedelta()
            splits.add(-int(offset.total_seconds() // 60) % 60)
            if moment >= high:
                break
            moment = min(moment + timedelta(hours=23), high)
        splits.discard(0)
        return cls(splits.pop() if len(splits) == 1 else -1 if splits else 0)

    def sql(self, session: Session, moment: InstrumentedAttribute[datetime]) -> ColumnElement[Any]:
        """SQL for the slot holding ``moment``: text on SQLite (times are ISO text there:
        "2026-12-05 14", with "0"/"1" after it for a split hour), a timestamp on PostgreSQL.
        :meth:`start` reads either."""
        if session.get_bind().dialect.name == "sqlite":
            if self.split < 0:
                return func.substr(moment, 1, 16)
            hour = func.substr(moment, 1, 13)
            if not self.split:
                return hour
            later = func.substr(moment, 15, 2) >= f"{self.split:02d}"
            return hour.concat(cast(later, String))
        if self.split < 0:
            return func.date_trunc("minute", moment)
        hour = func.date_trunc("hour", moment)
        if not self.split:
            return hour
        part = case((func.extract("minute", moment) >= self.split, self.split), else_=0)
        return hour + part * text("interval '1 minute'")

    def start(self, value: object) -> datetime:
        """When a slot as :meth:`sql` returned it starts, as an aware UTC time."""
        if isinstance(value, datetime):
            return value.replace(tzinfo=UTC) if value.tzinfo is None else value
        stamp = str(value)
        if self.split < 0:
            return datetime.strptime(stamp, "%Y-%m-%d %H:%M").replace(tzinfo=UTC)
        hour = datetime.strptime(stamp[:13], "%Y-%m-%d %H").replace(tzinfo=UTC)
        return hour + timedelta(minutes=self.split) if stamp[13:] == "1" else hour


def sql_days_between(
    session: Session,
    later: InstrumentedAttribute[datetime],
    earlier: InstrumentedAttribute[datetime],
) -> ColumnElement[float]:
    """SQL for the time from ``earlier`` to ``later`` in days, with the fraction."""
    if session.get_bind().dialect.name == "sqlite":
        return cast(func.julianday(later) - func.julianday(earlier), Float)
    return cast(func.extract("epoch", later - earlier) / 86400.0, Float)
