"""Vonage: the account's numbers and each number's inbound SMS webhook (`moHttpUrl`).

Vonage's voice webhooks (answer and event URLs) belong to the Vonage Application, not to a
number, so they are configured once on the application rather than per assignment.
"""

from __future__ import annotations

from chalicelib.carriers import http
from chalicelib.carriers.provisioning import CarrierNumber, credential
from chalicelib.phone import to_e164
from chalicelib.settings import Settings


def api_url(settings: Settings) -> str:
    return settings.vonage_rest_api_url


def _auth(settings: Settings) -> tuple[str, str]:
    key, secret = credential(settings, "VONAGE_API_KEY", "VONAGE_API_SECRET")
    return key, secret


def list_numbers(settings: Settings) -> list[CarrierNumber]:
    auth, found, index, count = _auth(settings), [], 1, 1
    while len(found) < count:
        url = f"{settings.vonage_rest_api_url}/account/numbers?index={index}&size=100"
        page = http.request("GET", url, auth=auth).json()
        items = page.get("numbers") or []
        if not items:
            break
        for item in items:
            caps = frozenset(f.lower() for f in item.get("features") or [])
            found.append(CarrierNumber(to_e164(item["msisdn"], "msisdn"), None, caps or frozenset({"sms"})))
        count = int(page.get("count") or 0)
        index += 1
    return found


def point_webhooks(settings: Settings, e164: str, carrier_ref: str | None, urls: dict[str, str]) -> None:
    import phonenumbers

    country = phonenumbers.region_code_for_number(phonenumbers.parse(e164))
    http.request(
        "POST",
        f"{settings.vonage_rest_api_url}/number/update",
        auth=_auth(settings),
        form={"country": country, "msisdn": e164.lstrip("+"), "moHttpUrl": urls["messages"]},
    )
    return None
