"""``tracker demo``: the end-to-end run on bundled sample data (see tracker/demo.py)."""

from __future__ import annotations

from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    @app.command("demo", epilog="Example: tracker demo --out tracker-demo")
    def demo_cmd(out: Path = typer.Option(Path("tracker-demo"), "--out", help="folder for the demo store and digest")) -> None:
        """Run the whole tracker offline on bundled sample data: real spiders (replayed from an HTTP
        cache), the store, the diff engine and a digest for a sample recipient. No network, no key."""
        from rich.console import Console
        from tracker.demo import RECIPIENT, run_demo
        console = Console(highlight=False)
        with console.status("starting", spinner="dots") as status:
            def progress(msg: str) -> None:
                status.update(msg.strip())
                console.print(("  " if msg.startswith("  ") else "- ") + msg.strip())
            res = run_demo(out, progress)
        failed = [r for r in res.runs if r.status not in ("ok", "degraded")]
        console.print()
        console.print(f"[bold]Done in {res.seconds:.0f} s.[/bold] Store: {res.out / 'tracker.db'}")
        console.print("Events: " + ", ".join(f"{n} {k}" for k, n in res.events.items()))
        if res.eml:
            console.print(f"Digest for {RECIPIENT}: [bold]{res.subject}[/bold]")
            console.print(f"  {res.eml}  (the exact message)")
            console.print(f"  {res.html}  (open it in a browser)")
        else:
            console.print("[red]No digest was built (nothing matched the sample subscription).[/red]")
        db = f"TRACKER_DATABASE_URL=sqlite:///{res.out / 'tracker.db'}"
        console.print("\nNext:")
        console.print(f"  {db} tracker events --bill hr1-119")
        console.print(f"  {db} tracker diff hr1-119:eh hr1-119:eas")
        console.print(f"  {db} tracker bill hr1-119")
        console.print(f"  {db} tracker serve    # then http://127.0.0.1:8000/docs")
        for r in failed:
            console.print(f"[red]{r.line()}[/red]")
        if failed or not res.eml:
            raise typer.Exit(1)
