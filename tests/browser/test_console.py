"""A warm handoff seen from both sides, in Chromium against the real hub and bot."""

from __future__ import annotations

import pytest

from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser
PASSWORD = "browser-test-password"


@pytest.fixture(scope="module")
def associate(stack):  # type: ignore[no-untyped-def]
    from handoff.accounts import create_associate
    from handoff.db import Database

    db = Database(f"sqlite:///{stack.workdir / 'hub.db'}")
    create_associate(db, "nadia", PASSWORD, "Nadia", roles=["associate"], languages=["en", "fr", "ar"])
    return "nadia"


def creator_asks_for_a_person(browser, hub: str, first_message: str):  # type: ignore[no-untyped-def]
    """A creator opens the widget, writes ``first_message``, then asks for a person."""
    creator = browser.new_page()
    creator.goto(f"{hub}/chat")
    creator.locator(".msg.bot").first.wait_for(timeout=30000)
    creator.fill("#text", first_message)
    creator.press("#text", "Enter")
    creator.locator(".msg.bot").nth(1).wait_for(timeout=30000)
    creator.fill("#text", "I want to talk to a human")
    creator.press("#text", "Enter")
    creator.locator(".msg.system").last.wait_for(timeout=30000)
    return creator


def associate_logs_in(browser, hub: str, username: str):  # type: ignore[no-untyped-def]
    """An associate logs in to the console and lands on the inbox."""
    agent = browser.new_page()
    agent.goto(f"{hub}/console/login")
    agent.fill("#username", username)
    agent.fill("#password", PASSWORD)
    agent.click("#login")
    agent.wait_for_url("**/console/")
    return agent


def test_creator_hands_off_and_associate_replies_live(stack, browser, associate):
    creator = creator_asks_for_a_person(browser, stack.hub, "my withdrawal from 3 weeks ago never arrived")
    agent = associate_logs_in(browser, stack.hub, associate)
    row = agent.locator("#queued tr").first
    row.wait_for(timeout=30000)
    screenshot(agent, "console-inbox")
    agent.keyboard.press("n")  # take the most urgent conversation
    agent.wait_for_url("**/console/c/*")
    agent.locator("#context dl").first.wait_for(timeout=10000)
    context = agent.inner_text("#context")
    assert "requested_by_creator" in context
    assert "withdrawal" in context  # the creator's first question is in the summary
    agent.locator("#transcript .msg.creator").first.wait_for()
    agent.keyboard.press("r")
    agent.keyboard.type("Hi, I'm Nadia - I'm looking at your withdrawal now.")
    agent.keyboard.press("Control+Enter")
    creator.locator(".msg.associate:not(.typing)").first.wait_for(timeout=5000)  # pushed live, no reload
    assert "Nadia" in creator.locator(".msg.associate:not(.typing)").first.inner_text()
    screenshot(agent, "console-conversation")
    screenshot(creator, "widget-associate-reply")
    agent.close()
    creator.close()


def test_script_from_a_creator_is_text_in_the_console(stack, browser, associate):
    creator = creator_asks_for_a_person(browser, stack.hub, "<img src=x onerror=window.pwned=1> hello")
    agent = associate_logs_in(browser, stack.hub, associate)
    agent.locator("#queued tr").first.wait_for(timeout=30000)
    agent.locator("#queued tr button").last.click()  # the newest waiting conversation is this one
    agent.wait_for_url("**/console/c/*")
    shown = agent.locator("#transcript .msg.creator .text", has_text="<img src=x")
    shown.first.wait_for()
    assert shown.count() == 1
    assert agent.evaluate("window.pwned === undefined")
    agent.close()
    creator.close()


