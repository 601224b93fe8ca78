"""Synthetic booking feeds shaped like Airbnb's current export, and a localhost feed server."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
import hashlib
import random

from aiohttp import web

# What Airbnb writes (see tests/fixtures/ics/airbnb-1.0.ics): CRLF, all-day events,
# a DESCRIPTION folded at 75 octets with the guest's last four phone digits.
HEADER = (
    "BEGIN:VCALENDAR",
    "PRODID:-//Airbnb Inc//Hosting Calendar 1.0//EN",
    "CALSCALE:GREGORIAN",
    "VERSION:2.0",
)
STAMP = "20260822T073647Z"


@dataclass(frozen=True, slots=True)
class Stay:
    """One event of a feed: a guest's stay, or the host's block."""

    uid: str
    checkin: date
    checkout: date
    blocked: bool = False


def stays(
    count: int,
    first: date,
    seed: int,
    *,
    blocks: float = 0.2,
    units: int = 1,
    max_nights: int = 7,
) -> list[Stay]:
    """`count` events from `first` on: 1 to `max_nights` nights, short gaps; a share of them blocks.

    With `units` > 1 the events are spread over that many calendars' worth of nights,
    so a feed of thousands of events still spans about a year per unit.
    """
    rng = random.Random(seed)
    days = [first] * units
    result = []
    for number in range(count):
        unit = number % units
        checkin = days[unit] + timedelta(days=rng.choice((0, 0, 0, 1, 2)))
        checkout = checkin + timedelta(days=rng.randint(1, max_nights))
        days[unit] = checkout
        uid = f"{hashlib.md5(f'{seed}-{number}'.encode()).hexdigest()[:12]}-{number:032x}@airbnb.com"
        result.append(Stay(uid, checkin, checkout, blocked=rng.random() < blocks))
    return result


def airbnb_feed(events: list[Stay]) -> str:
    """Write the events as Airbnb exports them."""
    lines = list(HEADER)
    for number, stay in enumerate(events):
        lines += [
            "BEGIN:VEVENT",
            f"DTSTAMP:{STAMP}",
            f"DTSTART;VALUE=DATE:{stay.checkin:%Y%m%d}",
            f"DTEND;VALUE=DATE:{stay.checkout:%Y%m%d}",
            f"SUMMARY:{'Airbnb (Not available)' if stay.blocked else 'Reserved'}",
            f"UID:{stay.uid}",
        ]
        if not stay.blocked:
            lines += [
                "DESCRIPTION:Reservation URL: https://www.airbnb.com/hosting/reservations/de",
                f" tails/HM{number:08X}\\nPhone Number (Last 4 Digits): {number % 10000:04d}",
            ]
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "\r\n".join(lines) + "\r\n"


class FeedServer:
    """Feeds on http://127.0.0.1:<port>/<name>.ics, with ETags and 304 answers, counted."""

    def __init__(self) -> None:
        """No feeds yet; `async_start` before use."""
        self.feeds: dict[str, str] = {}
        self.answers: Counter[tuple[str, int]] = Counter()
        self._runner: web.AppRunner | None = None
        self.port = 0

    def url(self, name: str) -> str:
        """Where a feed is served."""
        return f"http://127.0.0.1:{self.port}/{name}.ics"

    def answered(self, status: int) -> int:
        """How many answers of this status all feeds gave."""
        return sum(count for (_, code), count in self.answers.items() if code == status)

    async def async_start(self) -> None:
        """Listen on a free localhost port."""
        app = web.Application()
        app.router.add_get("/{name}.ics", self._serve)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def async_stop(self) -> None:
        """Stop listening."""
        if self._runner is not None:
            await self._runner.cleanup()

    async def _serve(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        text = self.feeds[name]
        etag = f'"{hashlib.sha1(text.encode()).hexdigest()}"'
        if request.headers.get("If-None-Match") == etag:
            self.answers[(name, 304)] += 1
            return web.Response(status=304, headers={"ETag": etag})
        self.answers[(name, 200)] += 1
        return web.Response(
            text=text, content_type="text/calendar", headers={"ETag": etag}
        )
