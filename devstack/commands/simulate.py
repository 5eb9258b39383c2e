"""`simulate`: post a properly signed carrier webhook to the running local stack (a customer texting in).

    python -m devstack simulate --carrier twilio --to +14155550101 --from +12065550123 --text "Hi Emma"

The signing functions are also what the demo seed and the tests use, so all three sign exactly
the way the carriers do. Telnyx needs the private half of TELNYX_PUBLIC_KEY: pass
`--telnyx-private-key` (base64 raw Ed25519) or set TELNYX_SIMULATOR_PRIVATE_KEY.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import re
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode

# --- the other direction: a loopback carrier API that accepts sends -------------------------

MEDIA = b"\x89PNG\r\n\x1a\nfake image bytes"


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def form(self) -> list[tuple[str, str]]:
        return parse_qsl(self.body.decode())

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def basic_auth(self) -> tuple[str, str] | None:
        scheme, _, value = self.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "basic":
            return None
        user, _, password = base64.b64decode(value).decode().partition(":")
        return user, password


def _answer(method: str, path: str) -> tuple[int, Any]:
    if method == "GET" and path.startswith("/media/"):
        return 200, MEDIA
    if re.fullmatch(r"/2010-04-01/Accounts/[^/]+/Messages\.json", path):
        return 201, {"sid": "SM" + uuid.uuid4().hex, "status": "queued"}
    if path == "/v2/messages":
        return 200, {"data": {"id": str(uuid.uuid4()), "to": [{"status": "queued"}]}}
    if re.fullmatch(r"/api/v2/users/[^/]+/messages", path):
        return 202, {"id": uuid.uuid4().hex}
    if path == "/v1/messages":
        return 202, {"message_uuid": str(uuid.uuid4())}
    return _numbers_answer(method, path)


def _numbers_answer(method: str, path: str) -> tuple[int, Any]:
    """Twilio's number API, enough for assigning a demo number to point its webhooks here."""
    numbers = r"/2010-04-01/Accounts/[^/]+/IncomingPhoneNumbers"
    found = re.fullmatch(numbers + r"\.json\?PhoneNumber=([^&]+)", path)
    if method == "GET" and found:
        e164 = unquote(found.group(1))
        return 200, {
            "incoming_phone_numbers": [
                {"sid": "PN" + hashlib.sha256(e164.encode()).hexdigest()[:32], "phone_number": e164}
            ]
        }
    if method == "POST" and re.fullmatch(numbers + r"/PN[0-9a-f]{32}\.json", path):
        return 200, {"status": "in-use"}
    return 404, {"error": "not found"}


class LoopbackCarrier:
    """The four carriers' send APIs and a media host on 127.0.0.1, recording every request.

    The local stack points the carrier API base URLs here, and the tests use it as their fake
    carrier; `fail_next(n, status)` makes the next n requests fail.
    """

    def __init__(self) -> None:
        self.received: list[Received] = []
        self._failures: list[int] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                fake.received.append(
                    Received(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                )
                status, answer = (fake._failures.pop(0), {"error": "try later"}) if fake._failures else (None, None)
                if status is None:
                    status, answer = _answer(self.command, self.path)
                data = answer if isinstance(answer, bytes) else json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "image/png" if isinstance(answer, bytes) else "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _handle

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def fail_next(self, count: int, status: int = 503) -> None:
        self._failures.extend([status] * count)

    def sends(self) -> list[Received]:
        return [r for r in self.received if r.method == "POST"]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


PATHS = {
    "twilio": "/webhooks/twilio/messages",
    "telnyx": "/webhooks/telnyx",
    "bandwidth": "/webhooks/bandwidth/messages",
    "vonage": "/webhooks/vonage/inbound",
}


def sign_twilio(url: str, params: dict[str, str], token: str) -> tuple[dict[str, str], bytes]:
    from chalicelib.carriers.twilio import compute_signature

    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Twilio-Signature": compute_signature(token, url, params),
    }
    return headers, urlencode(params).encode()


