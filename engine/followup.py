"""When the next payment follow-up level of an instalment is due.

A follow-up policy is a list of levels, each a number of days relative to an
instalment's due date (negative: a courtesy reminder before it). The rules:

* levels go in order of their days; the next level is the first one after
  every level already sent, so a level is never sent twice and never after a
  higher one;
* a level is due on ``due date + days``, but never sooner after the previous
  level sent than the policy's own gap between the two: when the scheduled
  action was off for a while, the levels that became due meanwhile are all
  sent, one after the other, each leaving the member the time the policy gives
  to pay (catch-up without skipping and without a burst of reminders);
* a courtesy level (before the due date) is only sent before the due date:
  once the instalment is due, the next level takes over;
* a postponement moves the date forward, never back.
"""

from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class Step:
    """The next level to send (its key, as the caller gave it) and from when."""

    key: object
    delay: int
    date: date


def next_step(levels, due_date, sent, today, not_before=None):
    """The next follow-up step of one instalment, or None when none is left.

    :param levels: iterable of ``(key, days)``; days are distinct
    :param due_date: the instalment's due date
    :param sent: ``{key: date sent}`` of the levels already sent
    :param today: the day of the run (a courtesy level is not sent from its due date)
    :param not_before: postponed until this date
    :return: a :class:`Step`, which is due when ``step.date <= today``
    """
    ordered = sorted(levels, key=lambda level: level[1])
    delays = dict(ordered)
    done = [(delays[key], day) for key, day in sent.items() if key in delays]
    last_delay, last_date = max(done, default=(None, None))
    for key, delay in ordered:
        if key in sent or (last_delay is not None and delay <= last_delay):
            continue
        if delay < 0 and today >= due_date:
            continue  # courtesy reminder: too late for it
        when = due_date + timedelta(days=delay)
        if last_date is not None:
            when = max(when, last_date + timedelta(days=delay - last_delay))
        if not_before is not None:
            when = max(when, not_before)
        return Step(key, delay, when)
    return None
