"""The follow-up calendar: table-driven cases and properties."""

from datetime import date, timedelta
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine import next_step

D = date
DUE = D(2027, 3, 1)
# The default policy: courtesy -7, due 0, first 15, second 30, formal notice 45, suspension 60.
POLICY = [("courtesy", -7), ("due", 0), ("first", 15), ("second", 30), ("notice", 45), ("suspend", 60)]


def step(sent, today, not_before=None, levels=POLICY, due=DUE):
    result = next_step(levels, due, sent, today, not_before)
    return result and (result.key, result.date)


@pytest.mark.parametrize(
    ("sent", "today", "expected"),
    [
        ({}, D(2027, 2, 1), ("courtesy", D(2027, 2, 22))),
        ({"courtesy": D(2027, 2, 22)}, D(2027, 2, 22), ("due", DUE)),
        ({"courtesy": D(2027, 2, 22), "due": DUE}, DUE, ("first", D(2027, 3, 16))),
        # Levels given in any order
        ({"due": DUE, "first": D(2027, 3, 16)}, D(2027, 3, 16), ("second", D(2027, 3, 31))),
        ({"notice": D(2027, 4, 15)}, D(2027, 4, 20), ("suspend", D(2027, 4, 30))),
        ({"suspend": D(2027, 4, 30)}, D(2027, 5, 1), None),
        # Courtesy not sent from the due date on: the scheduled action was off
        ({}, DUE, ("due", DUE)),
        ({}, D(2027, 2, 28), ("courtesy", D(2027, 2, 22))),
        # Off for 50 days: every level still comes, each keeping its gap after the previous one
        ({}, D(2027, 4, 20), ("due", DUE)),
        ({"due": D(2027, 4, 20)}, D(2027, 4, 20), ("first", D(2027, 5, 5))),
        ({"due": D(2027, 4, 20), "first": D(2027, 5, 5)}, D(2027, 5, 5), ("second", D(2027, 5, 20))),
        # A level sent late by an officer, then back on schedule once the gap is kept
        ({"first": D(2027, 3, 20)}, D(2027, 3, 20), ("second", D(2027, 4, 4))),
    ],
)
def test_next_step(sent, today, expected):
    assert step(sent, today) == expected


@pytest.mark.parametrize(
    ("due", "expected"),
    [
        (D(2028, 2, 29), D(2028, 3, 15)),  # leap day
        (D(2027, 1, 31), D(2027, 2, 15)),  # month end
        (D(2027, 12, 20), D(2028, 1, 4)),  # year end
    ],
)
def test_dates_across_month_and_year_ends(due, expected):
    assert step({"due": due}, due, due=due) == ("first", expected)


def test_postponed():
    assert step({"due": DUE}, DUE, not_before=D(2027, 4, 1)) == ("first", D(2027, 4, 1))
    # A postponement in the past changes nothing
    assert step({"due": DUE}, DUE, not_before=D(2027, 1, 1)) == ("first", D(2027, 3, 16))


def test_no_levels():
    assert step({}, DUE, levels=[]) is None


def test_unknown_sent_level_is_ignored():
    # A level removed from the policy since it was sent
    assert step({"gone": D(2027, 3, 5)}, D(2027, 3, 5)) == ("due", DUE)


policies = st.lists(st.integers(-30, 120), min_size=1, max_size=8, unique=True).map(
    lambda delays: [(f"L{delay}", delay) for delay in delays]
)
days = st.dates(min_value=D(2020, 1, 1), max_value=D(2035, 12, 31))


@given(policies, days, st.integers(-60, 400), st.integers(1, 5))
def test_walk_sends_every_level_once_in_order_with_the_gaps(levels, due, start, stride):
    """A run every ``stride`` days from ``due + start``: each level at most
    once, in order, never before its date, never closer to the previous one
    than the policy's gap, and all of them after the due date except courtesy."""
    sent = {}
    today = due + timedelta(days=start)
    history = []
    finished = False
    for _run in range(400):
        result = next_step(levels, due, sent, today)
        if result is None:
            finished = True
            break
        if result.date <= today:
            assert result.key not in sent
            sent[result.key] = today
            history.append((result.delay, today))
        today += timedelta(days=stride)
    delays = dict(levels)
    assert [delay for delay, _day in history] == sorted(delay for delay, _day in history)
    for delay, day in history:
        assert day >= due + timedelta(days=delay)
        if delay < 0:
            assert day < due
    for (delay1, day1), (delay2, day2) in pairwise(history):
        assert (day2 - day1).days >= delay2 - delay1
    # Nothing left behind but courtesy levels whose moment passed
    assert finished
    missing = set(delays) - set(sent)
    assert all(delays[key] < 0 for key in missing)


@given(policies, days, st.integers(-60, 200))
def test_next_step_is_after_everything_sent(levels, due, offset):
    delays = dict(levels)
    ordered = sorted(levels, key=lambda level: level[1])
    half = ordered[: len(ordered) // 2]
    sent = {key: due + timedelta(days=max(delay, 0)) for key, delay in half}
    result = next_step(levels, due, sent, due + timedelta(days=offset))
    if result is not None:
        assert result.key not in sent
        assert all(delays[result.key] > delays[key] for key in sent)
