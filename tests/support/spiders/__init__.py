"""Test-only spiders (``SPIDER_MODULES = "tests.support.spiders"`` in a test's job settings)."""
