"""Spiders: navigation only (which URLs, in what order, incremental cursors)."""
