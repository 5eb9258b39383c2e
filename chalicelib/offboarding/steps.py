"""The steps of an offboarding, each one a Step Functions task and each one idempotent.

Every step takes the run id and reads what it needs from the run record, so the state payload
stays a few hundred bytes whatever the leaver owned. Paged steps keep their cursor on the run
(or, for threads, need none: "the first page still owned by the leaver" is the cursor), and
answer `{"more": bool}` for the state machine's Choice to loop on.

Counts are exact: each increment is written in the same DynamoDB transaction as the work it
counts, so a step interrupted at any point and run again neither loses nor doubles a count.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from pynamodb.exceptions import TransactWriteError

from chalicelib import audit, ids, numbers
from chalicelib.errors import Conflict
from chalicelib.observability import logger, metrics
from chalicelib.offboarding import archive, notices, policies, read_archived, runs
from chalicelib.settings import get_settings
from chalicelib.store.base import refused_items, transaction
from chalicelib.store.models import AuditEvent, Employee, OffboardingRun, Thread, employee_owner, parse_owner

DONE: dict[str, Any] = {"more": False, "wait_until": None}
MORE: dict[str, Any] = {"more": True, "wait_until": None}
TRANSACTION_ITEMS = 25  # DynamoDB allows 100, the emulator 25: the counters, the audit event, 23 threads
HR = frozenset({"hr"})


def actor_id(run_id: str) -> str:
    return f"offboarding:{run_id}"


def _key(run: OffboardingRun) -> OffboardingRun:
    """A keys-only handle, for updates inside transactions."""
    return OffboardingRun(run_id=run.run_id)


def _progress(run: OffboardingRun, step: str, **values: Any) -> None:
    progress = dict(run.progress or {})
    progress[step] = {**progress.get(step, {}), **values}
    run.update(actions=[OffboardingRun.progress.set(progress), OffboardingRun.updated_at.set(ids.iso())])


def _complete(run: OffboardingRun, step: str) -> None:
    run.update(actions=[OffboardingRun.completed.add({step}), OffboardingRun.updated_at.set(ids.iso())])


def _begin(run_id: str, step: str) -> OffboardingRun:
    run = runs.get(run_id)
    if run.step != step:
        run.update(actions=[OffboardingRun.step.set(step), OffboardingRun.updated_at.set(ids.iso())])
    return run


# --- lock ----------------------------------------------------------------------------------------


def lock(run_id: str) -> dict[str, Any]:
    """Status offboarding (access revoked), numbers locked, the plan resolved. Safe to repeat."""
    run = _begin(run_id, "lock")
    leaver = Employee.get(run.employee_id, consistent_read=True)
    if leaver.offboarding_run_id != run.run_id:
        raise Conflict(f"{leaver.employee_id} is reserved by offboarding {leaver.offboarding_run_id}")
    if leaver.status == "active":
        leaver.update(
            actions=[Employee.status.set("offboarding"), Employee.updated_at.set(ids.iso())],
            condition=Employee.offboarding_run_id == run.run_id,
        )
        audit.record(
            actor_id(run_id), "employee.access_revoked", "employee", leaver.employee_id, "active", "offboarding"
        )
    owner = employee_owner(leaver.employee_id)
    numbers.set_locked(owner, True)
    if run.plan is None:
        plan = policies.make_plan(run.request, leaver)
        plan["numbers"] = sorted(n.e164 for n in numbers.held_by(owner))
        run.update(actions=[OffboardingRun.plan.set(plan), OffboardingRun.status.set("running")])
    return DONE


# --- snapshot ------------------------------------------------------------------------------------


def _thread_record(thread: Thread) -> dict[str, Any]:
    return {
        "thread_id": thread.thread_id,
        "business_number": thread.business_number,
        "customer_number": thread.customer_number,
        "owner": thread.owner,
        "last_activity_at": thread.last_activity_at,
        "created_at": thread.created_at,
    }


def snapshot(run_id: str) -> dict[str, Any]:
    """A manifest of everything the leaver owns, archived in parts before anything moves."""
    run = _begin(run_id, "snapshot")
    if "snapshot" in (run.completed or set()):
        return DONE
    state = (run.progress or {}).get("snapshot", {"part": 0, "cursor": None, "keys": []})
    part, keys = state["part"], list(state.get("keys", []))
    if part == 0:
        leaver = Employee.get(run.employee_id)
        held = [numbers.snapshot(numbers.get(e164)) for e164 in run.plan["numbers"]]
        manifest = {"employee": _employee_record(leaver), "numbers": held, "request": run.request}
        _progress(run, "snapshot", employee_key=archive(run_id, "manifest-employee", manifest, run.employee_id))
    page = Thread.by_owner.query(
        run.plan["owner"], limit=get_settings().offboarding_snapshot_page, last_evaluated_key=state["cursor"]
    )
    threads = [_thread_record(t) for t in page]
    cursor = page.last_evaluated_key
    if threads:
        keys.append(archive(run_id, f"manifest-threads-{part:05d}", threads, run.employee_id))
        part += 1
    _progress(run, "snapshot", part=part, keys=keys, cursor=cursor, threads=state.get("threads", 0) + len(threads))
    if cursor:
        return MORE
    _complete(run, "snapshot")
    return DONE


def _employee_record(person: Employee) -> dict[str, Any]:
    return {
        "employee_id": person.employee_id,
        "name": person.name,
        "email": person.email,
        "team_id": person.team_id,
        "manager_id": person.manager_id,
        "roles": sorted(person.roles or []),
        "status": person.status,
    }


# --- threads -------------------------------------------------------------------------------------


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _commit_moves(run: OffboardingRun, leaver_owner: str, moves: list[tuple[Thread, str]]) -> list[tuple[str, str]]:
    """Move threads still owned by the leaver, with the run's counters, in one transaction.

    When a thread changed owner meanwhile (someone moved it by hand, or this page was already
    committed by an earlier attempt), the batch is retried one thread at a time and that thread
    is left alone. Returns the (thread id, new owner) pairs that moved.
    """
    at = ids.iso()
    received: dict[str, int] = {}
    for _, owner in moves:
        received[owner] = received.get(owner, 0) + 1
    try:
        with transaction() as tx:
            for thread, owner in moves:
                tx.update(
                    Thread(thread_id=thread.thread_id),
                    actions=[
                        Thread.owner.set(owner),
                        Thread.previous_owner.set(leaver_owner),
                        Thread.moved_by_run.set(run.run_id),
                        Thread.owner_since.set(at),
                    ],
                    condition=Thread.owner == leaver_owner,
                )
            counters = [OffboardingRun.threads_moved.add(len(moves)), OffboardingRun.updated_at.set(at)]
            counters += [
                OffboardingRun.moved_to[o].set((OffboardingRun.moved_to[o] | 0) + n) for o, n in received.items()
            ]
            tx.update(_key(run), actions=counters)
            event = _moves_audited(run.run_id, leaver_owner, moves, at)
            tx.save(event)
    except TransactWriteError as exc:
        if not refused_items(exc):
            raise
        if len(moves) == 1:
            return []
        return [moved for move in moves for moved in _commit_moves(run, leaver_owner, [move])]
    return [(thread.thread_id, owner) for thread, owner in moves]


def _moves_audited(run_id: str, leaver_owner: str, moves: list[tuple[Thread, str]], at: str) -> AuditEvent:
    """The audit event of a batch of moves, written in the moves' own transaction so neither exists alone."""
    return audit.event(
        actor_id(run_id),
        "offboarding.threads_moved",
        "offboarding",
        run_id,
        before={"owner": leaver_owner},
        after={"threads": {thread.thread_id: owner for thread, owner in moves}},
        actor_roles=set(HR),
        at=at,
    )


