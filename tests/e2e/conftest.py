"""End-to-end: the console in headless Chromium (Debian's package, driven by Playwright) against
the local stack, started once per test session as `python -m devstack run` on free ports.

Every test here is in the xdist group "e2e", so one worker runs them all against one stack.
Screenshots of each screen go to out/screenshots/ for review.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import pytest

from devstack.localenv import DEMO_SECRETS

PROJECT = Path(__file__).resolve().parents[2]
OUT = PROJECT / "out"
SHOTS = OUT / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Variables of the test process that must not leak into the stack (it sets its own).
_STACK_OWNS = ("AWS_", "OIDC_", "LOCAL_", "PUBLIC_", "WEBHOOK_", "CARRIER_", "KEEPLINE_", "TABLE_", "ARCHIVE_", "MOTO_")
PHONE = {"width": 390, "height": 844}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "xdist_group(name): run in one xdist worker (pytest-xdist --dist loadgroup)")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/" in item.nodeid:
            item.add_marker(pytest.mark.xdist_group("e2e"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class FakeTwilio:
    """Twilio's Messages API on loopback: accepts sends; `deliver()` then calls each send's status
    callback with `delivered`, signed as Twilio signs it, so the console shows a real delivery state."""

    def __init__(self, auth_token: str) -> None:
        self.sent: list[dict[str, list[str]]] = []
        self.pending: list[tuple[str, dict[str, list[str]]]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = parse_qs(self.rfile.read(length).decode())
                fake.sent.append(form)
                sid = "SM" + uuid.uuid4().hex
                body = json.dumps({"sid": sid, "status": "queued"}).encode()
                self.send_response(201)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                fake.pending.append((sid, form))

            def log_message(self, *args: object) -> None:
                pass

        self.auth_token = auth_token
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def deliver(self) -> int:
        """Report every accepted message as delivered, as Twilio's status callbacks would."""
        from devstack.commands.simulate import sign_twilio

        delivered = 0
        while self.pending:
            sid, form = self.pending.pop(0)
            callback = form["StatusCallback"][0]
            params = {"MessageSid": sid, "MessageStatus": "delivered", "From": form["From"][0], "To": form["To"][0]}
            headers, body = sign_twilio(callback, params, self.auth_token)
            request = urllib.request.Request(callback, data=body, headers=headers, method="POST")
            with urllib.request.urlopen(request, timeout=10):
                delivered += 1
        return delivered


class Stack:
    """The local stack in a subprocess, and what a test needs to talk to it."""

    def __init__(self) -> None:
        self.twilio = FakeTwilio(DEMO_SECRETS["TWILIO_AUTH_TOKEN"])
        self.port = _free_port()
        self.emulator_port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith(_STACK_OWNS)}
        env.update(
            KEEPLINE_PORT=str(self.port),
            KEEPLINE_EMULATOR_PORT=str(self.emulator_port),
            # Carriers sign the public URL: say it, or the stack assumes the default port's.
            PUBLIC_BASE_URL=self.url,
            TWILIO_API_BASE_URL=self.twilio.url,
            PYTHONUNBUFFERED="1",
        )
        self.env = env
        OUT.mkdir(exist_ok=True)
        self.log_path = OUT / "e2e-stack.log"
        self._log = self.log_path.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "devstack", "run"],
            cwd=PROJECT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the local stack exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/health", timeout=5) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.25)
        raise TimeoutError(f"the local stack did not answer /health in {timeout}s:\n{self.log_tail()}")

    def log_tail(self) -> str:
        return "\n".join(self.log_path.read_text().splitlines()[-40:])

    def devstack(self, *args: str) -> str:
        """Run a `python -m devstack` command against this stack, as a developer would."""
        done = subprocess.run(
            [sys.executable, "-m", "devstack", *args],
            cwd=PROJECT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, f"devstack {args[0]} failed: {done.stderr or done.stdout}"
        return done.stdout.strip()

    def token(self, employee_id: str, *roles: str) -> str:
        return self.devstack("token", employee_id, *(arg for role in roles for arg in ("--role", role)))

    def text_in(self, to: str, from_: str, text: str) -> None:
        """A customer texts a business number: a signed Twilio webhook, through the simulator."""
        self.devstack("simulate", "--carrier", "twilio", "--to", to, "--from", from_, "--text", text)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._log.close()
        self.twilio.server.shutdown()


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    running = Stack()
    try:
        running.wait_ready()
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium (apt-get install -y chromium)")
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=30_000)  # a shared 2-core machine: polling screens may lag behind

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def open_console(browser, stack) -> Iterator[Callable[..., object]]:
    """`open_console("emma")`: a fresh browser signed in as that person with a pasted local token."""
    contexts = []

    def open_as(employee_id: str, *roles: str, viewport: dict[str, int] | None = None) -> object:
        context = browser.new_context(viewport=viewport or {"width": 1280, "height": 860})
        contexts.append(context)
        page = context.new_page()
        page.errors = []
        page.on("pageerror", lambda exc: page.errors.append(str(exc)))
        page.goto(stack.url + "/")
        page.get_by_label("Bearer token").fill(stack.token(employee_id, *roles))
        page.get_by_role("button", name="Sign in").click()
        page.locator("#who-name").wait_for()
        return page

    yield open_as
    for context in contexts:
        context.close()


def shot(page, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
