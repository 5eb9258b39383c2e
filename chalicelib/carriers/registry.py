"""Carrier adapters by name. Adapters are imported on first use to keep the cold start lean."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from chalicelib.errors import BadRequest

if TYPE_CHECKING:
    from chalicelib.carriers.base import Carrier

# name -> module under chalicelib.carriers that defines `adapter()`
MODULES: dict[str, str] = {"twilio": "twilio", "telnyx": "telnyx", "bandwidth": "bandwidth", "vonage": "vonage"}
_overrides: dict[str, Carrier] = {}
_cache: dict[str, Carrier] = {}


def get(name: str) -> Carrier:
    if name in _overrides:
        return _overrides[name]
    if name not in _cache:
        module = MODULES.get(name)
        if module is None:
            raise BadRequest("carrier", f"{name!r} is not a supported carrier")
        _cache[name] = importlib.import_module(f"chalicelib.carriers.{module}").adapter()
    return _cache[name]


def override(name: str, carrier: Carrier | None) -> None:
    """Put a stand-in for a carrier (tests, benchmarks); None removes it."""
    if carrier is None:
        _overrides.pop(name, None)
    else:
        _overrides[name] = carrier
