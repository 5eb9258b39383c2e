"""SMS segment counting: GSM-7 (160 / 153 per part) unless any character needs UCS-2 (70 / 67)."""

from __future__ import annotations

from dataclasses import dataclass

_GSM_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXTENDED = "^{}\\[~]|€\f"  # each costs two septets (escape + character)
GSM = frozenset(_GSM_BASIC)
GSM_EXT = frozenset(_GSM_EXTENDED)


@dataclass(frozen=True)
class Segments:
    encoding: str  # "GSM-7" | "UCS-2"
    count: int
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)


def count(text: str) -> Segments:
    if all(c in GSM or c in GSM_EXT for c in text):
        units = sum(2 if c in GSM_EXT else 1 for c in text)
        single, multi, encoding = 160, 153, "GSM-7"
    else:
        units = len(text.encode("utf-16-le")) // 2  # characters outside the BMP take two units
        single, multi, encoding = 70, 67, "UCS-2"
    if units <= single:
        return Segments(encoding, 1 if units else 0, units)
    return Segments(encoding, -(-units // multi), units)
