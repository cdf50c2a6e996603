"""CLI verbs, one module per capability; each defines ``register(app: typer.Typer)``.

This is the application layer: it may import every package (see docs/architecture.md).
"""
