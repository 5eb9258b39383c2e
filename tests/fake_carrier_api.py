"""A loopback stand-in for the carriers' account APIs (numbers and webhook settings).

Not the messaging fake (`tests/fake_carrier.py`): this one serves what provisioning calls —
Twilio IncomingPhoneNumbers, Telnyx phone numbers / messaging profiles / Call Control apps,
Bandwidth in-service numbers / applications (XML), Vonage account numbers / number update.
Each carrier lives under its own prefix (`/twilio`, `/telnyx`, ...), which the `carrier_api`
fixture puts into the settings' carrier API URL variables along with API credentials.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

CREDENTIALS = {
    "TELNYX_API_KEY": "KEYtest",
    "BANDWIDTH_ACCOUNT_ID": "9900000",
    "BANDWIDTH_API_USERNAME": "bw-user",
    "BANDWIDTH_API_PASSWORD": "bw-pass",
    "BANDWIDTH_APPLICATION_ID": "app-bw-1",
    "VONAGE_API_KEY": "vkey",
    "VONAGE_API_SECRET": "vsecret",
}


@dataclass
class Seen:
    carrier: str
    method: str
    path: str
    query: dict[str, str]
    body: bytes
    headers: dict[str, str]

    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode()).items()}

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class FakeCarrierApi:
    url: str = ""
    numbers: dict[str, list[str]] = field(default_factory=dict)
    fail: dict[str, int] = field(default_factory=dict)  # carrier -> status for webhook updates
    page_size: int = 2
    requests: list[Seen] = field(default_factory=list)

    def reset(self) -> None:
        self.numbers = {
            "twilio": ["+14155550101", "+14155550102", "+14155550106", "+14155550160", "+14155550161", "+14155550162"],
            "telnyx": ["+14155550103", "+14155550170"],
            "bandwidth": ["+14155550104", "+19195550180"],
            "vonage": ["+14155550105", "+447700900190"],
        }
        self.fail = {}
        self.requests = []

    def updates(self, carrier: str) -> list[Seen]:
        return [r for r in self.requests if r.carrier == carrier and r.method in ("POST", "PUT", "PATCH")]

    # --- answers, by carrier ---------------------------------------------------------------

    def answer(self, seen: Seen) -> tuple[int, Any, str]:
        if seen.method != "GET" and seen.carrier in self.fail:
            return self.fail[seen.carrier], {"errors": [{"detail": "refused by the fake"}]}, "json"
        return getattr(self, f"_{seen.carrier}")(seen)

    def _twilio(self, seen: Seen) -> tuple[int, Any, str]:
        if seen.method == "POST":
            sid = seen.path.rsplit("/", 1)[1].removesuffix(".json")
            return 200, {"sid": sid, "sms_url": seen.form().get("SmsUrl")}, "json"
        listed = [n for n in self.numbers["twilio"] if seen.query.get("PhoneNumber") in (None, n)]
        page = int(seen.query.get("Page", "0"))
        chunk = listed[page * self.page_size : (page + 1) * self.page_size]
        items = [
            {"sid": _sid(n), "phone_number": n, "capabilities": {"sms": True, "mms": True, "voice": True}}
            for n in chunk
        ]
        more = (page + 1) * self.page_size < len(listed)
        next_uri = f"{seen.path}?PageSize={self.page_size}&Page={page + 1}" if more else None
        return 200, {"incoming_phone_numbers": items, "next_page_uri": next_uri}, "json"

    def _telnyx(self, seen: Seen) -> tuple[int, Any, str]:
        if seen.method == "PATCH":
            return 200, {"data": seen.json()}, "json"

        def item(n: str) -> dict[str, Any]:
            return {"id": _sid(n), "phone_number": n, "messaging_profile_id": "mp-1", "connection_id": "cc-1"}

        if re.search(r"/phone_numbers/[^/]+$", seen.path):
            ref = seen.path.rsplit("/", 1)[1]
            return 200, {"data": next(item(n) for n in self.numbers["telnyx"] if _sid(n) == ref)}, "json"
        listed = [n for n in self.numbers["telnyx"] if seen.query.get("filter[phone_number]") in (None, n)]
        page = int(seen.query.get("page[number]", "1"))
        chunk = listed[(page - 1) * self.page_size : page * self.page_size]
        pages = max(1, -(-len(listed) // self.page_size))
        return 200, {"data": [item(n) for n in chunk], "meta": {"total_pages": pages, "page_number": page}}, "json"

    def _bandwidth(self, seen: Seen) -> tuple[int, Any, str]:
        if seen.method == "PUT":
            return 200, "<ApplicationProvisioningResponse/>", "xml"
        listed = self.numbers["bandwidth"]
        page = int(seen.query.get("page", "1"))
        chunk = listed[(page - 1) * self.page_size : page * self.page_size]
        tns = "".join(f"<TelephoneNumber>{n.removeprefix('+1')}</TelephoneNumber>" for n in chunk)
        link = ""
        if page * self.page_size < len(listed):
            following = f"{self.url}/bandwidth{seen.path}?page={page + 1}&amp;size=500"
            link = f'<Links><next>&lt;{following}&gt;;rel="next";</next></Links>'
        return (
            200,
            f"<TNs><TotalCount>{len(listed)}</TotalCount>{link}<TelephoneNumbers>{tns}</TelephoneNumbers></TNs>",
            "xml",
        )

    def _vonage(self, seen: Seen) -> tuple[int, Any, str]:
        if seen.method == "POST":
            return 200, {"error-code": "200", "error-code-label": "success"}, "json"
        listed = self.numbers["vonage"]
        index = int(seen.query.get("index", "1"))
        chunk = listed[(index - 1) * self.page_size : index * self.page_size]
        items = [{"msisdn": n.lstrip("+"), "country": "US", "features": ["SMS", "VOICE"]} for n in chunk]
        return 200, {"count": len(listed), "numbers": items}, "json"


def _sid(e164: str) -> str:
    return f"PN{e164.lstrip('+')}"


def start() -> tuple[FakeCarrierApi, ThreadingHTTPServer]:
    fake = FakeCarrierApi()
    fake.reset()

    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            parts = urlsplit(self.path)
            carrier, _, rest = parts.path.lstrip("/").partition("/")
            length = int(self.headers.get("Content-Length") or 0)
            seen = Seen(
                carrier=carrier,
                method=self.command,
                path="/" + rest,
                query={k: v[0] for k, v in parse_qs(parts.query).items()},
                body=self.rfile.read(length) if length else b"",
                headers={k.lower(): v for k, v in self.headers.items()},
            )
            fake.requests.append(seen)
            status, body, kind = fake.answer(seen)
            data = body.encode() if kind == "xml" else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/xml" if kind == "xml" else "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_PATCH = _serve

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    return fake, server


@pytest.fixture(scope="session", name="carrier_api_server")
def carrier_api_server_fixture() -> Iterator[FakeCarrierApi]:
    fake, server = start()
    yield fake
    server.shutdown()


API_URL_VARIABLES = {
    "twilio": "TWILIO_API_BASE_URL",
    "telnyx": "TELNYX_API_BASE_URL",
    "bandwidth": "BANDWIDTH_DASHBOARD_API_URL",
    "vonage": "VONAGE_REST_API_URL",
}


@pytest.fixture(name="carrier_api")
def carrier_api_fixture(carrier_api_server: FakeCarrierApi, environment: dict[str, str], monkeypatch) -> FakeCarrierApi:
    """The fake carrier account APIs, with the settings pointed at them and API credentials set.

    Use it by importing both fixtures into the test module:
    `from tests.fake_carrier_api import carrier_api_fixture, carrier_api_server_fixture`.
    """
    fake = carrier_api_server
    fake.reset()
    for carrier, variable in API_URL_VARIABLES.items():
        monkeypatch.setenv(variable, f"{fake.url}/{carrier}")
    for key, value in CREDENTIALS.items():
        monkeypatch.setenv(key, value)
    return fake
