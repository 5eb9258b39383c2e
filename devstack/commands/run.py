"""`run`: start the emulator, create every resource, seed the demo company, serve the API."""

from __future__ import annotations

import argparse
import os
import socket
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("run", help="start the local stack on the emulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("KEEPLINE_PORT", "8000")))
    parser.add_argument("--emulator-port", type=int, default=int(os.environ.get("KEEPLINE_EMULATOR_PORT", "5000")))
    parser.set_defaults(func=run)


def _port_free(host: str, port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        return s.connect_ex((host, port)) != 0


def run(args: argparse.Namespace) -> int:
    for port in (args.port, args.emulator_port):
        if not _port_free(args.host, port):
            print(
                f"error: port {port} on {args.host} is already in use; "
                "stop what holds it or set KEEPLINE_PORT / KEEPLINE_EMULATOR_PORT",
                file=sys.stderr,
            )
            return 2
    os.chdir(PROJECT)
    sys.path.insert(0, str(PROJECT))
    from devstack import localenv

    demo = localenv.apply(f"http://{args.host}:{args.emulator_port}", f"http://{args.host}:{args.port}")

    from chalice.cli.factory import CLIFactory

    from chalicelib import health
    from devstack import bootstrap, emulator, pump, seed, steps

    factory = CLIFactory(str(PROJECT), environ=os.environ)
    config = factory.create_config_obj(chalice_stage_name="dev")
    app = config.chalice_app

    emulator.emulate_authorizer_401()
    server = emulator.Server(args.host, args.emulator_port)
    server.start(app)
    bootstrap.create_all(carrier_secrets=dict(os.environ))
    seed.seed()
    ok, report = health.report()
    if not ok:
        for check in report["resources"]:
            if not check["ok"]:
                print(f"error: {check['kind']} {check['name']}: {check['detail']}", file=sys.stderr)
        return 1
    pump.start(app)

    local = factory.create_local_server(app, config, args.host, args.port)
    base = f"http://{args.host}:{args.port}"
    print(f"\nKeepline is running at {base} (AWS emulator at {server.url}).")
    if demo:
        print("Demo carrier secrets (set these variables before `make run` to use your own):")
        for key, value in demo.items():
            print(f"  {key}={value}")
    print("\nTry next, in another terminal from this folder:")
    for n, (what, command) in enumerate(steps.STEPS, 1):
        print(f"  {n}. {what}:\n     {command.replace('http://127.0.0.1:8000', base)}")
    print("\nCtrl-C stops it; the emulator keeps nothing between runs.", flush=True)
    try:
        local.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0
