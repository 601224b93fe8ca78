"""Bad input, property-based: every service field against hostile values.

Each input either succeeds or is refused as a validation error (a translated
`ServiceValidationError`, or voluptuous' `vol.Invalid` from a schema), and a refusal
leaves nothing behind: no vendor call, no ledger change. The config flows get the same
in test_config_flow_bad_input.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any
from unittest.mock import AsyncMock, patch

from hypothesis import example, given, strategies as st
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
import voluptuous as vol

from custom_components.lockbooking.code_record import CodeStatus
from custom_components.lockbooking.const import DOMAIN
from custom_components.lockbooking.ledger import LEDGER
from custom_components.lockbooking.planner import code_problem
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.helpers.json import json_bytes

from .helpers import (
    EXTRA_FIELDS,
    SETTINGS,
    demo_device_id,
    hostile,
    is_clean,
    mostly,
    note,
    texts,
    with_placeholders,
)

pytestmark = pytest.mark.fault

RESPONSE_KEYS = {
    "device_id",
    "entity_id",
    "lock",
    "code",
    "starts",
    "ends",
    "kind",
    "uid",
    "name",
    "status",
    "decided_by",
    "notes",
}

# ------------------------------------------------------------------ strategies


# Real time zones, fixed offsets (up to ±23:59) and none (naive).
zones = st.one_of(
    st.none(),
    st.timezones(),
    st.timedeltas(
        min_value=timedelta(hours=-23, minutes=-59),
        max_value=timedelta(hours=23, minutes=59),
    ).map(timezone),
)
# DST gaps and folds in Vienna (Home Assistant's zone in these tests), written naively.
DST_MOMENTS = [
    "2026-03-29T02:30:00",
    "2026-03-29 02:00",
    "2026-10-25T02:30:00",
    "2026-10-25T02:59:59.999999",
]
any_datetime = st.datetimes(
    min_value=datetime(1, 1, 1),
    max_value=datetime(9999, 12, 31, 23, 59, 59),
    timezones=zones,
)
near_datetime = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2027, 6, 1), timezones=zones
)
moments = st.one_of(
    near_datetime,
    near_datetime.map(datetime.isoformat),
    near_datetime.map(lambda moment: moment.isoformat(sep=" ", timespec="minutes")),
    st.dates(min_value=date(2026, 1, 1), max_value=date(2027, 6, 1)),
    st.dates(min_value=date(2026, 1, 1), max_value=date(2027, 6, 1)).map(
        date.isoformat
    ),
    any_datetime,
    any_datetime.map(datetime.isoformat),
    st.dates().map(date.isoformat),
    st.sampled_from(
        [
            *DST_MOMENTS,
            "0001-01-01",
            "0001-01-01T00:00:00+14:00",
            "9999-12-31",
            "9999-12-31T23:59:59-12:00",
            "2026-02-30",
            "2026-12-01T24:00",
            "20261201",
            "2026-W48-1",
            "tomorrow",
            "2026-12-01T16:00:00Z",
            "2026-12-01T16:00:00+99:00",
        ]
    ),
    hostile,
)


# Codes that fit some demo lock, break one rule, or are not digits at all.
codes = mostly(
    st.one_of(
        st.sampled_from(
            ["345678", "456789", "987654", "123456", "000000", "0345678", "@code"]
        ),
        st.text("0123456789", min_size=0, max_size=14),
        st.integers(min_value=0, max_value=10**14),
    ),
    st.one_of(
        st.sampled_from(
            [
                "\u0661\u0662\u0663\u0664\u0665\u0666",
                "\uff13\uff14\uff15\uff16\uff17\uff18",
                "345678\n",
                " 345678",
                "34 56 78",
                "3.5e5",
            ]
        ),
        hostile,
    ),
)
names = mostly(
    st.sampled_from(["Anna", "Reserved - Anna", "Gäste 🏖", "  Anna  ", "A" * 100]),
    texts,
)
uids = mostly(
    st.sampled_from(["stay-1", "stay-2", "stay|x", "@uid", " stay-1", "ü" * 255]), texts
)

# Targets, named by placeholders resolved at run time (device ids are random).
LOCK_ENTITIES = ["lock.front_door", "lock.garden_gate", "sensor.cabin_battery"]
OTHER_ENTITIES = [
    "lock.foreign_lock",
    "sensor.not_there",
    "light.kitchen",
    "not an entity",
    "",
    "lock.",
    "LOCK.FRONT_DOOR",
]
LOCK_DEVICES = ["@front_door", "@cabin", "@garden_gate"]
OTHER_DEVICES = ["@foreign", "@stale", "", "no-such-device"]
entity_ids = mostly(
    st.one_of(
        st.sampled_from(LOCK_ENTITIES),
        st.lists(st.sampled_from(LOCK_ENTITIES), min_size=1, max_size=3),
        st.sampled_from(LOCK_ENTITIES).map(lambda one: f"{one}, lock.front_door"),
    ),
    st.one_of(
        st.sampled_from(OTHER_ENTITIES),
        st.lists(st.sampled_from(LOCK_ENTITIES + OTHER_ENTITIES), max_size=4),
        hostile,
    ),
)
device_ids = mostly(
    st.one_of(
        st.sampled_from(LOCK_DEVICES),
        st.lists(st.sampled_from(LOCK_DEVICES), min_size=1, max_size=3),
    ),
    st.one_of(
        st.sampled_from(OTHER_DEVICES),
        st.lists(st.sampled_from(LOCK_DEVICES + OTHER_DEVICES), max_size=4),
        hostile,
    ),
)
LOCK_TARGETS = [
    {"entity_id": "lock.front_door"},
    {"entity_id": "lock.garden_gate"},
    {"device_id": "@cabin"},
    {"entity_id": ["lock.front_door", "lock.garden_gate"]},
]
ISSUE_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "entity_id": entity_ids,
    "device_id": device_ids,
    "start": moments,
    "end": moments,
    "name": names,
    "uid": uids,
    "code": codes,
}
VALID_ISSUE = {"start": "2026-12-01T16:00:00+01:00", "end": "2026-12-05T11:00:00+01:00"}


@st.composite
def issue_calls(draw: st.DrawFn) -> dict[str, Any]:
    """A valid call with one field changed, or every field drawn; rarely extra fields."""
    if draw(st.booleans()):
        data = {**draw(st.sampled_from(LOCK_TARGETS)), **VALID_ISSUE}
        name = draw(st.sampled_from(sorted(ISSUE_FIELDS)))
        data[name] = draw(ISSUE_FIELDS[name])
    else:
        data = {**draw(st.sampled_from(LOCK_TARGETS)), **VALID_ISSUE}
        chosen = draw(st.sets(st.sampled_from(sorted(ISSUE_FIELDS))))
        data.update({name: draw(ISSUE_FIELDS[name]) for name in chosen})
        for name in draw(st.sets(st.sampled_from(sorted(data)), max_size=2)):
            del data[name]
    if draw(st.integers(0, 9)) == 0:
        data.update(draw(EXTRA_FIELDS))
    return data


@st.composite
def lookup_calls(draw: st.DrawFn, *, with_code: bool) -> dict[str, Any]:
    """revoke_code / get_codes data: optional targets, uid (and code); rarely extra fields."""
    fields = {
        "entity_id": entity_ids,
        "device_id": device_ids,
        "uid": mostly(st.sampled_from(["@uid", "stay-1", "seed-1"]), uids),
    }
    if with_code:
        fields["code"] = mostly(st.sampled_from(["@code", "345678"]), codes)
    data = draw(st.fixed_dictionaries({}, optional=fields))
    if draw(st.integers(0, 9)) == 0:
        data.update(draw(EXTRA_FIELDS))
    return data


# ------------------------------------------------------------------ services


@dataclass
class Demo:
    """The demo account's vendor, spied on, and the targets' placeholders."""

    hass: HomeAssistant
    entry: MockConfigEntry
    issue: AsyncMock
    revoke: AsyncMock
    devices: dict[str, str]
    seeded: dict[str, str] = field(default_factory=dict)

    def vendor_calls(self) -> int:
        """How many times the vendor was asked to issue or revoke."""
        return self.issue.await_count + self.revoke.await_count

    def resolve(self, value: Any) -> Any:
        """The call data with placeholders replaced by this run's device ids and codes."""
        return with_placeholders(value, {**self.seeded, **self.devices})


