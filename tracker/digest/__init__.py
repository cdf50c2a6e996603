"""Digest emails for policy staff.

- :mod:`tracker.digest.subscriptions`: who follows what (``subscribe``, ``unsubscribe``, listing).
- :mod:`tracker.digest.tokens`: HMAC-signed one-click unsubscribe tokens.
- :mod:`tracker.digest.build`: select the events of one subscription's window (high-water mark on
  ``event.id``, window by ``recorded_at``, capped backfill) into a :class:`~tracker.digest.build.Digest`.
- :mod:`tracker.digest.wording`: one readable sentence per event, grouping, the computed subject.
- :mod:`tracker.digest.render`: Jinja2 (autoescape) HTML with inlined CSS, and the plain-text part.
- :mod:`tracker.digest.mail`: the ``EmailMessage`` with safe headers and a fixed Message-ID.
- :mod:`tracker.digest.outbox`: the outbox and SMTP: each digest written before sending, marked
  after; the subscription's high-water mark moves only with that mark.
"""
