"""`python -m devstack <command>`: the local stack and the tools that go with it.

Each command lives in `devstack/commands/<name>.py` with `register(subparsers)`.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

from devstack import commands


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devstack", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda i: i.name):
        importlib.import_module(f"{commands.__name__}.{info.name}").register(sub)
    args = parser.parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
