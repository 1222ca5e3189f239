"""Holidays by rule: the dates a tariff bills as weekend days, for any year (stdlib only).

A tariff names holidays by rule (``"thanksgiving_day"``: the fourth Thursday of November)
instead of listing dates per year, so one tariff file serves every study year. With
``observed = True`` a holiday on a Saturday is also observed on the Friday before and one
on a Sunday on the Monday after (the U.S. federal rule, 5 U.S.C. 6103(b)); TVA-distributor
TOU schedules name the days themselves, so their tariffs leave it off.

Examples
--------
>>> holiday_dates(("memorial_day", "thanksgiving_day"), [2021])
(datetime.date(2021, 5, 31), datetime.date(2021, 11, 25))
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Literal

HolidayRule = Literal[
    "new_years_day",
    "martin_luther_king_day",
    "presidents_day",
    "memorial_day",
    "juneteenth",
    "independence_day",
    "labor_day",
    "columbus_day",
    "veterans_day",
    "thanksgiving_day",
    "christmas_day",
]


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> dt.date:
    """The ``n``-th ``weekday`` (Monday = 0) of a month; ``n = -1`` for the last one."""
    if n > 0:
        first = dt.date(year, month, 1)
        return first + dt.timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    last = nxt - dt.timedelta(days=1)
    return last - dt.timedelta(days=(last.weekday() - weekday) % 7)


HOLIDAY_RULES: dict[str, Callable[[int], dt.date]] = {
    "new_years_day": lambda y: dt.date(y, 1, 1),
    "martin_luther_king_day": lambda y: _nth_weekday(y, 1, 0, 3),
    "presidents_day": lambda y: _nth_weekday(y, 2, 0, 3),
    "memorial_day": lambda y: _nth_weekday(y, 5, 0, -1),
    "juneteenth": lambda y: dt.date(y, 6, 19),
    "independence_day": lambda y: dt.date(y, 7, 4),
    "labor_day": lambda y: _nth_weekday(y, 9, 0, 1),
    "columbus_day": lambda y: _nth_weekday(y, 10, 0, 2),
    "veterans_day": lambda y: dt.date(y, 11, 11),
    "thanksgiving_day": lambda y: _nth_weekday(y, 11, 3, 4),
    "christmas_day": lambda y: dt.date(y, 12, 25),
}
"""The date of each named holiday in a year (U.S. federal holidays, 5 U.S.C. 6103(a))."""


def holiday_dates(
    rules: Iterable[str], years: Iterable[int], *, observed: bool = False
) -> tuple[dt.date, ...]:
    """The dates of the holidays named by ``rules`` in ``years``, sorted.

    Parameters
    ----------
    rules : iterable of str
        Keys of :data:`HOLIDAY_RULES`.
    years : iterable of int
        Calendar years.
    observed : bool
        Add the Friday before a Saturday holiday and the Monday after a Sunday one.
    """
    out: set[dt.date] = set()
    for year in years:
        for rule in rules:
            day = HOLIDAY_RULES[rule](year)
            out.add(day)
            if observed and day.weekday() == 5:
                out.add(day - dt.timedelta(days=1))
            elif observed and day.weekday() == 6:
                out.add(day + dt.timedelta(days=1))
    return tuple(sorted(out))


__all__ = ["HOLIDAY_RULES", "HolidayRule", "holiday_dates"]