@pytest.fixture
async def demo(
    hass: HomeAssistant,
    init_demo: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    device_registry: dr.DeviceRegistry,
) -> AsyncIterator[Demo]:
    """The demo account in Vienna, a foreign lock, a stale device and vendor spies."""
    await hass.config.async_set_time_zone("Europe/Vienna")
    other = MockConfigEntry(domain="other_locks")
    other.add_to_hass(hass)
    foreign = device_registry.async_get_or_create(
        config_entry_id=other.entry_id,
        identifiers={("other_locks", "door")},
        name="Foreign door",
    )
    entity_registry.async_get_or_create(
        "lock",
        "other_locks",
        "door",
        device_id=foreign.id,
        suggested_object_id="foreign_lock",
    )
    # A lock that has left the account: its device is LockBooking's, its lock is gone.
    stale = device_registry.async_get_or_create(
        config_entry_id=init_demo.entry_id,
        identifiers={(DOMAIN, "demo_demo:gone")},
        name="Gone",
    )
    devices = {
        lock_id: demo_device_id(hass, lock_id)
        for lock_id in ("front_door", "cabin", "garden_gate")
    }
    vendor = init_demo.runtime_data.vendor
    with (
        patch.object(
            vendor, "async_issue_code", wraps=vendor.async_issue_code
        ) as issue,
        patch.object(
            vendor, "async_revoke_code", wraps=vendor.async_revoke_code
        ) as revoke,
    ):
        yield Demo(
            hass,
            init_demo,
            issue,
            revoke,
            {**devices, "foreign": foreign.id, "stale": stale.id},
        )


