"""Bandwidth: in-service numbers and the messaging application's callback URLs (Dashboard API, XML).

Bandwidth sets webhooks per application, not per number: pointing a number points the
configured messaging application (`BANDWIDTH_APPLICATION_ID`) that its location uses.
"""

from __future__ import annotations

import re
from xml.etree import ElementTree
from xml.sax.saxutils import escape

from chalicelib.carriers import http
from chalicelib.carriers.provisioning import CarrierNumber, credential
from chalicelib.phone import to_e164
from chalicelib.settings import Settings

_NEXT = re.compile(r"<([^>]+)>")


def api_url(settings: Settings) -> str:
    return settings.bandwidth_dashboard_api_url


def _account(settings: Settings) -> tuple[str, tuple[str, str]]:
    account, user, password = credential(
        settings, "BANDWIDTH_ACCOUNT_ID", "BANDWIDTH_API_USERNAME", "BANDWIDTH_API_PASSWORD"
    )
    return f"{settings.bandwidth_dashboard_api_url}/accounts/{account}", (user, password)


def list_numbers(settings: Settings) -> list[CarrierNumber]:
    base, auth = _account(settings)
    found: list[CarrierNumber] = []
    url: str | None = f"{base}/inserviceNumbers?page=1&size=500"
    while url:
        tree = ElementTree.fromstring(http.request("GET", url, auth=auth).data)  # noqa: S314 - the carrier's API
        found += [CarrierNumber(to_e164(tn.text or "", "TelephoneNumber")) for tn in tree.iter("TelephoneNumber")]
        link = tree.findtext("Links/next")
        match = _NEXT.search(link or "")
        url = match.group(1) if match else None
    return found


def point_webhooks(settings: Settings, e164: str, carrier_ref: str | None, urls: dict[str, str]) -> None:
    base, auth = _account(settings)
    (application,) = credential(settings, "BANDWIDTH_APPLICATION_ID")
    callback = escape(urls["messages"])
    body = (
        "<Application><ServiceType>Messaging-V2</ServiceType><AppName>Keepline</AppName>"
        f"<InboundCallbackUrl>{callback}</InboundCallbackUrl>"
        f"<OutboundCallbackUrl>{callback}</OutboundCallbackUrl></Application>"
    )
    http.request(
        "PUT",
        f"{base}/applications/{application}",
        auth=auth,
        headers={"Content-Type": "application/xml"},
        data=body.encode(),
    )
    return None
