"""Conversations: the caller's inbox, a thread's messages, replies, new conversations, the unassigned queue."""

from __future__ import annotations

from typing import Any

from chalicelib.api.routing import Api, caller, json_body, keepline_auth
from chalicelib.messaging import threads

bp = Api(__name__)


def _query(name: str) -> str | None:
    return (bp.current_request.query_params or {}).get(name)


@bp.route("/threads", methods=["GET"], authorizer=keepline_auth)
def list_threads() -> dict[str, Any]:
    who = caller(bp.current_request)
    return threads.inbox(who, threads.page_limit(_query("limit")), _query("next"))


@bp.route("/threads/{thread_id}/messages", methods=["GET"], authorizer=keepline_auth)
def list_messages(thread_id: str) -> dict[str, Any]:
    who = caller(bp.current_request)
    return threads.messages(who, thread_id, threads.page_limit(_query("limit")), _query("next"))


@bp.route("/threads/{thread_id}/messages", methods=["POST"], authorizer=keepline_auth)
def reply(thread_id: str) -> dict[str, Any]:
    who = caller(bp.current_request)
    return threads.reply(who, thread_id, json_body(bp.current_request))


@bp.route("/threads/{thread_id}/read", methods=["POST"], authorizer=keepline_auth)
def mark_read(thread_id: str) -> dict[str, Any]:
    who = caller(bp.current_request)
    return threads.mark_read(who, thread_id)


@bp.route("/messages", methods=["POST"], authorizer=keepline_auth)
def start_conversation() -> dict[str, Any]:
    who = caller(bp.current_request)
    return threads.start(who, json_body(bp.current_request))


@bp.route("/unassigned", methods=["GET"], authorizer=keepline_auth)
def list_unassigned() -> dict[str, Any]:
    who = caller(bp.current_request)
    return threads.unassigned(who, threads.page_limit(_query("limit")), _query("next"))
