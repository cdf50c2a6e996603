"""Settings from the environment (prefix ``TRACKER_``); ``.env.example`` lists every one.

Secrets are ``SecretStr``: their repr is masked, so they never reach logs by accident.
"""

from __future__ import annotations

from functools import lru_cache

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TRACKER_", extra="ignore")

    database_url: str = "sqlite:///tracker.db"
    # Optional separate URL for analysts (a SELECT-only role on Postgres); `tracker sql` uses it.
    analyst_database_url: str | None = None
    sql_statement_timeout_ms: int = 30_000

    congress_api_key: SecretStr | None = None
    congress_api_hourly_budget: int = 4_500

    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    smtp_ssl: bool = False
    smtp_timeout: float = 30.0
    mail_from: str = "Legislative Tracker <tracker@localhost>"

    public_url: str = "http://127.0.0.1:8000"
    unsubscribe_secret: SecretStr = SecretStr("change-me")
    unsubscribe_mailto: str | None = None

    user_agent: str = "legislative-tracker/0.1 (+https://github.com/; contact: set TRACKER_USER_AGENT)"
    data_dir: str = "."
    schedule_file: str | None = None
    lock_file: str | None = None


@lru_cache(maxsize=1)
def _cached() -> Settings:
    return Settings()


def get_settings(fresh: bool = False) -> Settings:
    """Current settings; ``fresh=True`` re-reads the environment (tests, long-running processes)."""
    if fresh:
        _cached.cache_clear()
    return _cached()
