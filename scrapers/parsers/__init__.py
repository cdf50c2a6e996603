"""Pure parsers: ``parse(body: bytes, url: str | None) -> list[Item]``. No Scrapy, no DB, no network.

Every module here that defines ``KIND`` (a string), ``detect(body, url) -> bool`` and
``parse(body, url) -> list`` is a document kind ``tracker ingest`` and the store pipeline can read.
``PRIORITY`` (default 100, lower first) orders detection when several could match. Modules without
``KIND`` are helpers (e.g. navigation parsers used by spiders).
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Callable


@dataclass(frozen=True)
class Parser:
    kind: str
    module: ModuleType
    priority: int

    def detect(self, body: bytes, url: str | None) -> bool:
        try:
            return bool(self.module.detect(body, url))
        except Exception:
            return False

    @property
    def parse(self) -> Callable[[bytes, str | None], list[Any]]:
        return self.module.parse

    @property
    def name(self) -> str:
        return self.module.__name__


_PARSERS: list[Parser] | None = None


def registry() -> list[Parser]:
    """All parsers, in detection order."""
    global _PARSERS
    if _PARSERS is None:
        found: list[Parser] = []
        for mod in pkgutil.iter_modules(__path__):
            module = importlib.import_module(f"{__name__}.{mod.name}")
            kind = getattr(module, "KIND", None)
            if isinstance(kind, str) and hasattr(module, "parse") and hasattr(module, "detect"):
                found.append(Parser(kind, module, int(getattr(module, "PRIORITY", 100))))
        _PARSERS = sorted(found, key=lambda p: (p.priority, p.kind))
    return _PARSERS


def kinds() -> list[str]:
    return [p.kind for p in registry()]


def get(kind: str) -> Parser:
    for p in registry():
        if p.kind == kind:
            return p
    raise KeyError(f"unknown document kind {kind!r} (known: {', '.join(kinds()) or 'none'})")


def detect(body: bytes, url: str | None = None) -> Parser | None:
    for p in registry():
        if p.detect(body, url):
            return p
    return None
