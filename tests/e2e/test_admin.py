"""An admin adds a person, is told plainly when an address is taken, and gives the person a number."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.conftest import shot


def test_an_admin_adds_a_person_and_assigns_them_a_number(open_console):
    ada = open_console("ada", "admin")
    ada.get_by_role("navigation", name="Sections").get_by_role("link", name="Admin").click()
    expect(ada.get_by_role("heading", name="Admin")).to_be_visible()

    # People: a new colleague, then the same address again, refused and said why.
    ada.get_by_label("Id").fill("nia")
    ada.get_by_label("Name").fill("Nia New")
    ada.get_by_label("Email").fill("nia@example.com")
    ada.get_by_role("button", name="Add person").click()
    people = ada.get_by_role("table", name="People")
    expect(people).to_contain_text("Nia New")
    ada.get_by_label("Id").fill("nia2")
    ada.get_by_label("Name").fill("Nia Again")
    ada.get_by_label("Email").fill("nia@example.com")
    ada.get_by_role("button", name="Add person").click()
    expect(ada.get_by_role("alert")).to_contain_text("nia@example.com already belongs to")
    expect(people).not_to_contain_text("Nia Again")

    # Numbers: the spare one goes to Nia; the inventory and its history say so.
    ada.get_by_role("tab", name="Numbers").click()
    ada.get_by_role("button", name="+1 415 555 0106").click()
    expect(ada.get_by_role("heading", name="+1 415 555 0106")).to_be_focused()
    ada.get_by_label("Assign to").select_option(label="Nia New")
    ada.get_by_role("button", name="Assign").click()
    row = ada.get_by_role("table", name="Number inventory").get_by_role("row").filter(has_text="+1 415 555 0106")
    expect(row).to_contain_text("Nia New")
    expect(row).to_contain_text("assigned")
    ada.get_by_role("button", name="+1 415 555 0106").click()
    expect(ada.get_by_role("table", name="History")).to_contain_text("Nia New")
    shot(ada, "40-admin-number-assigned")
    assert ada.errors == []
