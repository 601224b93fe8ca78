"""What names a booking in a stay's description: its confirmation code or its link.

Pure: no Home Assistant, no I/O. A stay that comes back under a new uid keeps its door
codes only when something like this says it is the same booking; dates and a summary
say nothing (Booking.com and VRBO give every booking the same summary). A reference
found here is normalised so that the same booking always gives the same text.

Descriptions are clipped before they get here (`MAX_DESCRIPTION_CHARS`) and every
pattern is linear, so a feed cannot make this slow.
"""

from __future__ import annotations

import re

# Airbnb: "Reservation URL: https://www.airbnb.com/hosting/reservations/details/HM…".
_AIRBNB_DETAILS = re.compile(
    r"airbnb\.[a-z.]{2,12}/hosting/reservations/details/([a-z0-9]{6,20})\b",
    re.IGNORECASE,
)
# "Confirmation code: HMY1D6SD91", "Booking number: 4711223344", "Reservation ID: HA-1".
# The label must say code, number or id: "Booking from Airbnb" names nothing.
_LABELLED = re.compile(
    r"\b(?:confirmation|reservation|booking)[ \t]*"
    r"(?:code|number|no\.?|nr\.?|id|ref(?:erence)?|#)[ \t]*[:#]?[ \t]*"
    r"([a-z0-9][a-z0-9-]{3,39})(?![a-z0-9-])",
    re.IGNORECASE,
)
# A link to one booking (its path names reservations or bookings, and an id).
_LINK = re.compile(
    r"https?://([^\s/?#<>\"']{1,253})([^\s#<>\"']{0,500})", re.IGNORECASE
)
_BOOKING_PATH = re.compile(r"reserv|booking", re.IGNORECASE)


def stay_reference(description: str | None) -> str | None:
    """Find the booking's own reference in a description, normalised (None: none)."""
    if not description:
        return None
    if match := _AIRBNB_DETAILS.search(description):
        return match.group(1).upper()
    for match in _LABELLED.finditer(description):
        # A code has a digit: "Reservation number: pending" is no reference.
        if any(char.isdigit() for char in match.group(1)):
            return match.group(1).upper()
    for match in _LINK.finditer(description):
        host, rest = match.group(1).lower(), match.group(2).rstrip(".,;:)]}")
        if _BOOKING_PATH.search(rest) and any(char.isdigit() for char in rest):
            return f"{host.removeprefix('www.')}{rest}"
    return None
