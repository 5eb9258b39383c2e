"""Reading and answering conversations, with every decision asked of `auth.policy`.

Pages are opaque tokens. An inbox merges the caller's own threads with their team's, newest
first; the token remembers where each owner's list stopped.
"""

from __future__ import annotations

from typing import Any

from pynamodb.exceptions import DoesNotExist

from chalicelib import paging
from chalicelib.auth import policy
from chalicelib.auth.principal import Principal
from chalicelib.errors import BadRequest
from chalicelib.messaging import outbound, records
from chalicelib.phone import to_e164
from chalicelib.store.models import UNASSIGNED, Message, PhoneNumber, Thread

DEFAULT_LIMIT = 25
MAX_LIMIT = 100


def page_limit(raw: str | None) -> int:
    return paging.limit_of({"limit": raw} if raw is not None else None, DEFAULT_LIMIT, MAX_LIMIT)


def _thread_key(thread: Thread) -> dict[str, Any]:
    return {"thread_id": thread.thread_id, "owner": thread.owner, "last_activity_at": thread.last_activity_at}


def _threads_page(owners: list[str], limit: int, token: str | None) -> dict[str, Any]:
    cursors = paging.decode(token) or {}
    fetched: dict[str, list[Thread]] = {}
    for owner in owners:
        cursor = cursors.get(owner)
        if cursor == "done":
            continue
        start = {k: {"S": str(v)} for k, v in cursor.items()} if isinstance(cursor, dict) else None
        fetched[owner] = list(
            Thread.by_owner.query(owner, scan_index_forward=False, limit=limit, last_evaluated_key=start)
        )
    merged = sorted(
        (t for threads in fetched.values() for t in threads),
        key=lambda t: (t.last_activity_at, t.thread_id),
        reverse=True,
    )[:limit]
    state = dict(cursors)
    for owner, threads in fetched.items():
        taken = [t for t in threads if t in merged]
        if taken:
            state[owner] = _thread_key(taken[-1])
        if len(threads) < limit and len(taken) == len(threads):
            state[owner] = "done"
    more = any(state.get(owner) != "done" for owner in owners)
    return {"threads": [records.thread_json(t) for t in merged], "next": paging.encode(state) if more else None}


def inbox(who: Principal, limit: int, token: str | None) -> dict[str, Any]:
    return _threads_page(policy.inbox_owners(who), limit, token)


def unassigned(who: Principal, limit: int, token: str | None) -> dict[str, Any]:
    policy.require_unassigned_queue(who)
    return _threads_page([UNASSIGNED], limit, token)


def messages(who: Principal, thread_id: str, limit: int, token: str | None) -> dict[str, Any]:
    thread = records.get_thread(thread_id)
    policy.require_thread_read(who, thread.owner)
    start = paging.decode(token)
    if start is not None and not (isinstance(start, dict) and set(start) == {"message_key"}):
        raise BadRequest("next", "is not a page token this API issued")
    start_key = {"thread_id": {"S": thread_id}, "message_key": {"S": str(start["message_key"])}} if start else None
    results = Message.query(thread_id, scan_index_forward=True, limit=limit, last_evaluated_key=start_key)
    found = list(results)
    last = results.last_evaluated_key
    token_out = paging.encode({"message_key": last["message_key"]["S"]}) if last and len(found) == limit else None
    return {
        "thread": records.thread_json(thread),
        "messages": [records.message_json(m) for m in found],
        "next": token_out,
    }


def mark_read(who: Principal, thread_id: str) -> dict[str, Any]:
    """The thread's owner (or team) has seen it: no unread messages left."""
    thread = records.get_thread(thread_id)
    policy.require_thread_write(who, thread.owner)  # compliance only looks: reading leaves it unread
    if thread.unread:
        thread.update(actions=[Thread.unread.set(0)])
    return records.thread_json(thread)


def _text(body: dict[str, Any]) -> tuple[str, list[str] | None, str | None]:
    text = body.get("body", "")
    media = body.get("media_urls")
    key = body.get("idempotency_key")
    if media is not None and not isinstance(media, list):
        raise BadRequest("media_urls", "must be a list of URLs")
    if key is not None and (not isinstance(key, str) or not 0 < len(key) <= 128):
        raise BadRequest("idempotency_key", "must be a string of 1 to 128 characters")
    return text, media, key


def reply(who: Principal, thread_id: str, body: dict[str, Any]) -> dict[str, Any]:
    thread = records.get_thread(thread_id)
    policy.require_thread_write(who, thread.owner)
    text, media, key = _text(body)
    message = outbound.send(
        who.employee_id, thread.business_number, thread.customer_number, text, media, thread.thread_id, key
    )
    return records.message_json(message)


def start(who: Principal, body: dict[str, Any]) -> dict[str, Any]:
    """A new conversation from a number the caller holds (or an existing one, if the caller owns it)."""
    business = to_e164(body.get("from"), "from")
    customer = to_e164(body.get("to"), "to")
    try:
        number = PhoneNumber.get(business)
    except DoesNotExist as exc:
        raise BadRequest("from", f"{business} is not a number in the inventory") from exc
    policy.require_number_send(who, number.assignee if number.status == "assigned" else None)
    try:
        existing = Thread.get(records.thread_id_for(business, customer))
        policy.require_thread_write(who, existing.owner)
    except DoesNotExist:
        pass
    text, media, key = _text(body)
    return records.message_json(outbound.send(who.employee_id, business, customer, text, media, None, key))
