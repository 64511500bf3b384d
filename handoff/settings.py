"""Hub settings, read from the environment in this one place."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parent.parent


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


@dataclass
class HubSettings:
    """Everything the hub can be configured with (see README, "Configuration")."""

    database_url: str = f"sqlite:///{PROJECT_DIR / 'var' / 'hub.db'}"
    api_token: str = ""
    secret_key: str = ""
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_timeout: float = 15.0
    dev_mode: bool = False
    default_locale: str = "en"
    safety_oncall_webhook: str = ""
    safety_claim_timeout: float = 300.0
    webhook_secret: str = ""
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_starttls: bool = True
    smtp_ssl: bool = False
    smtp_username: str = ""
    smtp_password: str = ""
    email_from: str = "Creator Support <support@example.com>"
    ticket_callback_url: str = ""
    ticket_callback_token: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_env(cls) -> HubSettings:
        """Read ``HUB_*`` and ``RASA_URL`` variables."""
        env = os.environ
        dev = _bool(env.get("HUB_DEV_MODE"), False)
        return cls(
            database_url=env.get("HUB_DATABASE_URL", cls.database_url),
            api_token=env.get("HUB_API_TOKEN", ""),
            secret_key=env.get("HUB_SECRET_KEY", "") or secrets.token_hex(32),
            rasa_url=env.get("RASA_URL", cls.rasa_url).rstrip("/"),
            rasa_timeout=float(env.get("RASA_TIMEOUT", cls.rasa_timeout)),
            dev_mode=dev,
            default_locale=env.get("HUB_DEFAULT_LOCALE", "en"),
            safety_oncall_webhook=env.get("SAFETY_ONCALL_WEBHOOK", ""),
            safety_claim_timeout=float(env.get("SAFETY_CLAIM_TIMEOUT", "300")),
            webhook_secret=env.get("HUB_WEBHOOK_SECRET", ""),
            smtp_host=env.get("SMTP_HOST", ""),
            smtp_port=int(env.get("SMTP_PORT", "587")),
            smtp_starttls=_bool(env.get("SMTP_STARTTLS"), True),
            smtp_ssl=_bool(env.get("SMTP_SSL"), False),
            smtp_username=env.get("SMTP_USERNAME", ""),
            smtp_password=env.get("SMTP_PASSWORD", ""),
            email_from=env.get("HUB_EMAIL_FROM", cls.email_from),
            ticket_callback_url=env.get("TICKET_CALLBACK_URL", ""),
            ticket_callback_token=env.get("TICKET_CALLBACK_TOKEN", ""),
        )

    def as_flask_config(self) -> dict[str, Any]:
        """The mapping ``create_app`` loads into ``app.config``."""
        return {
            "DATABASE_URL": self.database_url,
            "HUB_API_TOKEN": self.api_token,
            "SECRET_KEY": self.secret_key,
            "RASA_URL": self.rasa_url,
            "RASA_TIMEOUT": self.rasa_timeout,
            "DEV_MODE": self.dev_mode,
            "DEFAULT_LOCALE": self.default_locale,
            "SAFETY_ONCALL_WEBHOOK": self.safety_oncall_webhook,
            "SAFETY_CLAIM_TIMEOUT": self.safety_claim_timeout,
            "HUB_WEBHOOK_SECRET": self.webhook_secret,
            "SMTP_HOST": self.smtp_host,
            "SMTP_PORT": self.smtp_port,
            "SMTP_STARTTLS": self.smtp_starttls,
            "SMTP_SSL": self.smtp_ssl,
            "SMTP_USERNAME": self.smtp_username,
            "SMTP_PASSWORD": self.smtp_password,
            "HUB_EMAIL_FROM": self.email_from,
            "TICKET_CALLBACK_URL": self.ticket_callback_url,
            "TICKET_CALLBACK_TOKEN": self.ticket_callback_token,
        }
