"""`token`: mint a bearer token for a demo person, trusted only by the local stack."""

from __future__ import annotations

import argparse
import sys


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("token", help="print a local bearer token for an employee")
    parser.add_argument("employee_id", help="e.g. emma, ada (admin), hal (hr), cora (compliance)")
    parser.add_argument("--role", action="append", help="roles to claim (default: the demo person's roles)")
    parser.add_argument("--ttl", type=int, default=8 * 3600, help="seconds until it expires")
    parser.set_defaults(func=token)


def token(args: argparse.Namespace) -> int:
    from chalicelib.auth.tokens import mint_local
    from devstack import localenv, seed

    path = localenv.STATE_DIR / "local-auth-secret"
    if not path.exists():
        print("error: no local signing key yet; start the local stack with `make run` first", file=sys.stderr)
        return 2
    roles = args.role or next((sorted(r) for pid, _, _, _, r, _ in seed.PEOPLE if pid == args.employee_id), None)
    if roles is None:
        print(f"error: {args.employee_id} is not a demo person; pass --role", file=sys.stderr)
        return 2
    print(
        mint_local(
            args.employee_id,
            roles,
            path.read_text().strip(),
            email=f"{args.employee_id}@example.com",
            ttl_seconds=args.ttl,
        )
    )
    return 0