def ledger_state(hass: HomeAssistant) -> list[Any]:
    """Every record in the ledger, to compare before and after a call."""
    return list(hass.data[LEDGER].records())


async def call_service(
    demo: Demo, service: str, data: Any
) -> dict[str, Any] | Exception:
    """Call a service; the answer, or the validation error it was refused with.

    Anything but a validation error propagates and fails the test.
    """
    refusal: ServiceValidationError | vol.Invalid
    try:
        response = await demo.hass.services.async_call(
            DOMAIN, service, demo.resolve(data), blocking=True, return_response=True
        )
    except (ServiceValidationError, vol.Invalid) as err:
        refusal = err
    else:
        note("succeeded")
        return response
    if isinstance(refusal, ServiceValidationError):
        assert refusal.translation_key, refusal
        assert str(refusal), "the translation must render with its placeholders"
    note(
        f"refused: {getattr(refusal, 'translation_key', None) or type(refusal).__name__}"
    )
    return refusal


def assert_codes_contract(demo: Demo, response: dict[str, Any]) -> None:
    """A successful answer: the contract's keys, aware windows, codes that fit the lock."""
    assert set(response) == {"codes"}
    for code in response["codes"]:
        assert set(code) == RESPONSE_KEYS
        assert code["status"] in {status.value for status in CodeStatus}
        for moment in (code["starts"], code["ends"]):
            assert datetime.fromisoformat(moment).tzinfo is not None
        assert datetime.fromisoformat(code["starts"]) < datetime.fromisoformat(
            code["ends"]
        )
    # The ledger is stored as JSON: every record must survive serialisation.
    json_bytes([vars_of(record) for record in ledger_state(demo.hass)])


def vars_of(record: Any) -> dict[str, Any]:
    """A record's fields (slots dataclass) for serialisation."""
    return {name: getattr(record, name) for name in record.__dataclass_fields__}


@SETTINGS
@given(data=issue_calls())
# Found by this test (each failed before its fix): a TypeError in cv.entity_ids, a
# surrogate that made every later ledger write fail, a control character for the
# vendor, dates whose time zone arithmetic overflows.
@example(data={"entity_id": False, **VALID_ISSUE})
@example(data={"entity_id": "lock.front_door", **VALID_ISSUE, "uid": "stay-\ud800"})
@example(data={"entity_id": "lock.front_door", **VALID_ISSUE, "name": "Anna\x00"})
@example(
    data={
        "entity_id": "lock.front_door",
        "start": "0001-01-01T00:00:00+01:00",
        "end": "2026-12-05",
    }
)
@example(
    data={
        "entity_id": "lock.front_door",
        **VALID_ISSUE,
        "end": "9999-12-31T23:59:59-12:00",
    }
)
@example(
    data={
        "entity_id": "lock.front_door",
        **VALID_ISSUE,
        "code": "\uff13\uff14\uff15\uff16\uff17\uff18",
    }
)
async def test_issue_code_any_input(demo: Demo, data: dict[str, Any]) -> None:
    """issue_code: an answer with the contract, or a refusal that changed nothing."""
    before, calls = ledger_state(demo.hass), demo.vendor_calls()
    outcome = await call_service(demo, "issue_code", data)
    if isinstance(outcome, Exception):
        assert demo.vendor_calls() == calls, f"vendor called before refusing {data!r}"
        assert ledger_state(demo.hass) == before
        return
    assert_codes_contract(demo, outcome)
    assert outcome["codes"], "a successful issue names its codes"
    for call in demo.issue.await_args_list[calls:]:
        _, _, name, _ = call.args
        assert name.strip(), "a name reaches the vendor trimmed and not empty"
        assert is_clean(name), "nothing unprintable reaches a vendor"
    lock_rules = {
        lock.name: lock for lock in demo.entry.runtime_data.coordinator.data.values()
    }
    for code in outcome["codes"]:
        lock = lock_rules[code["lock"]]
        rules = next(rule for rule in lock.code_rules if rule.kind == code["kind"])
        assert code["status"] == "issued"
        assert code_problem(rules, code["code"]) in (None, "code_not_choosable")


