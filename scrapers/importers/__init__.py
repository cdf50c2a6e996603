"""Importers turn typed items into store records (events + entity rows).

Each module here defines ``IMPORTERS = {ItemClass: function(item, ctx) -> list[records]}``; they are
discovered at first use. ``ctx`` is the store's record context (``ctx.conn`` is the open connection
of the write transaction, for member resolution and the like).
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any, Callable

_REGISTRY: dict[type, Callable[[Any, Any], list[Any]]] | None = None


def registry() -> dict[type, Callable[[Any, Any], list[Any]]]:
    global _REGISTRY
    if _REGISTRY is None:
        reg: dict[type, Callable[[Any, Any], list[Any]]] = {}
        for mod in pkgutil.iter_modules(__path__):
            module = importlib.import_module(f"{__name__}.{mod.name}")
            reg.update(getattr(module, "IMPORTERS", {}))
        _REGISTRY = reg
    return _REGISTRY


class Importable:
    """Adapter handed to ``db.store.record``: ``to_records(ctx)`` runs the item's importer."""

    __slots__ = ("item", "extra")

    def __init__(self, item: Any, **extra: Any) -> None:
        self.item = item
        self.extra = extra

    def to_records(self, ctx: Any) -> list[Any]:
        fn = None
        for cls in type(self.item).__mro__:
            fn = registry().get(cls)
            if fn:
                break
        if fn is None:
            raise TypeError(f"no importer for {type(self.item).__name__}")
        ctx.extra.update(self.extra)
        return list(fn(self.item, ctx))


def wrap(items: list[Any], **extra: Any) -> list[Any]:
    """Items -> objects ``db.store.record`` accepts (records pass through)."""
    return [it if hasattr(it, "to_records") or type(it).__name__ in ("EventRecord", "EntityRecord")
            else Importable(it, **extra) for it in items]
