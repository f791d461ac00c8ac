"""Reminders of what falls due on the children's cases (issue 22), built on cases/ (what is due), delivery/ (the
outbox) and access/ (who may see what):
- digest: each school's daily email of what falls due in the next 7 days and what is overdue, once per school
  and day however many workers or cron runs make it; daily: when a delivery worker makes the day's digests;
- feed: each user's private calendar feed (ICS) at a secret address, revocable;
- links: the address of a child's case, for an email or a calendar entry.
"""
