"""Twilio: IncomingPhoneNumbers (list, look up by number, update SmsUrl / VoiceUrl / StatusCallback)."""

from __future__ import annotations

from urllib.parse import quote

from chalicelib.carriers import http
from chalicelib.carriers.provisioning import CarrierNumber, credential
from chalicelib.settings import Settings


def api_url(settings: Settings) -> str:
    return settings.twilio_api_base_url


def _account(settings: Settings) -> tuple[str, tuple[str, str]]:
    sid, token = credential(settings, "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN")
    return f"{settings.twilio_api_base_url}/2010-04-01/Accounts/{sid}/IncomingPhoneNumbers", (sid, token)


def list_numbers(settings: Settings) -> list[CarrierNumber]:
    base, auth = _account(settings)
    found: list[CarrierNumber] = []
    url: str | None = f"{base}.json?PageSize=100"
    while url:
        page = http.request("GET", url, auth=auth).json()
        for item in page.get("incoming_phone_numbers", []):
            caps = frozenset(k.lower() for k, on in (item.get("capabilities") or {}).items() if on)
            found.append(CarrierNumber(item["phone_number"], item.get("sid"), caps or frozenset({"sms", "voice"})))
        next_uri = page.get("next_page_uri")
        url = f"{settings.twilio_api_base_url}{next_uri}" if next_uri else None
    return found


def point_webhooks(settings: Settings, e164: str, carrier_ref: str | None, urls: dict[str, str]) -> str:
    base, auth = _account(settings)
    sid = carrier_ref or _lookup(base, auth, e164)
    http.request(
        "POST",
        f"{base}/{sid}.json",
        auth=auth,
        form={
            "SmsUrl": urls["messages"],
            "SmsMethod": "POST",
            "VoiceUrl": urls["voice"],
            "VoiceMethod": "POST",
            "StatusCallback": urls["voice_status"],
            "StatusCallbackMethod": "POST",
        },
    )
    return sid


def _lookup(base: str, auth: tuple[str, str], e164: str) -> str:
    page = http.request("GET", f"{base}.json?PhoneNumber={quote(e164)}", auth=auth).json()
    for item in page.get("incoming_phone_numbers", []):
        return item["sid"]
    raise http.CarrierError(f"{e164} is not on the Twilio account")