def sign_telnyx(document: Any, private_key_b64: str, timestamp: int | None = None) -> tuple[dict[str, str], bytes]:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    form = isinstance(document, dict) and document.get("CallSid")  # TeXML call webhooks are form posts
    body = urlencode(document).encode() if form else json.dumps(document).encode()
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    key = Ed25519PrivateKey.from_private_bytes(base64.b64decode(private_key_b64))
    signature = base64.b64encode(key.sign(stamp.encode() + b"|" + body)).decode()
    kind = "application/x-www-form-urlencoded" if form else "application/json"
    headers = {"Content-Type": kind, "telnyx-signature-ed25519": signature, "telnyx-timestamp": stamp}
    return headers, body


def sign_bandwidth(document: Any, username: str, password: str) -> tuple[dict[str, str], bytes]:
    credentials = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"Content-Type": "application/json", "Authorization": f"Basic {credentials}"}, json.dumps(document).encode()


def sign_vonage(document: Any, secret: str, issued_at: int | None = None) -> tuple[dict[str, str], bytes]:
    import jwt

    body = json.dumps(document).encode()
    claims = {
        "iat": int(time.time()) if issued_at is None else issued_at,
        "jti": str(uuid.uuid4()),
        "iss": "Vonage",
        "payload_hash": hashlib.sha256(body).hexdigest(),
        "api_key": "demo",
        "application_id": "demo",
    }
    token = jwt.encode(claims, secret, algorithm="HS256")
    return {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}, body


def inbound_document(carrier: str, to: str, from_: str, text: str, message_id: str, media: list[str]) -> Any:
    """The carrier's own shape of an inbound text (form fields for Twilio, JSON for the others)."""
    if carrier == "twilio":
        params = {"MessageSid": message_id, "AccountSid": "AC" + "0" * 32, "From": from_, "To": to, "Body": text}
        params["NumMedia"] = str(len(media))
        for i, url in enumerate(media):
            params[f"MediaUrl{i}"] = url
            params[f"MediaContentType{i}"] = "image/jpeg"
        return params
    if carrier == "telnyx":
        payload = {
            "id": message_id,
            "direction": "inbound",
            "type": "MMS" if media else "SMS",
            "from": {"phone_number": from_},
            "to": [{"phone_number": to}],
            "text": text,
            "media": [{"url": u, "content_type": "image/jpeg"} for u in media],
        }
        return {"data": {"event_type": "message.received", "id": str(uuid.uuid4()), "payload": payload}}
    if carrier == "bandwidth":
        message = {"id": message_id, "from": from_, "to": [to], "text": text, "direction": "in", "media": media}
        return [{"type": "message-received", "to": to, "description": "Incoming message received", "message": message}]
    if carrier == "vonage":
        document: dict[str, Any] = {
            "message_uuid": message_id,
            "to": to.lstrip("+"),
            "from": from_.lstrip("+"),
            "channel": "mms" if media else "sms",
            "message_type": "image" if media else "text",
            "timestamp": "2025-01-01T00:00:00Z",
        }
        if media:
            document["image"] = {"url": media[0], "caption": text}
        else:
            document["text"] = text
        return document
    raise ValueError(f"unknown carrier {carrier!r}")


def signed(
    carrier: str, document: Any, path: str, secrets: dict[str, str], base_url: str
) -> tuple[dict[str, str], bytes]:
    """Headers and body for `document` posted to `path`, signed with the carrier's secrets."""
    if carrier == "twilio":
        return sign_twilio(base_url + path, document, secrets["TWILIO_AUTH_TOKEN"])
    if carrier == "telnyx":
        return sign_telnyx(document, secrets["TELNYX_SIMULATOR_PRIVATE_KEY"])
    if carrier == "bandwidth":
        return sign_bandwidth(document, secrets["BANDWIDTH_WEBHOOK_USERNAME"], secrets["BANDWIDTH_WEBHOOK_PASSWORD"])
    if carrier == "vonage":
        return sign_vonage(document, secrets["VONAGE_SIGNATURE_SECRET"])
    raise ValueError(f"unknown carrier {carrier!r}")


