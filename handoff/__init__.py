"""The hub: owner of conversations, queue, console, editor and dashboard."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Mapping
from typing import Any

from flask import Flask, redirect, url_for

from handoff.assistant import RasaClient
from handoff.conversations import ConversationService
from handoff.db import Database, migrate
from handoff.errors import register_error_handlers
from handoff.events import Broker
from handoff.language import shared_detector
from handoff.settings import HubSettings
from handoff.work import Work


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Application factory: settings from the environment, overridden by ``test_config``."""
    app = Flask(__name__)
    app.config.from_mapping(HubSettings.from_env().as_flask_config())
    if test_config:
        app.config.from_mapping(test_config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = secrets.token_hex(32)
    app.config.setdefault("PRELOAD_LANGUAGE_MODELS", True)
    from handoff.attachments import max_bytes

    # uploads larger than an image may be are refused before they are read (JSON 413)
    app.config.setdefault("MAX_CONTENT_LENGTH", max_bytes() + 256 * 1024)

    db = Database(app.config["DATABASE_URL"])
    migrate(db.engine)
    detector = app.config.get("LANGUAGE_DETECTOR") or shared_detector()
    rasa = RasaClient(app.config["RASA_URL"], float(app.config["RASA_TIMEOUT"]))
    app.extensions["db"] = db
    screen = app.config.get("SAFETY_SCREEN")
    background = None
    if screen is None:
        from handoff.safety.loading import BackgroundScreen
        from handoff.safety.screen import default_screen

        # the encoder and exemplar classifier take seconds: load them with the language models
        screen = background = BackgroundScreen(default_screen)
    broker = Broker()
    app.extensions["broker"] = broker
    app.extensions["conversations"] = ConversationService(
        db, rasa, detector, default_locale=app.config.get("DEFAULT_LOCALE", "en"), screen=screen, broker=broker
    )
    app.extensions["work"] = Work(db, broker)
    ready = threading.Event()
    app.extensions["ready"] = ready
    if app.config["PRELOAD_LANGUAGE_MODELS"]:
        # lingua's models and the safety screen take seconds to load: now, not on a creator's first message
        def _preload() -> None:
            if background is not None:
                background.load()
            detector.preload()
            ready.set()

        threading.Thread(target=_preload, name="hub-preload", daemon=True).start()
    else:
        if background is not None:
            background.start()
        ready.set()

    if app.config.get("SAFETY_ONCALL_WEBHOOK"):
        from handoff.safety.oncall import OnCallAlerter, webhook_sender

        app.extensions["oncall"] = OnCallAlerter(
            db, webhook_sender(app.config["SAFETY_ONCALL_WEBHOOK"]), float(app.config["SAFETY_CLAIM_TIMEOUT"]),
            poll=min(15.0, float(app.config["SAFETY_CLAIM_TIMEOUT"]) / 4),
        ).start()

    if app.config.get("SMTP_HOST") or app.config.get("TICKET_CALLBACK_URL"):
        from handoff.channels.outbound import OutboundDelivery, SmtpSettings, TicketSettings

        smtp = SmtpSettings(
            host=app.config["SMTP_HOST"], port=int(app.config["SMTP_PORT"]), starttls=bool(app.config["SMTP_STARTTLS"]),
            use_ssl=bool(app.config["SMTP_SSL"]), username=app.config["SMTP_USERNAME"],
            password=app.config["SMTP_PASSWORD"], sender=app.config["HUB_EMAIL_FROM"],
        ) if app.config.get("SMTP_HOST") else None
        tickets = TicketSettings(
            app.config["TICKET_CALLBACK_URL"], app.config.get("TICKET_CALLBACK_TOKEN", ""),
            attempts=int(app.config.get("TICKET_CALLBACK_ATTEMPTS", 5)),
            backoff=float(app.config.get("TICKET_CALLBACK_BACKOFF", 0.5)),
        ) if app.config.get("TICKET_CALLBACK_URL") else None
        app.extensions["outbound"] = OutboundDelivery(db, broker, smtp, tickets).start()

    register_error_handlers(app)

    from handoff.api.conversations import bp as api_bp
    from handoff.channels.widget import bp as widget_bp
    from handoff.console.views import bp as console_bp

    app.register_blueprint(api_bp)
    app.register_blueprint(widget_bp)
    app.register_blueprint(console_bp)
    from handoff.channels.inbound import bp as channels_bp

    app.register_blueprint(channels_bp)

    @app.get("/favicon.ico")
    def favicon():  # type: ignore[no-untyped-def]
        """No icon; answer quickly instead of a 404 in every browser console."""
        return "", 204

    @app.get("/")
    def index():  # type: ignore[no-untyped-def]
        """The hub's front page: the demo chat for now."""
        return redirect(url_for("widget.chat_page"))

    return app