def move_threads(run_id: str) -> dict[str, Any]:
    """Move one page of the threads the leaver still owns; more pages, or threads created meanwhile, loop."""
    run = _begin(run_id, "threads")
    plan = run.plan
    size = get_settings().offboarding_page_size
    page = list(Thread.by_owner.query(plan["owner"], limit=size))
    if not page:
        return DONE
    received = runs.tally(run.moved_to)
    chooser = policies.Chooser.for_page(run.request, plan, int(run.threads_moved or 0), received)
    moves = [(t, chooser.choose(t.business_number, t.customer_number)) for t in page]
    for chunk in _chunks(moves, TRANSACTION_ITEMS - 2):
        _commit_moves(run, plan["owner"], chunk)
    return MORE if len(page) == size else DONE


# --- numbers -------------------------------------------------------------------------------------


def _handled_by_run(e164: str, run_id: str) -> str | None:
    """What this run last did to the number (its history names the run as the actor), if anything."""
    last = numbers.history(e164)[-1]
    return last.action if last.actor_id == actor_id(run_id) else None


def move_numbers(run_id: str) -> dict[str, Any]:
    """Each number the leaver held: to the successor, back to the pool, or into quarantine."""
    run = _begin(run_id, "numbers")
    policy = run.request["numbers"]
    done: dict[str, str] = dict((run.progress or {}).get("numbers", {}))
    actor = numbers.Actor(actor_id(run_id), HR)
    reason = f"offboarding {run_id}"
    active = policies.active_among(policies.candidates(run.request))
    for e164 in run.plan["numbers"]:
        if e164 in done:
            continue
        number = numbers.get(e164)
        if number.assignee == run.plan["owner"]:
            days = policy.get("days", 0) if policy["policy"] == "quarantine" else 0
            number = numbers.unassign(e164, actor, quarantine_days=days, reason=reason)
        last = _handled_by_run(e164, run_id)
        if last is None:
            outcome = f"left alone: now {number.status} {number.assignee or ''}".strip()
        elif policy["policy"] == "successor" and last == "unassigned":
            target = policies.number_target(run.request, run.plan, e164, active)
            outcome = f"assigned to {target}" if target else "returned to the pool: no active successor"
            if target:
                numbers.assign(e164, target, actor, reason=reason)
        elif last == "assigned":
            outcome = f"assigned to {number.assignee}"
        else:
            outcome = {"quarantined": f"quarantined until {number.quarantined_until}"}.get(last, "returned to the pool")
        done[e164] = outcome
        progress = {**(run.progress or {}), "numbers": done}
        run.update(actions=[OffboardingRun.progress.set(progress), OffboardingRun.numbers_moved.add(1)])
    return DONE


