"""When a delivery worker makes the day's digests (reminders/digest.py): after a round of deliveries, the first
time it is DIGEST_HOUR or later in England on a day this process has not made them yet. Every worker does so;
the digest's row makes each school's once (digest.queue), and a worker that finds them made reads only which
were. DIGEST_HOUR=off leaves it to `forms-service digest` from cron. Kept light: the cases (and the document
renderers they bring) are loaded the first time the digests are made, so a worker still starts quickly."""
from __future__ import annotations

import datetime as dt
import logging

from flask import Flask

from ..formatting import LOCAL_TZ

log = logging.getLogger(__name__)

RETRY = dt.timedelta(minutes=10)  # after a failure (the database away): not every round


class DailyDigests:
    """Called after each round of `delivery/outbox.run_worker`; `now` (aware) for tests."""

    def __init__(self, app: Flask):
        self.app = app
        self.hour = app.config.get("DIGEST_HOUR")
        self.done: dt.date | None = None
        self.retry_at: dt.datetime | None = None

    def __call__(self, now: dt.datetime | None = None):
        """The day's report if the digests were made now; None if it was not time."""
        local = (now or dt.datetime.now(dt.timezone.utc)).astimezone(LOCAL_TZ)
        if self.hour is None or local.hour < self.hour or self.done == local.date() \
                or (self.retry_at is not None and local < self.retry_at):
            return None
        try:
            with self.app.app_context():
                from .digest import make_digests  # heavy: loaded where it is used (the module's note)

                report = make_digests(local.date())
        except Exception:
            self.retry_at = local + RETRY
            log.exception("daily digest: could not make the digests for %s; trying again at %s", local.date(),
                          self.retry_at.strftime("%H:%M"))
            return None
        self.done, self.retry_at = local.date(), None
        return report
