"""The story of the issue, through the console only: a customer texts Emma and she replies; HR
offboards Emma and Sam, her successor, sees the conversation; compliance exports it and the
bundle verifies.

It runs last in the e2e group (Emma is offboarded), on the one shared local stack.
"""

from __future__ import annotations

import re

from playwright.sync_api import expect

from chalicelib.archive import verify
from tests.e2e.conftest import PHONE, shot

EMMA_NUMBER = "+14155550101"
CUSTOMER = "+12065550177"
CUSTOMER_SHOWN = re.compile(re.escape("+1 206 555 0177"))


def test_a_customer_texts_emma_she_replies_hr_hands_her_over_and_compliance_exports_it(open_console, stack):
    # Emma has her inbox open; a customer texts her number; the thread appears without a reload.
    emma = open_console("emma")
    expect(emma.get_by_role("heading", name="Inbox")).to_be_visible()
    stack.text_in(EMMA_NUMBER, CUSTOMER, "Hi Emma, is the blue one still in stock?")
    thread = emma.get_by_role("link", name=CUSTOMER_SHOWN)
    expect(thread).to_be_visible(timeout=45_000)
    expect(thread).to_contain_text("1 unread")

    # Search by number finds it; a name that matches nobody hides it.
    search = emma.get_by_label("Search conversations")
    search.fill("nobody-by-this-name")
    expect(thread).to_be_hidden()
    search.fill("0177")
    expect(thread).to_be_visible()
    shot(emma, "10-inbox-new-message")

    # Keyboard only: focus the thread and open it with Enter.
    thread.focus()
    emma.keyboard.press("Enter")
    messages = emma.get_by_role("list", name="Messages")
    expect(messages).to_contain_text("is the blue one still in stock?")
    assert "0177" not in emma.url and "blue" not in emma.url  # only an opaque id in the address
    expect(thread).not_to_contain_text("unread")  # opened, so read

    # She replies; the carrier accepts it, then reports it delivered.
    emma.get_by_label("Reply").fill("Yes! I can hold it for you until Friday.")
    emma.get_by_role("button", name="Send").click()
    sent = messages.locator(".msg.outbound").last
    expect(sent).to_contain_text("hold it for you until Friday")
    expect(sent.locator(".status")).to_have_text(re.compile("sent|queued"))
    assert stack.twilio.deliver() == 1
    expect(sent.locator(".status")).to_have_text("delivered", timeout=45_000)
    shot(emma, "11-thread-reply-delivered")

    # At phone width the conversation is the whole screen, with a way back to the list.
    emma.set_viewport_size(PHONE)
    expect(emma.get_by_role("link", name="← All conversations")).to_be_visible()
    shot(emma, "12-thread-phone")

    # HR offboards Emma to Sam, after a preview of who receives what, and watches it finish.
    hal = open_console("hal")
    hal.get_by_role("navigation", name="Sections").get_by_role("link", name="HR").click()
    hal.get_by_label("Employee who is leaving").fill("emma")
    hal.get_by_label("Who receives their conversations").select_option("successor")
    hal.get_by_label("Successor").fill("sam")
    hal.get_by_role("button", name="Preview").click()
    preview = hal.locator("#preview")
    expect(preview).to_contain_text("Sam Sales")  # names, once the directory is readable
    expect(preview).to_contain_text("+1 415 555 0101")
    shot(hal, "20-hr-offboarding-preview")
    hal.get_by_role("button", name="Start offboarding").click()
    expect(hal.locator("#run")).to_contain_text("succeeded", timeout=90_000)
    expect(hal.locator("#progress")).to_contain_text("threads moved")
    expect(hal.locator("#report")).to_be_visible()
    shot(hal, "21-hr-offboarding-report")

    # Emma's access ends at once; Sam now has the conversation, with its whole history.
    emma.reload()
    expect(emma.get_by_role("heading", name="Sign in to Keepline")).to_be_visible()
    sam = open_console("sam")
    # He is told what he received and from whom.
    expect(sam.get_by_role("list", name="Handed over to you")).to_contain_text("from Emma")
    handed = sam.get_by_role("link", name=CUSTOMER_SHOWN)
    expect(handed).to_be_visible()
    handed.click()
    expect(sam.get_by_role("list", name="Messages")).to_contain_text("is the blue one still in stock?")
    expect(sam.get_by_role("list", name="Messages")).to_contain_text("hold it for you until Friday")
    shot(sam, "22-successor-thread")

    # Compliance finds the conversation in the archive, exports it, downloads the bundle; it verifies.
    cora = open_console("cora")
    cora.get_by_label("Text in messages").fill("blue one")
    cora.get_by_role("button", name="Search").click()
    expect(cora.locator("#search-results")).to_contain_text("is the blue one still in stock?")
    shot(cora, "30-compliance-search")
    cora.get_by_role("tab", name="Exports").click()
    cora.get_by_label("Customer number").fill(CUSTOMER)
    cora.get_by_role("button", name="Start export").click()
    download_link = cora.get_by_role("link", name="Download the bundle")
    expect(download_link).to_be_visible(timeout=90_000)
    expect(cora.locator("#export-status")).to_contain_text(re.compile(r"[1-9]\d* record"))
    shot(cora, "31-compliance-export-done")
    with cora.expect_download() as download:
        download_link.click()
    bundle = download.value.path().read_bytes()
    report = verify.verify_bundle(bundle, "console-export")
    assert report.ok, report.problems
    assert report.records >= 2  # the customer's text and Emma's reply, at least

    cora.get_by_role("tab", name="Verify").click()
    cora.get_by_role("button", name="Verify the archive").click()
    expect(cora.locator("#verify-result")).to_contain_text(re.compile("verified|problems found"), timeout=90_000)
    shot(cora, "32-compliance-verify")
