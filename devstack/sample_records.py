"""Conversation records written the way the messaging code writes them, for the archive's tests and
benchmarks: a message with its thread (no carrier, no webhook), and its later statuses."""

from __future__ import annotations

from chalicelib import ids
from chalicelib.archive import outbox
from chalicelib.store.models import Media, Message, StatusChange, Thread

BUSINESS = "+14155550101"  # Emma's demo number
CUSTOMER = "+12065550123"


def thread_of(customer: str = CUSTOMER, business: str = BUSINESS) -> str:
    return ids.stable_id("th", business, customer)


def store_message(
    body: str = "Hello, is my order ready?",
    customer: str = CUSTOMER,
    direction: str = "inbound",
    kind: str = "sms",
    media_urls: tuple[str, ...] = (),
    sender: str | None = None,
    owner: str | None = "employee#emma",
    statuses: tuple[str, ...] = (),
    nudge: bool = False,  # the stream triggers the archive; True also queues a nudge (reconciliation's path)
) -> Message:
    at = ids.iso()
    message_id = ids.new_id("msg")
    message = Message(
        thread_id=thread_of(customer),
        message_key=f"{at}#{message_id}",
        message_id=message_id,
        direction=direction,
        kind=kind,
        body=body,
        media=[Media(url=u, content_type="image/jpeg") for u in media_urls],
        business_number=BUSINESS,
        customer_number=customer,
        carrier="twilio",
        carrier_message_id=f"SM{message_id}",
        status=statuses[-1] if statuses else "received" if direction == "inbound" else "queued",
        status_history=[StatusChange(status=s, at=ids.iso()) for s in statuses],
        sender_employee_id=sender,
        owner_at_receipt=owner,
        call={"duration": 42, "outcome": "answered"} if kind in ("call", "voicemail") else None,
        created_at=at,
        pending_archive="1",
    )
    message.save()
    Thread(  # as the messaging code does, in the same transaction
        thread_id=message.thread_id,
        business_number=BUSINESS,
        customer_number=customer,
        owner=owner or "unassigned",
        last_activity_at=at,
        created_at=at,
    ).save()
    if nudge:
        nudge_message(message)
    return message


def nudge_message(message: Message, dedup: str | None = None) -> None:
    key = {"thread_id": message.thread_id, "message_key": message.message_key}
    outbox.nudge("message", key, message.thread_id, dedup or f"{message.message_id}-{ids.new_id('n')}")


def add_status(message: Message, status: str) -> Message:
    message.refresh()
    message.update(
        actions=[
            Message.status.set(status),
            Message.status_history.set([*(message.status_history or []), StatusChange(status=status, at=ids.iso())]),
            Message.pending_archive.set("1"),
        ]
    )  # as a status callback does: the stream takes a settled status to the archive
    return message
