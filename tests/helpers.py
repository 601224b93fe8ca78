"""Helpers the test modules share: fixture files, the sample feed, look-ups, bad input.

Fixtures (in pytest's sense) live in the conftest.py of the folder that uses them, or
of the tests' root (tests/conftest.py) when several folders do.
"""

from __future__ import annotations

from collections.abc import Mapping
import json
import os
from pathlib import Path
from typing import Any
import unicodedata

from hypothesis import (
    HealthCheck,
    currently_in_test_context,
    event,
    settings,
    strategies as st,
)

from custom_components.lockbooking.const import DOMAIN
from custom_components.lockbooking.locks import async_device_of
from custom_components.lockbooking.models import Lock
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr

FIXTURES = Path(__file__).parent / "fixtures"

# The sample booking feed (tests/fixtures/ics/airbnb-1.0.ics), its address and stays.
FEED_URL = "https://www.airbnb.com/calendar/ical/12345.ics?s=secret-token"
FIRST_UID = "1418fb94e984-852c89f27ecf42cf813dc4bdc20995fa@airbnb.com"
SECOND_UID = "1418fb94e984-165adae695c008f101d2780ab84715a3@airbnb.com"


# ------------------------------------------------------------------ fixture files


def fixture(folder: str, name: str) -> Any:
    """A vendor's JSON payload: tests/fixtures/<folder>/<name>."""
    return json.loads((FIXTURES / folder / name).read_text())


def feed(name: str = "airbnb-1.0.ics") -> str:
    """A calendar in tests/fixtures/ics/: the sample booking feed unless named."""
    return (FIXTURES / "ics" / name).read_text(encoding="utf-8")


def without_event(ics: str, uid: str) -> str:
    """The feed with one VEVENT removed."""
    blocks = ics.split("BEGIN:VEVENT")
    kept = [blocks[0], *(b for b in blocks[1:] if uid not in b)]
    return "BEGIN:VEVENT".join(kept)


# ------------------------------------------------------------------ look-ups


async def calendar_events(
    hass: HomeAssistant,
    start: str = "2026-08-24T00:00:00+02:00",
    end: str = "2026-08-25T00:00:00+02:00",
    entity_id: str = "calendar.seaside_flat",
) -> list[dict[str, Any]]:
    """Ask a calendar for its events, as an automation's `calendar.get_events` does."""
    response = await hass.services.async_call(
        "calendar",
        "get_events",
        {"entity_id": entity_id, "start_date_time": start, "end_date_time": end},
        blocking=True,
        return_response=True,
    )
    assert response is not None
    events: list[dict[str, Any]] = response[entity_id]["events"]
    return events


def lock_device(hass: HomeAssistant, lock_key: str) -> dr.DeviceEntry | None:
    """The device of a lock, by its key, among lockbooking's entries' devices."""
    return next(
        (
            device
            for entry in hass.config_entries.async_entries(DOMAIN)
            if (device := async_device_of(hass, entry.entry_id, (DOMAIN, lock_key)))
        ),
        None,
    )


def device_id(hass: HomeAssistant, lock_key: str) -> str:
    """The device id of a lock, by its key; the lock must have a device."""
    device = lock_device(hass, lock_key)
    assert device is not None, lock_key
    return device.id


def demo_device_id(hass: HomeAssistant, lock_id: str) -> str:
    """The device id of one of the demo account's locks ("front_door", "cabin", ...)."""
    return device_id(hass, f"demo_demo:{lock_id}")


def vendor_of[V](entry: ConfigEntry, kind: type[V]) -> V:
    """An account entry's vendor, which must be a `kind`."""
    vendor = entry.runtime_data.vendor
    assert isinstance(vendor, kind)
    return vendor


def lock_of(entry: ConfigEntry, lock_id: str) -> Lock:
    """One lock of an account entry, as its coordinator last read it."""
    return entry.runtime_data.coordinator.data[lock_id]


# ------------------------------------------------------------------ bad input
# Hypothesis strategies for what a form or an automation may deliver.

SETTINGS = settings(
    database=None,
    max_examples=int(os.environ.get("BAD_INPUT_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Every character class a form or an automation can deliver, surrogates included
# (JSON's "\ud800" escape arrives in Python as a lone surrogate).
any_char = st.characters(codec=None, exclude_categories=[])
nasty_char = st.characters(categories=["Cc", "Cs", "Cf", "Zs", "Zl", "Zp", "Co"])
NASTY_STRINGS = [
    "",
    " ",
    "\x00",
    "\n",
    "\r\n",
    "a\x00b",
    "tab\there",
    "\u202eevil",
    "\ud800",
    "\ufeff",
    "💥🔑",
    "Ω" * 300,
    "x" * 3000,
    "0" * 13,
    "null",
    "None",
    "<script>",
    "'; DROP TABLE codes; --",
    "../../etc/passwd",
    "%s%n",
    "{{ 7 * 7 }}",
]
texts = st.one_of(
    st.text(any_char, max_size=30),
    st.text(nasty_char, min_size=1, max_size=10),
    st.sampled_from(NASTY_STRINGS),
    st.text(any_char, min_size=250, max_size=300),
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    texts,
)
hostile = st.one_of(
    scalars,
    st.lists(scalars, max_size=3),
    st.dictionaries(st.text(max_size=5), scalars, max_size=3),
    st.binary(max_size=10),
)
# Fields a service or a form does not have, with any value.
EXTRA_FIELDS = st.dictionaries(
    st.one_of(
        st.sampled_from(["area_id", "label_id", "codes", "start_time", "Code"]), texts
    ),
    hostile,
    min_size=1,
    max_size=2,
)


def mostly(
    plausible: st.SearchStrategy[Any], rare: st.SearchStrategy[Any] = hostile
) -> st.SearchStrategy[Any]:
    """Plausible values three times out of four, so that calls also get through."""
    return st.integers(0, 3).flatmap(lambda pick: plausible if pick else rare)


def note(outcome: str) -> None:
    """Count an outcome in Hypothesis' statistics (--hypothesis-show-statistics)."""
    if currently_in_test_context():
        event(outcome)


def with_placeholders(value: Any, known: Mapping[str, Any]) -> Any:
    """`value` with every "@name" string in it replaced by known[name], if known."""
    if isinstance(value, str) and value.startswith("@"):
        return known.get(value[1:], value)
    if isinstance(value, list):
        return [with_placeholders(item, known) for item in value]
    if isinstance(value, dict):
        return {key: with_placeholders(item, known) for key, item in value.items()}
    return value


def is_clean(text: str) -> bool:
    """Whether text has no control characters or lone surrogates."""
    return not any(unicodedata.category(char) in ("Cc", "Cs") for char in text)
