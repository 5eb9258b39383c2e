"""`offboard`: HR at a terminal. Start an offboarding, watch it, list them, redrive a failed one, over HTTP.

The token is HR's bearer token (`--token`, or `KEEPLINE_TOKEN`); the API is `--url` (or `KEEPLINE_URL`,
default the local stack).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import urllib.error
import urllib.request
from typing import Any

FINISHED = ("succeeded", "failed")


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("offboard", help="start, watch, list or redrive offboardings (HR)")
    parser.add_argument("--url", default=os.environ.get("KEEPLINE_URL", "http://127.0.0.1:8000"))
    parser.add_argument("--token", default=os.environ.get("KEEPLINE_TOKEN"), help="HR bearer token")
    actions = parser.add_subparsers(dest="action", required=True)
    start = actions.add_parser("start", help="offboard an employee")
    start.add_argument("employee_id")
    start.add_argument("--successor", help="everything to this person (policy successor)")
    start.add_argument(
        "--policy", choices=("successor", "manager", "round_robin", "least_loaded"), help="default: successor"
    )
    start.add_argument("--numbers", choices=("successor", "pool", "quarantine"), default="successor")
    start.add_argument("--days", type=int, help="quarantine days")
    start.add_argument("--notify", action="store_true", help="tell each customer who looks after them now")
    start.add_argument("--at", help="effective time, ISO 8601 with a zone (default: now)")
    start.add_argument("--watch", action="store_true", help="follow the run until it ends")
    status = actions.add_parser("status", help="one run: status, counts, report")
    status.add_argument("run_id")
    status.add_argument("--watch", action="store_true", help="follow the run until it ends")
    actions.add_parser("list", help="every run, newest first")
    redrive = actions.add_parser("redrive", help="resume a failed run")
    redrive.add_argument("run_id")
    parser.set_defaults(func=offboard)


def _call(args: argparse.Namespace, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    if not args.url.startswith(("http://", "https://")):
        raise SystemExit(f"error: --url must be an http(s) URL, got {args.url!r}")
    request = urllib.request.Request(  # noqa: S310 - http(s) only, checked above
        args.url.rstrip("/") + path,
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Bearer {args.token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        detail = exc.read().decode(errors="replace")
        raise SystemExit(f"error: {method} {path} answered {exc.code}: {detail}") from exc
    except urllib.error.URLError as exc:
        raise SystemExit(f"error: cannot reach {args.url}: {exc.reason}; is `make run` running?") from exc


def _request(args: argparse.Namespace) -> dict[str, Any]:
    policy = args.policy or "successor"
    reassign: dict[str, Any] = {"policy": policy}
    if policy == "successor":
        reassign["successor"] = args.successor
    numbers: dict[str, Any] = {"policy": args.numbers}
    if args.days is not None:
        numbers["days"] = args.days
    return {
        "employee_id": args.employee_id,
        "reassign": reassign,
        "numbers": numbers,
        "notify_customers": args.notify,
        "effective_at": args.at,
    }


def _line(run: dict[str, Any]) -> str:
    p = run["progress"]
    skipped = ", ".join(f"{k}: {v}" for k, v in p["skipped"].items()) or "none"
    return (
        f"{run['run_id']}  {run['employee_id']:<10} {run['status']:<9} step {run['step'] or '-':<17} "
        f"threads {p['threads_moved']}  numbers {p['numbers_moved']}  notified {p['customers_notified']}  "
        f"skipped {skipped}"
    )


def _follow(args: argparse.Namespace, run_id: str, watch: bool) -> int:
    while True:
        run = _call(args, "GET", f"/offboardings/{run_id}")
        print(_line(run), flush=True)
        if not watch or run["status"] in FINISHED:
            break
        time.sleep(1)
    if run.get("error"):
        print(f"error: {run['error']}", file=sys.stderr)
    if run.get("report"):
        print(json.dumps({"report_key": run["report_key"], "moved_to": run["progress"]["moved_to"]}, indent=2))
    return 1 if run["status"] == "failed" else 0


def offboard(args: argparse.Namespace) -> int:
    if not args.token:
        print("error: pass --token or set KEEPLINE_TOKEN (python -m devstack token hal)", file=sys.stderr)
        return 2
    if args.action == "start":
        if (args.policy or "successor") == "successor" and not args.successor:
            print("error: --successor is required with the successor policy", file=sys.stderr)
            return 2
        run = _call(args, "POST", "/offboardings", _request(args))
        print(f"started {run['run_id']} ({run['status']})")
        return _follow(args, run["run_id"], args.watch)
    if args.action == "status":
        return _follow(args, args.run_id, args.watch)
    if args.action == "redrive":
        run = _call(args, "POST", f"/offboardings/{args.run_id}/redrive")
        print(f"redriven {run['run_id']} (attempt {run['attempt']})")
        return 0
    for run in _call(args, "GET", "/offboardings")["offboardings"]:
        print(_line(run))
    return 0