@SETTINGS
@given(data=lookup_calls(with_code=True))
async def test_revoke_code_any_input(demo: Demo, data: dict[str, Any]) -> None:
    """revoke_code: revokes what matches, or refuses without touching vendor or ledger."""
    issued = await demo.hass.services.async_call(
        DOMAIN,
        "issue_code",
        {
            "entity_id": "lock.front_door",
            **VALID_ISSUE,
            "uid": f"seed-{len(ledger_state(demo.hass))}",
        },
        blocking=True,
        return_response=True,
    )
    demo.seeded.update(uid=issued["codes"][0]["uid"], code=issued["codes"][0]["code"])
    before, calls, revokes = (
        ledger_state(demo.hass),
        demo.vendor_calls(),
        demo.revoke.await_count,
    )
    outcome = await call_service(demo, "revoke_code", data)
    if isinstance(outcome, Exception):
        assert demo.vendor_calls() == calls, f"vendor called before refusing {data!r}"
        assert ledger_state(demo.hass) == before
        return
    assert_codes_contract(demo, outcome)
    assert outcome["codes"]
    assert all(code["status"] == "revoked" for code in outcome["codes"])
    assert demo.revoke.await_count - revokes == len(outcome["codes"])


@SETTINGS
@given(data=lookup_calls(with_code=False))
async def test_get_codes_any_input(demo: Demo, data: dict[str, Any]) -> None:
    """get_codes only reads: an answer or a refusal, never a vendor call or a change."""
    before, calls = ledger_state(demo.hass), demo.vendor_calls()
    outcome = await call_service(demo, "get_codes", data)
    assert demo.vendor_calls() == calls
    assert ledger_state(demo.hass) == before
    if not isinstance(outcome, Exception):
        assert_codes_contract(demo, outcome)


@pytest.mark.parametrize(
    "code",
    [
        "\uff13\uff14\uff15\uff16\uff17\uff18",
        "\u0663\u0664\u0665\u0666\u0667\u0668",
        "345678\n",
        " 345678",
        "3456 78",
        "+345678",
    ],
)
async def test_codes_are_ascii_digits(demo: Demo, code: str) -> None:
    """A code is refused as a field error unless it is 1 to 12 ASCII digits."""
    for service in ("issue_code", "revoke_code"):
        data = {
            "entity_id": "lock.garden_gate",
            "code": code,
            **(VALID_ISSUE if service == "issue_code" else {}),
        }
        err = await call_service(demo, service, data)
        assert isinstance(err, ServiceValidationError)
        assert (err.translation_key, err.translation_placeholders["field"]) == (
            "invalid_field",
            "code",
        )


async def test_chosen_code_in_use_sends_nothing(demo: Demo) -> None:
    """A chosen code another stay holds on one of the locks is refused before any lock gets it."""
    first = await call_service(
        demo,
        "issue_code",
        {"entity_id": "lock.front_door", **VALID_ISSUE, "uid": "a", "code": "345678"},
    )
    assert not isinstance(first, Exception)
    before, calls = ledger_state(demo.hass), demo.vendor_calls()
    err = await call_service(
        demo,
        "issue_code",
        {
            "entity_id": ["lock.garden_gate", "lock.front_door"],
            **VALID_ISSUE,
            "uid": "b",
            "code": "345678",
        },
    )
    assert isinstance(err, ServiceValidationError)
    assert err.translation_key == "code_in_use"
    assert err.translation_placeholders == {"lock": "Front door"}
    assert (demo.vendor_calls(), ledger_state(demo.hass)) == (calls, before)
    # The same stay asking again for its own code is no conflict.
    again = await call_service(
        demo,
        "issue_code",
        {"entity_id": "lock.front_door", **VALID_ISSUE, "uid": "a", "code": "345678"},
    )
    assert again["codes"][0]["code"] == "345678"


async def test_refused_call_data_is_not_logged(
    demo: Demo, caplog: pytest.LogCaptureFixture
) -> None:
    """A refused call's data (which can hold a door code) is not written to the log.

    Home Assistant logs the data of a call its schema refuses; the services check their
    data themselves, so a mistyped call with a real code does not put it in the log.
    """
    issued = await call_service(
        demo,
        "issue_code",
        {"entity_id": "lock.front_door", **VALID_ISSUE, "uid": "log"},
    )
    code = issued["codes"][0]["code"]
    caplog.clear()
    for service in ("issue_code", "revoke_code"):
        err = await call_service(
            demo, service, {"entity_id": "lock.front_door", "code": code, "typo": 1}
        )
        assert isinstance(err, ServiceValidationError)
        assert err.translation_placeholders["field"] == "typo"
    assert code not in caplog.text
