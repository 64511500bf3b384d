"""Hub benchmark: how fast a handoff reaches the console, a reply reaches the widget, and the inbox renders.

Runs the real processes (action server, Rasa, hub under gunicorn gthread) on
free ports, and clients that use the same HTTP and server-sent-events calls
as the console and the widget:

- handoff -> console: a creator asks for a person in the widget; time until
  the console's live event arrives, and until the inbox call lists it
  (what the console does on that event). Target <= 1 s.
- safety -> console: the same for a safety message (safety queue entry).
- reply -> widget: an associate replies; time until the creator's widget
  stream delivers it. Target <= 1 s.
- inbox: 50 associates logged in with their live inbox open, 500 open
  conversations; the inbox call's time, and the console page rendered in
  Chromium until every row is on screen. Target <= 300 ms.

    .venv/bin/python -m benchmarks.hub        (make bench runs it)

Figures go to var/bench/hub.json and a table.
"""

from __future__ import annotations

import json
import random
import re
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

from tests.stack import ROOT, Stack

PASSWORD = "benchmark-password-1"
ROUNDS = 20


def pct(values: list[float], q: float) -> float:
    """The q-th percentile (nearest rank) in milliseconds, from seconds."""
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))] * 1000, 1)


def summary(values: list[float]) -> dict[str, float]:
    return {"p50_ms": pct(values, 50), "p95_ms": pct(values, 95), "max_ms": round(max(values) * 1000, 1),
            "mean_ms": round(statistics.mean(values) * 1000, 1), "n": len(values)}


class EventStream:
    """A server-sent-events client on its own thread, recording when each event arrived."""

    def __init__(self, session: requests.Session, url: str, on_event: Callable[[dict[str, Any], float], None]):
        self.response = session.get(url, stream=True, timeout=(5, 120))
        self.on_event = on_event
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        buffer = ""
        try:
            for chunk in self.response.iter_content(chunk_size=None, decode_unicode=True):
                now = time.perf_counter()
                buffer += chunk
                while "\n\n" in buffer:
                    block, buffer = buffer.split("\n\n", 1)
                    data = [line[6:] for line in block.splitlines() if line.startswith("data: ")]
                    if data:
                        self.on_event(json.loads("\n".join(data)), now)
        except (requests.RequestException, AttributeError, ValueError):
            return  # closed

    def close(self) -> None:
        self.response.close()


def console_login(hub: str, username: str) -> tuple[requests.Session, str]:
    """A logged-in console session and its CSRF token."""
    s = requests.Session()
    page = s.get(f"{hub}/console/login", timeout=10).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    res = s.post(f"{hub}/console/login", data={"username": username, "password": PASSWORD, "csrf_token": token},
                 allow_redirects=False, timeout=10)
    res.raise_for_status()
    page = s.get(f"{hub}/console/", timeout=10).text
    return s, re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)  # type: ignore[union-attr]


class Waiter:
    """Collects (event, time) pairs and waits for one that matches."""

    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.seen: list[tuple[dict[str, Any], float]] = []

    def add(self, event: dict[str, Any], at: float) -> None:
        with self.cond:
            self.seen.append((event, at))
            self.cond.notify_all()

    def wait(self, match: Callable[[dict[str, Any]], bool], timeout: float = 30) -> float:
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for event, at in self.seen:
                    if match(event):
                        return at
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError("event did not arrive")
                self.cond.wait(left)


