"""The web console's static files, its sign-in configuration, and the headers it is served with."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from chalicelib.auth import tokens


@pytest.fixture
def oidc_provider(monkeypatch):
    """An OIDC provider on loopback that publishes its discovery document."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            issuer = f"http://127.0.0.1:{self.server.server_address[1]}"
            body = json.dumps(
                {
                    "issuer": issuer,
                    "authorization_endpoint": "https://login.example.com/oauth2/authorize",
                    "token_endpoint": "https://login.example.com/oauth2/token",
                    "jwks_uri": f"{issuer}/keys",
                }
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    issuer = f"http://127.0.0.1:{server.server_address[1]}"
    monkeypatch.setenv("OIDC_ISSUER", issuer)
    monkeypatch.setenv("OIDC_CLIENT_ID", "console-client")
    tokens.discovery.cache_clear()
    yield issuer
    server.shutdown()
    tokens.discovery.cache_clear()


def test_the_page_loads_without_a_token_with_a_strict_policy(client):
    response = client.http.get("/")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    body = response.body.decode()
    assert '<base href="/">' in body
    assert '<script type="module" src="console/app.js">' in body
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy
    assert "script-src 'self';" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        ("app.js", "text/javascript; charset=utf-8"),
        ("inbox.js", "text/javascript; charset=utf-8"),
        ("styles.css", "text/css; charset=utf-8"),
        ("icon.svg", "image/svg+xml"),
    ],
)
def test_assets_are_served_with_their_content_type(client, name, content_type):
    response = client.http.get(f"/console/{name}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == content_type
    assert response.body


@pytest.mark.parametrize("name", ["__init__.py", "index.html", "..%2F..%2Fapp.py", "missing.js"])
def test_only_console_files_are_served(client, name):
    response = client.http.get(f"/console/{name}")
    assert response.status_code == 404
    assert json.loads(response.body)["error"] == "not_found"


def test_the_api_stays_behind_the_token(client):
    assert client.http.get("/me").status_code == 401


def test_config_without_a_provider_offers_token_sign_in_only(client):
    response = client.http.get("/console/config.json")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert json.loads(response.body) == {"stage": "dev", "local_tokens": False, "oidc": None}


def test_config_names_the_provider_for_authorization_code_with_pkce(client, oidc_provider):
    response = client.http.get("/console/config.json")
    config = json.loads(response.body)
    assert config["oidc"] == {
        "issuer": oidc_provider,
        "client_id": "console-client",
        "scope": "openid email profile",
        "authorization_endpoint": "https://login.example.com/oauth2/authorize",
        "token_endpoint": "https://login.example.com/oauth2/token",
    }
    # The page may post the code (and PKCE verifier) to the provider's token endpoint, nowhere else.
    policy = client.http.get("/").headers["Content-Security-Policy"]
    assert "connect-src 'self' https://login.example.com;" in policy


def test_an_unreachable_provider_leaves_token_sign_in(client, monkeypatch):
    monkeypatch.setenv("OIDC_ISSUER", "http://127.0.0.1:9")
    monkeypatch.setenv("OIDC_CLIENT_ID", "console-client")
    tokens.discovery.cache_clear()
    assert json.loads(client.http.get("/console/config.json").body)["oidc"] is None
