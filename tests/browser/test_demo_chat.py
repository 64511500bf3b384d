"""The demo chat page in Debian's Chromium, against the real hub, Rasa and action server."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run"],
        )
        yield b
        b.close()


def test_ask_a_question_then_a_person(stack, browser):
    page = browser.new_page()
    page.goto(f"{stack.hub}/chat")
    page.locator(".msg.bot").first.wait_for(timeout=30000)  # greeting
    page.fill("#text", "how do i withdraw my earnings")
    page.press("#text", "Enter")
    answer = page.locator(".msg.bot .article")
    answer.first.wait_for(timeout=30000)
    assert "withdraw-earnings" in answer.first.inner_text()
    assert page.locator(".quick-replies button").count() >= 2
    page.fill("#text", "I want to talk to a human")
    page.press("#text", "Enter")
    page.locator(".msg.system").last.wait_for(timeout=30000)
    assert "support team" in page.locator(".msg.system").last.inner_text()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "demo-chat-en.png"), full_page=True)
    page.close()


def test_arabic_renders_right_to_left_and_script_is_text(stack, browser):
    page = browser.new_page()
    page.goto(f"{stack.hub}/chat")
    page.select_option("#locale", "ar")
    page.click("#new-chat")
    page.wait_for_function("document.documentElement.dir === 'rtl'", timeout=30000)
    page.fill("#text", "<script>window.pwned=1</script> كيف أسحب أرباحي")
    page.press("#text", "Enter")
    page.locator(".msg.bot .article").first.wait_for(timeout=30000)
    mine = page.locator(".msg.creator .text").last.inner_text()
    assert "<script>" in mine
    assert page.evaluate("window.pwned === undefined")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "demo-chat-ar.png"), full_page=True)
    page.close()
