"""Date ranges and the periods a time series is bucketed by, shared by every report.

A report's range is whole UTC days, both ends included: [start 00:00, end + 1 day 00:00)
in UTC. Bucketing by the shop's local day would need the shop's time zone in SQL, which
SQLite cannot apply (it knows only the computer's offset, not a named zone's rules on a
given date); the reports keep UTC days on both engines so a figure never depends on the
engine or on the computer that printed it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

from sqlalchemy import Date, Float, cast, func
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
    """Midnight UTC starting ``day`` (the UTCDateTime column type takes aware times)."""
    return datetime.combine(day, time.min, tzinfo=UTC)


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


def sql_period_start(
    session: Session, moment: InstrumentedAttribute[datetime], period: Period
) -> ColumnElement[object]:
    """SQL for the first day of the UTC period holding ``moment``: an ISO text on SQLite, a
    DATE on PostgreSQL; :func:`as_date` reads either."""
    if session.get_bind().dialect.name == "sqlite":
        if period is Period.DAY:
            return func.date(moment)
        if period is Period.WEEK:
            # 'weekday 0' moves to the coming Sunday (or stays on one); Monday is 6 days before.
            return func.date(moment, "weekday 0", "-6 days")
        return func.strftime("%Y-%m-01", moment)
    return cast(func.date_trunc(period.value, moment), Date)


def as_date(value: object) -> date:
    """A period start as the database returned it (SQLite text or a date)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def sql_days_between(
    session: Session,
    later: InstrumentedAttribute[datetime],
    earlier: InstrumentedAttribute[datetime],
) -> ColumnElement[float]:
    """SQL for the time from ``earlier`` to ``later`` in days, with the fraction."""
    if session.get_bind().dialect.name == "sqlite":
        return cast(func.julianday(later) - func.julianday(earlier), Float)
    return cast(func.extract("epoch", later - earlier) / 86400.0, Float)
