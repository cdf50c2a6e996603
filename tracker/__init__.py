"""The domain: identifiers, member resolution, the diff engine, digests and mail, CLI, HTTP API, demo."""

__version__ = "0.1.0"