def handoff_and_reply(workdir: Path) -> dict[str, Any]:
    """Creator message -> console, and associate reply -> widget, over the real stack."""
    from handoff.accounts import create_associate
    from handoff.db import Database, migrate

    stack = Stack(workdir)
    db = Database(f"sqlite:///{workdir / 'hub.db'}")
    migrate(db.engine)
    create_associate(db, "lead", PASSWORD, "Lead", roles=["team_lead", "safety_specialist"], max_concurrent=500)
    try:
        stack.start()
        console, token = console_login(stack.hub, "lead")
        inbox = Waiter()
        stream = EventStream(console, f"{stack.hub}/console/api/events", inbox.add)
        time.sleep(0.5)
        # warm-up: the first turn loads models in Rasa and the action server
        warm = requests.Session()
        cid = warm.post(f"{stack.hub}/widget/api/conversations", json={"creator": {"locale": "en"}}, timeout=10).json()["id"]
        warm.post(f"{stack.hub}/widget/api/conversations/{cid}/messages", json={"text": "hi"}, timeout=60)
        to_event, to_listed, safety_event, reply = [], [], [], []
        for i in range(ROUNDS):
            for text, sink in (("I want to talk to a real person please", to_event),
                               ("i'm going to kill myself tonight" if i % 2 else "someone is threatening to leak my nudes unless i pay", safety_event)):
                creator = requests.Session()
                cid = creator.post(f"{stack.hub}/widget/api/conversations", json={"creator": {"locale": "en"}},
                                   timeout=10).json()["id"]
                start = time.perf_counter()
                creator.post(f"{stack.hub}/widget/api/conversations/{cid}/messages", json={"text": text}, timeout=60)
                arrived = inbox.wait(lambda e, c=cid: e.get("conversation_id") == c and e.get("state") == "queued")
                sink.append(arrived - start)
                if sink is to_event:
                    rows = console.get(f"{stack.hub}/console/api/inbox", timeout=10).json()["queued"]
                    listed = time.perf_counter()
                    assert any(r["id"] == cid for r in rows), "handoff not in the inbox"
                    to_listed.append(listed - start)
                    # the associate takes it and replies; the creator's widget stream delivers the reply
                    console.post(f"{stack.hub}/console/api/conversations/{cid}/claim", headers={"X-CSRF-Token": token},
                                 timeout=10).raise_for_status()
                    widget = Waiter()
                    live = EventStream(creator, f"{stack.hub}/widget/api/conversations/{cid}/events", widget.add)
                    widget.wait(lambda e: e.get("type") == "message")  # backlog caught up: the stream is open
                    start = time.perf_counter()
                    console.post(f"{stack.hub}/console/api/conversations/{cid}/reply", headers={"X-CSRF-Token": token},
                                 json={"text": f"Hi, this is Lead ({i})"}, timeout=10).raise_for_status()
                    got = widget.wait(lambda e, n=i: (e.get("message") or {}).get("text") == f"Hi, this is Lead ({n})")
                    reply.append(got - start)
                    live.close()
        stream.close()
    finally:
        stack.stop_all()
    return {"handoff_to_console_event": summary(to_event), "handoff_listed_in_inbox": summary(to_listed),
            "safety_to_console_event": summary(safety_event), "reply_to_widget": summary(reply)}


def seed(db_url: str, associates: int = 50, conversations: int = 500) -> None:
    """50 associates across queues and languages, 500 open conversations (400 waiting, 100 assigned)."""
    from handoff.accounts import create_associate
    from handoff.db import Database, migrate
    from handoff.models import Conversation, Message, utcnow

    db = Database(db_url)
    migrate(db.engine)
    rng = random.Random(7)
    languages = [["en"], ["fr"], ["ar"], ["en", "fr"], ["fr", "ar"], ["en", "ar"], ["en", "fr", "ar"]]
    names = []
    for i in range(associates):
        roles = ["safety_specialist"] if i % 10 == 0 else ["associate"]
        name = f"agent{i:02d}"
        create_associate(db, name, PASSWORD, f"Agent {i}", roles=roles, languages=rng.choice(languages), max_concurrent=8)
        names.append(name)
    create_associate(db, "lead", PASSWORD, "Lead", roles=["team_lead", "safety_specialist"])
    queues = ["general"] * 5 + ["account"] * 3 + ["payments"] * 3 + ["safety"]
    now = utcnow()
    import datetime as dt

    with db.session() as s:
        for i in range(conversations):
            queue = rng.choice(queues)
            language = rng.choice(["en", "en", "fr", "fr", "ar"])
            assigned = i < conversations // 5
            conv = Conversation(
                channel=rng.choice(["in_app", "live_chat", "email", "ticket"]), creator_id=f"creator-{i}",
                creator_handle=f"@creator{i}", state="assigned" if assigned else "queued", language=language,
                queue=queue, priority=100 if queue == "safety" else 20 if queue != "general" else 10,
                handoff_reason="safety" if queue == "safety" else rng.choice(["requested_by_creator", "not_resolved",
                                                                               "low_confidence", "account_action"]),
                assigned_to=names[i % associates] if assigned else None,
                queued_at=now - dt.timedelta(minutes=rng.randint(0, 300)),
                handoff={"summary": f"First question: my payout of {rng.randint(10, 900)} EUR never arrived "
                                    f"(conversation {i}) | details: method PayPal | articles: payout-missing (no)",
                         "details": {"amount": "120 EUR", "method": "PayPal"}, "articles_shown": [],
                         "safety": {"category": "harassment", "evidence": "..."} if queue == "safety" else None},
            )
            s.add(conv)
            s.flush()
            s.add(Message(conversation_id=conv.id, sender="creator", text="my payout never arrived", language=language))