def test_screenshot_and_typing_reach_the_other_side(stack, browser, associate):
    from tests.unit.test_attachments import png

    creator = creator_asks_for_a_person(browser, stack.hub, "my payout says failed, I have a screenshot")
    creator.fill("#text", "this is what the app shows")
    creator.set_input_files("#file", files=[{"name": "payout.png", "mimeType": "image/png", "buffer": png(40, 30)}])
    creator.locator(".msg.creator .image img").first.wait_for(timeout=10000)
    agent = associate_logs_in(browser, stack.hub, associate)
    agent.locator("#queued tr").first.wait_for(timeout=30000)
    agent.keyboard.press("n")
    agent.wait_for_url("**/console/c/*")
    image = agent.locator("#transcript .attachment img").first
    image.wait_for(timeout=10000)
    # the image really loaded through the console's access-checked URL (not a broken icon)
    agent.wait_for_function("() => { const i = document.querySelector('#transcript .attachment img');"
                            " return i && i.complete && i.naturalWidth === 40; }", timeout=10000)
    assert "this is what the app shows" in agent.inner_text("#transcript")
    agent.click("#reply")
    agent.keyboard.type("Thanks, checking")
    creator.locator(".msg.typing.associate").wait_for(timeout=5000)  # "Support is typing"
    creator.fill("#text", "ok")  # and the associate sees the creator typing
    creator.type("#text", " thanks")
    agent.locator("#typing-line").wait_for(state="visible", timeout=5000)
    agent.keyboard.press("Control+Enter")
    creator.locator(".msg.associate:not(.typing)").first.wait_for(timeout=5000)
    assert creator.locator(".msg.typing").count() == 0
    screenshot(agent, "console-attachment")
    screenshot(creator, "widget-attachment")
    agent.close()
    creator.close()


def test_safety_specialist_console_alerts_at_once(stack, browser):
    from handoff.accounts import create_associate
    from handoff.db import Database

    db = Database(f"sqlite:///{stack.workdir / 'hub.db'}")
    create_associate(db, "sara", PASSWORD, "Sara", roles=["safety_specialist"], languages=["en", "fr"])
    specialist = associate_logs_in(browser, stack.hub, "sara")
    specialist.wait_for_selector('body[data-live="1"]', timeout=10000)  # the live stream is open
    assert specialist.locator("#safety-alert").is_hidden()
    cid = stack.new_conversation(locale="fr", country="FR")
    stack.say(cid, "bonjour")
    assert specialist.locator("#safety-alert").is_hidden()  # ordinary talk does not alert
    stack.say(cid, "jvais me foutre en l'air ce soir")
    specialist.locator("#safety-alert").wait_for(state="visible", timeout=3000)
    assert specialist.evaluate("window.__safetyAlerts") == 1
    assert specialist.get_attribute("#safety-alert a", "href") == f"/console/c/{cid}"
    screenshot(specialist, "console-safety-alert")
    specialist.click("#safety-alert a")  # straight to it: take it and close it (the queue is left as found)
    specialist.wait_for_url(f"**/console/c/{cid}")
    specialist.click("#claim")
    specialist.locator("#resolve:enabled").wait_for(timeout=10000)
    specialist.select_option("#code", "escalated_externally")
    specialist.click("#resolve")
    specialist.wait_for_url("**/console/")
    assert stack.conversation(cid)["state"] == "closed"
    specialist.close()


def test_my_other_conversations_light_up_when_their_creator_writes(stack, browser):
    from handoff.accounts import create_associate
    from handoff.db import Database

    db = Database(f"sqlite:///{stack.workdir / 'hub.db'}")
    create_associate(db, "omar", PASSWORD, "Omar", roles=["associate"], languages=["en", "fr"])
    first, second = stack.new_conversation(), stack.new_conversation()
    for cid in (first, second):
        assert stack.say(cid, "I want to talk to a human")["state"] == "queued"
    agent = associate_logs_in(browser, stack.hub, "omar")
    token = agent.get_attribute('meta[name="csrf-token"]', "content")
    for cid in (first, second):
        res = agent.request.post(f"{stack.hub}/console/api/conversations/{cid}/claim", headers={"X-CSRF-Token": token})
        assert res.ok, res.text()
    agent.goto(f"{stack.hub}/console/c/{first}")
    rail = agent.locator(f'#rail a[href="/console/c/{second}"]')
    rail.wait_for(timeout=10000)
    assert "unread" not in (rail.get_attribute("class") or "")
    agent.wait_for_selector('body[data-live="1"]', timeout=10000)
    stack.say(second, "hello?? anyone")
    agent.wait_for_selector(f'#rail a.unread[href="/console/c/{second}"]', timeout=3000)
    screenshot(agent, "console-rail-unread")
    agent.keyboard.press("j")  # to my next conversation
    agent.wait_for_url(f"**/console/c/{second}")
    agent.locator(f'#rail a.current[href="/console/c/{second}"]').wait_for(timeout=10000)
    assert "unread" not in (agent.get_attribute(f'#rail a[href="/console/c/{second}"]', "class") or "")
    agent.close()
