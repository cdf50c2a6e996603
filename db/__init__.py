"""The event store: engine, models, the single write path (``db.store.record``), migrations."""