def new_message_id(carrier: str) -> str:
    if carrier == "twilio":
        return "SM" + uuid.uuid4().hex
    return str(uuid.uuid4())


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("simulate", help="post a signed inbound text webhook to the local stack")
    parser.add_argument("--carrier", choices=sorted(PATHS), default="twilio")
    parser.add_argument("--to", required=True, help="the business number, e.g. +14155550101")
    parser.add_argument("--from", dest="from_", required=True, help="the customer, e.g. +12065550123")
    parser.add_argument("--text", default="Hello from a simulated customer")
    parser.add_argument("--media", action="append", default=[], help="a media URL (MMS); repeatable")
    parser.add_argument("--message-id", help="the carrier's message id (repeat one to see deduplication)")
    parser.add_argument("--url", help="the server to post to (default: http://127.0.0.1:$KEEPLINE_PORT, port 8000)")
    parser.add_argument("--telnyx-private-key", default=os.environ.get("TELNYX_SIMULATOR_PRIVATE_KEY"))
    parser.set_defaults(func=simulate)


def simulate(args: argparse.Namespace) -> int:
    import urllib.error
    import urllib.request

    from devstack import localenv

    secrets = {**localenv.DEMO_SECRETS, **{k: v for k, v in os.environ.items() if k in localenv.DEMO_SECRETS}}
    if args.telnyx_private_key:
        secrets["TELNYX_SIMULATOR_PRIVATE_KEY"] = args.telnyx_private_key
    elif args.carrier == "telnyx":
        print(
            "error: Telnyx webhooks need --telnyx-private-key (the key TELNYX_PUBLIC_KEY belongs to)", file=sys.stderr
        )
        return 2
    # Posted to the local server; signed for the webhook URL it validates against (`make run` sets
    # PUBLIC_BASE_URL to its own address unless it, or WEBHOOK_BASE_URL, is exported, e.g. for a tunnel).
    base = (args.url or f"http://127.0.0.1:{os.environ.get('KEEPLINE_PORT', '8000')}").rstrip("/")
    path = PATHS[args.carrier]
    message_id = args.message_id or new_message_id(args.carrier)
    document = inbound_document(args.carrier, args.to, args.from_, args.text, message_id, args.media)
    public = (
        os.environ.get("WEBHOOK_BASE_URL")
        or os.environ.get("PUBLIC_BASE_URL")
        or f"http://127.0.0.1:{os.environ.get('KEEPLINE_PORT', '8000')}"
    ).rstrip("/")
    headers, body = signed(args.carrier, document, path, secrets, public)
    request = urllib.request.Request(base + path, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - a local URL we built
            print(f"{response.status} {args.carrier} message {message_id} delivered to {base + path}")
            return 0
    except urllib.error.HTTPError as exc:
        print(f"error: {exc.code} {exc.read().decode(errors='replace')}", file=sys.stderr)
    except urllib.error.URLError as exc:
        print(f"error: cannot reach {base}: {exc.reason}; is `make run` running?", file=sys.stderr)
    return 1


def point_carriers_at_loopback() -> LoopbackCarrier | None:
    """On the local stack (loopback emulator) with no carrier API configured, sends go to a loopback carrier."""
    from chalicelib.settings import get_settings

    if not get_settings().is_emulated or any(os.environ.get(f"{n}_API_BASE_URL") for n in CARRIERS):
        return None
    carrier = LoopbackCarrier()
    for name in CARRIERS:
        os.environ[f"{name}_API_BASE_URL"] = carrier.url
    return carrier


CARRIERS = ("TWILIO", "TELNYX", "BANDWIDTH", "VONAGE")