def inbox_render(workdir: Path) -> dict[str, Any]:
    """The inbox with 50 associates online and 500 open conversations: API time and Chromium render time."""
    stack = Stack(workdir, ports={"rasa": 9, "actions": 9})  # no assistant needed: nothing talks to it here
    seed(f"sqlite:///{workdir / 'hub.db'}")
    streams = []
    try:
        stack.start_hub()
        for i in range(50):  # every associate's console is open: logged in, on shift, inbox stream live
            s, _ = console_login(stack.hub, f"agent{i:02d}")
            streams.append(EventStream(s, f"{stack.hub}/console/api/events", lambda e, t: None))
        lead, _ = console_login(stack.hub, "lead")
        api = []
        for _ in range(30):
            start = time.perf_counter()
            data = lead.get(f"{stack.hub}/console/api/inbox", timeout=10).json()
            api.append(time.perf_counter() - start)
        rows = len(data["queued"])
        render = browser_render(stack.hub, rows)
    finally:
        for st in streams:
            st.close()
        stack.stop_all()
    return {"associates_online": 50, "open_conversations": 500, "rows_shown": rows, "inbox_api": summary(api),
            "inbox_page_render": summary(render) if render else None}


def browser_render(hub: str, rows: int) -> list[float]:
    """Navigation start to every waiting row on screen, in Debian's Chromium (5 loads after a warm-up)."""
    from playwright.sync_api import sync_playwright

    times = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        page.goto(f"{hub}/console/login")
        page.fill("#username", "lead")
        page.fill("#password", PASSWORD)
        page.click("#login")
        page.wait_for_url("**/console/")
        for attempt in range(6):
            page.goto(f"{hub}/console/", wait_until="commit")
            handle = page.wait_for_function(
                f"() => document.querySelectorAll('#queued tr').length >= {rows} ? performance.now() : null",
                polling="raf", timeout=30000)
            if attempt:
                times.append(float(handle.json_value()) / 1000)
        browser.close()
    return times


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        a, b = Path(tmp) / "live", Path(tmp) / "inbox"
        a.mkdir()
        b.mkdir()
        report = {"live": handoff_and_reply(a), "inbox": inbox_render(b)}
    out = ROOT / "var" / "bench" / "hub.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=1))
    print(f"{'measure':<42}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}   target")
    targets = {"handoff_to_console_event": "<= 1000", "handoff_listed_in_inbox": "<= 1000",
               "safety_to_console_event": "<= 1000", "reply_to_widget": "<= 1000"}
    for name, fig in report["live"].items():
        print(f"{name:<42}{fig['p50_ms']:>9}{fig['p95_ms']:>9}{fig['max_ms']:>9}   {targets[name]}")
    inbox = report["inbox"]
    for name in ("inbox_api", "inbox_page_render"):
        fig = inbox[name]
        if fig:
            print(f"{name + ' (500 open, 50 online)':<42}{fig['p50_ms']:>9}{fig['p95_ms']:>9}{fig['max_ms']:>9}   <= 300")
    print(f"rows shown to the team lead: {inbox['rows_shown']}; written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
