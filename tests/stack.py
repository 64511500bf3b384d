"""Start the real processes (action server, Rasa server, hub under gunicorn) on free ports."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_http(url: str, timeout: float, proc: subprocess.Popen | None = None, log: Path | None = None) -> None:
    """Wait until ``url`` answers (any status), failing early if the process died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            tail = log.read_text(errors="replace")[-3000:] if log and log.exists() else ""
            raise RuntimeError(f"process for {url} exited with {proc.returncode}:\n{tail}")
        try:
            requests.get(url, timeout=2)
            return
        except requests.RequestException:
            time.sleep(0.5)
    tail = log.read_text(errors="replace")[-3000:] if log and log.exists() else ""
    raise TimeoutError(f"{url} did not come up in {timeout}s\n{tail}")


@dataclass
class Stack:
    """The three processes and how to reach them."""

    workdir: Path
    token: str = "e2e-token"
    ports: dict[str, int] = field(default_factory=dict)
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)
    extra_env: dict[str, str] = field(default_factory=dict)
    # every handoff the hub answered with, in order (tests/e2e/conftest.py checks each is complete)
    handoffs: list[dict] = field(default_factory=list)

    @property
    def hub(self) -> str:
        return f"http://127.0.0.1:{self.ports['hub']}"

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            {
                "PYTHONPATH": str(ROOT),
                "RASA_TELEMETRY_ENABLED": "false",
                "TF_CPP_MIN_LOG_LEVEL": "2",
                "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
                "HUB_API_TOKEN": self.token,
                "HUB_SECRET_KEY": "e2e-secret",
                "HUB_DATABASE_URL": f"sqlite:///{self.workdir / 'hub.db'}",
                "RASA_URL": f"http://127.0.0.1:{self.ports['rasa']}",
                "RASA_TIMEOUT": "20",
                "ACTION_SERVER_URL": f"http://127.0.0.1:{self.ports['actions']}/webhook",
                "RASA_TRACKER_DIALECT": "sqlite",
                "RASA_TRACKER_DB": str(self.workdir / "tracker.db"),
                "KB_INDEX_DIR": str(ROOT / "var" / "kb_index"),
            }
        )
        env.update(self.extra_env)
        return env

    def _spawn(self, name: str, cmd: list[str]) -> subprocess.Popen:
        log = open(self.workdir / f"{name}.log", "w")  # noqa: SIM115 - lives as long as the process
        proc = subprocess.Popen(cmd, cwd=ROOT, env=self.env(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.procs[name] = proc
        return proc

    def start_actions(self) -> None:
        self.ports.setdefault("actions", free_port())
        proc = self._spawn(
            "actions", [str(ROOT / ".venv/bin/python"), "-m", "rasa_sdk", "--actions", "bot.actions", "--port", str(self.ports["actions"])]
        )
        wait_http(f"http://127.0.0.1:{self.ports['actions']}/health", 60, proc, self.workdir / "actions.log")

    def start_rasa(self) -> None:
        self.ports.setdefault("rasa", free_port())
        proc = self._spawn(
            "rasa",
            [
                str(ROOT / ".venv-rasa/bin/rasa"), "run", "--enable-api", "--port", str(self.ports["rasa"]),
                "--interface", "127.0.0.1", "--model", str(ROOT / "models"),
                "--endpoints", "bot/endpoints.yml", "--credentials", "bot/credentials.yml",
            ],
        )
        wait_http(f"http://127.0.0.1:{self.ports['rasa']}/status", 240, proc, self.workdir / "rasa.log")

    def start_hub(self) -> None:
        self.ports.setdefault("hub", free_port())
        proc = self._spawn(
            "hub",
            [
                str(ROOT / ".venv/bin/gunicorn"), "--worker-class", "gthread", "--workers", "1", "--threads", "128",
                "--bind", f"127.0.0.1:{self.ports['hub']}", "--timeout", "60", "handoff:create_app()",
            ],
        )
        wait_http(f"{self.hub}/api/v1/health", 180, proc, self.workdir / "hub.log")
        deadline = time.monotonic() + 180
        while True:
            try:
                if requests.get(f"{self.hub}/api/v1/health", timeout=10).json().get("ready"):
                    break
            except requests.RequestException:
                pass  # busy loading on a loaded machine: ask again
            if time.monotonic() > deadline:
                raise TimeoutError("hub did not finish loading its language models and safety screen")
            time.sleep(0.5)

    def start(self) -> Stack:
        for name in ("actions", "rasa", "hub"):
            self.ports.setdefault(name, free_port())
        self.start_actions()
        self.start_rasa()
        self.start_hub()
        return self

    def stop(self, name: str) -> None:
        proc = self.procs.pop(name, None)
        if proc is None or proc.poll() is not None:
            return
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()

    def stop_all(self) -> None:
        for name in list(self.procs):
            self.stop(name)

    # -- API helpers -------------------------------------------------------------

    def new_conversation(self, locale: str = "en", country: str | None = None, channel: str = "in_app") -> str:
        creator = {"id": f"e2e-{time.monotonic_ns()}", "locale": locale}
        if country:
            creator["country"] = country
        res = requests.post(f"{self.hub}/api/v1/conversations", json={"channel": channel, "creator": creator},
                            headers=self.headers, timeout=10)
        res.raise_for_status()
        return str(res.json()["id"])

    def say(self, conversation_id: str, text: str) -> dict:
        res = requests.post(f"{self.hub}/api/v1/conversations/{conversation_id}/messages", json={"text": text},
                            headers=self.headers, timeout=60)
        res.raise_for_status()
        turn = dict(res.json())
        if turn.get("handoff"):
            self.handoffs.append(turn["handoff"])
        return turn

    def conversation(self, conversation_id: str) -> dict:
        res = requests.get(f"{self.hub}/api/v1/conversations/{conversation_id}", headers=self.headers, timeout=10)
        res.raise_for_status()
        return dict(res.json())


def python() -> str:
    return sys.executable
