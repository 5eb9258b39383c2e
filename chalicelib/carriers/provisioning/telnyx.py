"""Telnyx: phone numbers (v2), their messaging profile's webhook and their Call Control application's."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from chalicelib.carriers import http
from chalicelib.carriers.provisioning import CarrierNumber, credential
from chalicelib.settings import Settings


def api_url(settings: Settings) -> str:
    return settings.telnyx_api_base_url


def _headers(settings: Settings) -> dict[str, str]:
    (key,) = credential(settings, "TELNYX_API_KEY")
    return {"Authorization": f"Bearer {key}", "Accept": "application/json"}


def list_numbers(settings: Settings) -> list[CarrierNumber]:
    headers, found, number, pages = _headers(settings), [], 1, 1
    while number <= pages:
        url = f"{settings.telnyx_api_base_url}/v2/phone_numbers?page[number]={number}&page[size]=250"
        page = http.request("GET", url, headers=headers).json()
        found += [CarrierNumber(item["phone_number"], item.get("id")) for item in page.get("data", [])]
        pages = int((page.get("meta") or {}).get("total_pages") or 1)
        number += 1
    return found


def point_webhooks(settings: Settings, e164: str, carrier_ref: str | None, urls: dict[str, str]) -> str:
    headers = _headers(settings)
    item = _number(settings, headers, e164, carrier_ref)
    if not item.get("messaging_profile_id"):
        raise http.CarrierError(f"{e164} has no Telnyx messaging profile to point at this deployment")
    api = settings.telnyx_api_base_url
    http.request(
        "PATCH",
        f"{api}/v2/messaging_profiles/{item['messaging_profile_id']}",
        headers=headers,
        json_body={"webhook_url": urls["messages"], "webhook_api_version": "2"},
    )
    if item.get("connection_id"):
        http.request(
            "PATCH",
            f"{api}/v2/call_control_applications/{item['connection_id']}",
            headers=headers,
            json_body={"webhook_event_url": urls["voice"]},
        )
    return item["id"]


def _number(settings: Settings, headers: dict[str, str], e164: str, carrier_ref: str | None) -> dict[str, Any]:
    api = settings.telnyx_api_base_url
    if carrier_ref:
        return http.request("GET", f"{api}/v2/phone_numbers/{carrier_ref}", headers=headers).json()["data"]
    page = http.request("GET", f"{api}/v2/phone_numbers?filter[phone_number]={quote(e164)}", headers=headers).json()
    for item in page.get("data", []):
        return item
    raise http.CarrierError(f"{e164} is not on the Telnyx account")