# --- customers -----------------------------------------------------------------------------------


def notify_customers(run_id: str) -> dict[str, Any]:
    """Tell each moved customer who looks after them now, from the same number, once, in business hours."""
    run = _begin(run_id, "notify_customers")
    if "notify_customers" in (run.completed or set()) or not run.request["notify_customers"]["enabled"]:
        return DONE
    leaver = Employee.get(run.employee_id)
    wait_until = notices.closed_until(leaver.team_id)
    if wait_until:
        return {"more": True, "wait_until": wait_until}
    state = (run.progress or {}).get("notify", {"part": 0, "offset": 0})
    parts = (run.progress or {}).get("snapshot", {}).get("keys", [])
    if state["part"] >= len(parts):
        _complete(run, "notify_customers")
        return DONE
    size = get_settings().offboarding_notice_page
    listed = read_archived(parts[state["part"]])
    batch = listed[state["offset"] : state["offset"] + size]
    notices.notify_customers(run, leaver, batch, run.request["notify_customers"]["message"])
    offset = state["offset"] + len(batch)
    cursor = (
        {"part": state["part"] + 1, "offset": 0} if offset >= len(listed) else {"part": state["part"], "offset": offset}
    )
    _progress(run, "notify", **cursor)
    return MORE


def notify_successors(run_id: str) -> dict[str, Any]:
    """A handover note to each person who received threads: how many, from whom, and the run."""
    run = _begin(run_id, "notify_successors")
    leaver = Employee.get(run.employee_id)
    for owner, count in sorted(runs.tally(run.moved_to).items()):
        kind, ident = parse_owner(owner)
        if kind == "employee" and ident:
            notices.notify_successor(run, leaver, ident, int(count))
    return DONE


# --- finalize / failure --------------------------------------------------------------------------


def report(run: OffboardingRun) -> dict[str, Any]:
    progress = run.progress or {}
    return {
        **runs.view(run),
        "numbers": progress.get("numbers", {}),
        "manifest": {
            "employee": progress.get("snapshot", {}).get("employee_key"),
            "threads": progress.get("snapshot", {}).get("keys", []),
            "threads_at_start": progress.get("snapshot", {}).get("threads", 0),
        },
        "skipped_customers": notices.skipped(run.run_id),
        "successors": notices.successors(run.run_id),
        "finished_at": ids.iso(),
    }


def finalize(run_id: str) -> dict[str, Any]:
    """Report archived, the leaver offboarded, the run succeeded, an audit event. Safe to repeat."""
    run = _begin(run_id, "finalize")
    if run.status == "succeeded":
        return DONE
    leaver = Employee.get(run.employee_id, consistent_read=True)
    if leaver.status != "offboarded":
        leaver.update(
            actions=[Employee.status.set("offboarded"), Employee.updated_at.set(ids.iso())],
            condition=Employee.offboarding_run_id == run.run_id,
        )
    run.status = "succeeded"
    key = archive(run_id, "report", report(run), run.employee_id)  # first the report, then the status
    run.update(actions=[OffboardingRun.status.set("succeeded"), OffboardingRun.report_key.set(key)])
    audit.record(actor_id(run_id), "offboarding.finished", "employee", run.employee_id, None, runs.counts(run), HR)
    metrics.add_metric(name="OffboardingSucceeded", unit="Count", value=1)
    return DONE


def record_failure(run_id: str, error: dict[str, Any]) -> dict[str, Any]:
    """A run that failed for good: why, on the run and in the audit trail, and a metric for the alarm."""
    run = runs.get(run_id)
    name = str(error.get("Error") or "Error")
    try:
        cause = json.loads(error.get("Cause") or "{}").get("errorMessage") or ""
    except (TypeError, ValueError):
        cause = str(error.get("Cause") or "")
    message = f"{name} in step {run.step}: {cause}"[:1000]
    run.update(
        actions=[
            OffboardingRun.status.set("failed"),
            OffboardingRun.error.set(message),
            OffboardingRun.updated_at.set(ids.iso()),
        ]
    )
    logger.error("offboarding failed", run_id=run_id, step=run.step, error=name)
    metrics.add_metric(name="OffboardingFailed", unit="Count", value=1)
    audit.record(actor_id(run_id), "offboarding.failed", "offboarding", run_id, None, {"error": message}, HR)
    return {"status": "failed", "error": message}
