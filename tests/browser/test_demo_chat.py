"""The demo chat page in Debian's Chromium, against the real hub, Rasa and action server."""

from __future__ import annotations

import pytest

from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser

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
    screenshot(page, "widget-en-handoff")
    page.close()


def test_arabic_renders_right_to_left_and_script_is_text(stack, browser):
    page = browser.new_page()
    page.goto(f"{stack.hub}/chat")
    page.locator(".msg.bot").first.wait_for(timeout=30000)  # the first (English) chat has greeted
    page.select_option("#locale", "ar")
    page.click("#new-chat")
    page.wait_for_function("document.documentElement.dir === 'rtl'", timeout=30000)
    page.locator(".msg.bot").first.wait_for(timeout=30000)  # greeting
    page.fill("#text", "<script>window.pwned=1</script> كيف أسحب أرباحي")
    page.press("#text", "Enter")
    page.locator(".msg.bot").nth(1).wait_for(timeout=30000)
    assert page.locator(".msg.bot").first.evaluate("e => getComputedStyle(e).direction") == "rtl"
    mine = page.locator(".msg.creator .text").last.inner_text()
    assert "<script>" in mine
    assert page.evaluate("window.pwned === undefined")
    screenshot(page, "widget-ar-rtl")
    page.close()
