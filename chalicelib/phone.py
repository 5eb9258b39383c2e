"""Phone numbers: everything inside Keepline is E.164; logs see only a masked form."""

from __future__ import annotations

from chalicelib.errors import BadRequest


def to_e164(raw: str | None, field: str = "number", region: str | None = "US") -> str:
    """Normalise any carrier or user spelling ('14155550100', '+1 (415) 555-0100') to E.164."""
    import phonenumbers  # its metadata is a sizeable import: keep it off the cold start

    if not raw or not isinstance(raw, str):
        raise BadRequest(field, "is required and must be a phone number")
    text = raw.strip()
    if text.isdigit() and len(text) > 10:
        text = "+" + text  # carriers such as Vonage drop the leading '+'
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise BadRequest(field, f"is not a phone number ({exc})") from exc
    if not phonenumbers.is_possible_number(parsed):
        raise BadRequest(field, "is not a possible phone number")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def is_e164(value: str) -> bool:
    try:
        return to_e164(value) == value
    except BadRequest:
        return False


def mask(number: str | None) -> str:
    """'+14155550123' -> '+1415***0123': enough to correlate, not enough to identify."""
    if not number:
        return ""
    if len(number) <= 6:
        return "***"
    return f"{number[:5]}***{number[-4:]}"
