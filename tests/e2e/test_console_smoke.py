"""The console loads, signs in with a pasted local token, shows who is signed in, and signs out."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.conftest import PHONE, shot


def test_console_loads_and_signs_in_with_a_local_token(browser, stack):
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(stack.url + "/")
    expect(page.get_by_role("heading", name="Sign in to Keepline")).to_be_visible()
    expect(page.get_by_text("python -m devstack token emma")).to_be_visible()
    shot(page, "01-sign-in")

    page.get_by_label("Bearer token").fill(stack.token("emma"))
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#who-name")).to_have_text("Emma Sales")
    expect(page.get_by_role("navigation", name="Sections").get_by_role("link")).to_have_text(["Inbox"])
    expect(page.get_by_role("heading", name="Inbox")).to_be_visible()
    # The token stays in this tab's session storage, not in the address bar.
    assert "token" not in page.url and "ey" not in page.url
    assert page.evaluate("sessionStorage.getItem('keepline.token')").count(".") == 2

    page.reload()
    expect(page.locator("#who-name")).to_have_text("Emma Sales")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in to Keepline")).to_be_visible()
    assert page.evaluate("sessionStorage.getItem('keepline.token')") is None
    assert errors == []
    page.close()


def test_a_bad_token_is_refused_with_a_message(browser, stack):
    page = browser.new_page()
    page.goto(stack.url + "/")
    page.get_by_label("Bearer token").fill("not-a-token")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("Sign in again")
    page.close()


def test_each_role_sees_its_sections(open_console):
    expected = {
        "ada": ["Inbox", "Admin"],
        "hal": ["Inbox", "HR"],
        "cora": ["Compliance"],
    }
    for person, sections in expected.items():
        page = open_console(person)
        expect(page.get_by_role("navigation", name="Sections").get_by_role("link")).to_have_text(sections)


def test_the_console_works_at_phone_width(open_console):
    page = open_console("emma", viewport=PHONE)
    expect(page.get_by_role("heading", name="Inbox")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page scrolls sideways at phone width ({width}px)"
    shot(page, "02-inbox-phone")
