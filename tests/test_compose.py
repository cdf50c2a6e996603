"""docker-compose.yml parsed and checked (no Docker engine here), and .env.example complete."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]


def _compose():
    return yaml.safe_load((REPO / "docker-compose.yml").read_text())


def test_services_and_dependencies():
    c = _compose()
    s = c["services"]
    assert {"db", "migrate", "scheduler", "mailpit"} <= set(s)
    assert "pg_isready -h 127.0.0.1" in " ".join(s["db"]["healthcheck"]["test"])
    assert s["migrate"]["depends_on"]["db"]["condition"] == "service_healthy"
    assert s["migrate"]["command"] == ["init"]
    assert s["scheduler"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert s["scheduler"]["command"] == ["schedule", "run"]
    ports = " ".join(s["mailpit"]["ports"])
    assert ":1025" in ports and ":8025" in ports
    for name in ("migrate", "scheduler"):
        env = s[name]["environment"]
        assert env["TRACKER_DATABASE_URL"].startswith("postgresql+psycopg://")
        assert "@db:5432/" in env["TRACKER_DATABASE_URL"]
        assert env["TRACKER_SMTP_HOST"].endswith("mailpit}")


def test_config_by_environment_only_and_env_example_lists_every_setting():
    from tracker.settings import Settings
    example = (REPO / ".env.example").read_text()
    listed = set(re.findall(r"^(TRACKER_[A-Z_]+)=", example, re.M))
    fields = {f"TRACKER_{name.upper()}" for name in Settings.model_fields}
    missing = fields - listed
    assert not missing, f".env.example lacks {sorted(missing)}"
    compose_text = (REPO / "docker-compose.yml").read_text()
    used = set(re.findall(r"\b(TRACKER_[A-Z_]+)\b", compose_text))
    assert used <= listed, f"compose uses settings missing from .env.example: {sorted(used - listed)}"


def test_compose_commands_are_real_cli_verbs(cli):
    c = _compose()
    for name, svc in c["services"].items():
        if svc.get("image", "").startswith("legislative-tracker"):
            verb = svc["command"][0]
            r = cli(verb, "--help")
            assert r.exit_code == 0, f"{name}: `tracker {verb}` does not exist"
