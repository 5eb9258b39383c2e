"""State machine definitions live in `statemachines/*.asl.json` with `${...}` placeholders.

`${FunctionArn_<name>}` stands for the ARN of the app's `@app.lambda_function(name=<name>)`.
The CDK app, the local stack and the tests all substitute through `render`, so the definition
that runs on the emulator is the one that is deployed.
"""

from __future__ import annotations

import re
from pathlib import Path

DIRECTORY = Path(__file__).parent / "statemachines"
_PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9_]+)\}")
FUNCTION_PREFIX = "FunctionArn_"


def names() -> list[str]:
    return sorted(p.name.removesuffix(".asl.json") for p in DIRECTORY.glob("*.asl.json"))


def source(name: str) -> str:
    return (DIRECTORY / f"{name}.asl.json").read_text()


def placeholders(name: str) -> set[str]:
    return set(_PLACEHOLDER.findall(source(name)))


def functions(name: str) -> set[str]:
    """The Chalice function names a definition invokes."""
    return {p.removeprefix(FUNCTION_PREFIX) for p in placeholders(name) if p.startswith(FUNCTION_PREFIX)}


def render(name: str, substitutions: dict[str, str]) -> str:
    text = source(name)
    missing = placeholders(name) - substitutions.keys()
    if missing:
        raise KeyError(f"{name}.asl.json needs values for {sorted(missing)}")
    return _PLACEHOLDER.sub(lambda m: substitutions[m.group(1)], text)


def function_arn(region: str, account: str, app_name: str, stage: str, function: str) -> str:
    """The ARN Chalice gives a pure Lambda function: `{app}-{stage}-{name}`."""
    return f"arn:aws:lambda:{region}:{account}:function:{app_name}-{stage}-{function}"
