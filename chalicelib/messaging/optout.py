"""Consent per business number, per CTIA and the FCC's 2025 revocation rule.

Keywords are matched on the whole message, ignoring case and surrounding spaces. Every change
is recorded on the Contact with the message that caused it, and audited.
"""

from __future__ import annotations

from pynamodb.exceptions import DoesNotExist

from chalicelib import audit, ids
from chalicelib.phone import mask
from chalicelib.store.models import Contact, Message

STOP = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"})
START = frozenset({"START", "UNSTOP", "YES"})
HELP = frozenset({"HELP", "INFO"})


def keyword(body: str | None) -> str | None:
    """'stop', 'start', 'help' or None."""
    word = (body or "").strip().upper()
    if word in STOP:
        return "stop"
    if word in START:
        return "start"
    if word in HELP:
        return "help"
    return None


def is_opted_out(customer_number: str, business_number: str) -> bool:
    try:
        return Contact.get(customer_number, business_number).opted_out
    except DoesNotExist:
        return False


def record(message: Message, opted_out: bool) -> bool:
    """Set the contact's consent from `message`; False when it already was in that state."""
    at = ids.iso()
    contact = Contact(customer_number=message.customer_number, business_number=message.business_number, created_at=at)
    before = is_opted_out(message.customer_number, message.business_number)
    contact.update(
        actions=[
            Contact.opted_out.set(opted_out),
            Contact.consent_changed_at.set(at),
            Contact.consent_message_id.set(message.message_id),
            Contact.created_at.set(Contact.created_at | at),
        ]
    )
    audit.record(
        f"customer:{mask(message.customer_number)}",
        "contact.opted_out" if opted_out else "contact.opted_in",
        "contact",
        f"{message.customer_number}|{message.business_number}",
        {"opted_out": before},
        {"opted_out": opted_out, "message_id": message.message_id, "thread_id": message.thread_id},
    )
    return before != opted_out
