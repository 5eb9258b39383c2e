"""For the console, before starting: who would receive which threads and numbers, nothing written."""

from __future__ import annotations

from typing import Any

from chalicelib import numbers
from chalicelib.offboarding import policies, runs
from chalicelib.phone import mask
from chalicelib.store.models import Thread, employee_owner

LIMIT = 1000
SAMPLE = 50


def who_receives(body: dict[str, Any]) -> dict[str, Any]:
    leaver = runs.find_leaver(body.get("employee_id"))
    request = policies.validate(body, leaver)
    plan = policies.make_plan(request, leaver)
    chooser = policies.Chooser.for_page(request, plan, 0, {})
    owner = employee_owner(leaver.employee_id)
    sample: list[dict[str, Any]] = []
    looked = 0
    for thread in Thread.by_owner.query(owner, limit=LIMIT):
        to = chooser.choose(thread.business_number, thread.customer_number)
        looked += 1
        if len(sample) < SAMPLE:
            sample.append({"thread_id": thread.thread_id, "customer": mask(thread.customer_number), "to": to})
    held = [n.e164 for n in numbers.held_by(owner)]
    to_numbers = {
        e164: (
            policies.number_target(request, plan, e164, chooser.active)
            if request["numbers"]["policy"] == "successor"
            else request["numbers"]["policy"]
        )
        for e164 in held
    }
    return {
        "employee_id": leaver.employee_id,
        "threads_previewed": looked,
        "truncated": looked == LIMIT,
        "receives": chooser.received,
        "sample": sample,
        "numbers": to_numbers,
    }
