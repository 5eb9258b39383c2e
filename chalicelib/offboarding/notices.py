"""Notices of an offboarding: to each moved customer (optional) and to each successor.

Exactly once: a notice is claimed with a conditional write of its record before anything is
sent, the send carries an idempotency key derived from (run, thread), and the record is settled
(sent or skipped, with the run's counter) in one transaction. A redriven step finds the record
and sends nothing again; a step that died between claim and settle resends with the same key,
which the outbound path deduplicates.
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

from pynamodb.exceptions import DoesNotExist, PutError, TransactWriteError

from chalicelib import audit, ids
from chalicelib.carriers.http import CarrierError
from chalicelib.messaging import hours, outbound
from chalicelib.phone import mask
from chalicelib.store.base import refused_items, transaction
from chalicelib.store.models import Employee, Message, OffboardingRun, Team, Thread, parse_owner
from chalicelib.store.offboarding_models import OffboardingNotice

DEFAULT_MESSAGE = (
    "{leaver} has moved on. From now on {successor} will take care of you: just reply to this number as before."
)
OPTED_OUT = "opted_out"
NOT_MOVED = "thread not moved by this offboarding"
SEND_FAILED = "carrier refused the send"


def send(sender_id: str, thread: Thread, body: str, idempotency_key: str) -> Message:
    """Send from the thread's own business number through the messaging outbound path."""
    return outbound.send(
        sender_id,
        thread.business_number,
        thread.customer_number,
        body,
        thread_id=thread.thread_id,
        idempotency_key=idempotency_key,
    )


def closed_until(team_id: str | None) -> str | None:
    """While the team's business hours are closed: the next opening (UTC, whole seconds); else None."""
    schedule, _ = hours.schedule_for(None, team_id)
    opening = hours.next_opening(schedule, ids.now())
    # A schedule that never opens sends now rather than never.
    return opening.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if opening else None


def _names(owners: set[str]) -> dict[str, str]:
    names: dict[str, str] = {}
    for owner in owners:
        kind, ident = parse_owner(owner)
        try:
            names[owner] = (Employee.get(ident) if kind == "employee" else Team.get(ident)).name
        except DoesNotExist:
            names[owner] = "our team"
    return names


def _claim(run_id: str, key: str, recipient: str) -> bool:
    """True when this notice is ours to send: newly claimed, or claimed by an attempt that died."""
    marker = OffboardingNotice(run_id=run_id, notice_key=key, status="claimed", recipient=recipient, at=ids.iso())
    try:
        marker.save(condition=OffboardingNotice.notice_key.does_not_exist())
        return True
    except PutError:
        return OffboardingNotice.get(run_id, key, consistent_read=True).status == "claimed"


def _settle(
    run: OffboardingRun, key: str, status: str, reason: str | None = None, message_id: str | None = None
) -> None:
    counters = [OffboardingRun.updated_at.set(ids.iso())]
    if status == "sent":
        counters.append(OffboardingRun.customers_notified.add(1))
    else:
        counters += [
            OffboardingRun.customers_skipped.add(1),
            OffboardingRun.skipped_reasons[reason].set((OffboardingRun.skipped_reasons[reason] | 0) + 1),
        ]
    actions = [OffboardingNotice.status.set(status), OffboardingNotice.at.set(ids.iso())]
    actions += [OffboardingNotice.reason.set(reason)] if reason else []
    actions += [OffboardingNotice.message_id.set(message_id)] if message_id else []
    try:
        with transaction() as tx:
            tx.update(
                OffboardingNotice(run_id=run.run_id, notice_key=key),
                actions=actions,
                condition=OffboardingNotice.status == "claimed",
            )
            tx.update(OffboardingRun(run_id=run.run_id), actions=counters)
    except TransactWriteError as exc:
        if not refused_items(exc):
            raise  # otherwise an earlier attempt settled it: counted once already


def notify_customers(run: OffboardingRun, leaver: Employee, listed: list[dict[str, Any]], message: str | None) -> None:
    threads = {t.thread_id: t for t in Thread.batch_get([r["thread_id"] for r in listed])}
    names = _names({t.owner for t in threads.values()})
    for record in listed:
        key = f"customer#{record['thread_id']}"
        if not _claim(run.run_id, key, mask(record["customer_number"])):
            continue
        thread = threads.get(record["thread_id"])
        if thread is None or thread.moved_by_run != run.run_id:
            _settle(run, key, "skipped", NOT_MOVED)
            continue
        body = (message or DEFAULT_MESSAGE).format(leaver=leaver.name, successor=names[thread.owner])
        kind, ident = parse_owner(thread.owner)
        sender = ident if kind == "employee" and ident else run.created_by
        try:
            sent = send(sender, thread, body, f"offboarding:{run.run_id}:{thread.thread_id}")
        except outbound.OptedOut:
            _settle(run, key, "skipped", OPTED_OUT)
            continue
        except CarrierError:
            _settle(run, key, "skipped", SEND_FAILED)  # stored as failed; the idempotency key would not resend
            continue
        if sent.status == "failed":
            _settle(run, key, "skipped", SEND_FAILED, sent.message_id)
            continue
        _settle(run, key, "sent", message_id=sent.message_id)


def notify_successor(run: OffboardingRun, leaver: Employee, successor_id: str, threads: int) -> None:
    """A handover note, recorded once per (run, successor), counted, and audited."""
    detail = f"{threads} conversation(s) from {leaver.name} ({leaver.employee_id})"
    note = OffboardingNotice(
        run_id=run.run_id,
        notice_key=f"successor#{successor_id}",
        status="sent",
        recipient=successor_id,
        successor_id=successor_id,
        detail=detail,
        at=ids.iso(),
    )
    try:
        with transaction() as tx:
            tx.save(note, condition=OffboardingNotice.notice_key.does_not_exist())
            tx.update(OffboardingRun(run_id=run.run_id), actions=[OffboardingRun.successors_notified.add(1)])
    except TransactWriteError as exc:
        if not refused_items(exc):
            raise
        return  # an earlier attempt wrote it
    audit.record(
        f"offboarding:{run.run_id}", "offboarding.handover", "employee", successor_id, None, {"detail": detail}
    )


def skipped(run_id: str) -> list[dict[str, Any]]:
    found = OffboardingNotice.query(
        run_id,
        OffboardingNotice.notice_key.startswith("customer#"),
        filter_condition=OffboardingNotice.status == "skipped",
    )
    return [{"thread_id": n.notice_key.split("#", 1)[1], "customer": n.recipient, "reason": n.reason} for n in found]


def handovers(employee_id: str, limit: int = 20) -> list[dict[str, Any]]:
    """The handover notes an employee received, newest first: what their console shows them."""
    found = OffboardingNotice.by_successor.query(employee_id, scan_index_forward=False, limit=limit)
    return [{"run_id": n.run_id, "detail": n.detail, "at": n.at} for n in found]


def successors(run_id: str) -> list[dict[str, Any]]:
    found = OffboardingNotice.query(run_id, OffboardingNotice.notice_key.startswith("successor#"))
    return [{"employee_id": n.recipient, "detail": n.detail, "at": n.at} for n in found]
