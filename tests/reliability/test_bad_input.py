"""Bad input, property-based: every service and config-flow field against hostile values.

Each input either succeeds or is refused as a validation error (a translated
`ServiceValidationError`, voluptuous' `vol.Invalid` from a schema, or a form error),
and a refusal leaves nothing behind: no vendor call, no ledger change, no request
carrying what the host typed by mistake.
"""

from __future__ import annotations

from base64 import b64encode
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
import json
import os
from pathlib import Path
import re
from typing import Any
import unicodedata
from unittest.mock import AsyncMock, patch

import aiohttp
from hypothesis import (
    HealthCheck,
    currently_in_test_context,
    event,
    example,
    given,
    settings,
    strategies as st,
)
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.test_util.aiohttp import (
    AiohttpClientMocker,
    AiohttpClientMockResponse,
)
import voluptuous as vol
from yarl import URL

import custom_components.lockbooking as integration
from custom_components.lockbooking.code_record import CodeStatus
from custom_components.lockbooking.const import DOMAIN
from custom_components.lockbooking.ledger import LEDGER
from custom_components.lockbooking.planner import code_problem
from custom_components.lockbooking.reservations.feed import is_blocked
from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.helpers.json import json_bytes

from ..helpers import lock_device

FIXTURES = Path(__file__).parent.parent / "fixtures"
SETTINGS = settings(
    database=None,
    max_examples=int(os.environ.get("BAD_INPUT_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
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


def mostly(
    plausible: st.SearchStrategy[Any], rare: st.SearchStrategy[Any] = hostile
) -> st.SearchStrategy[Any]:
    """Plausible values three times out of four, so that calls also get through."""
    return st.integers(0, 3).flatmap(lambda pick: plausible if pick else rare)


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
# Fields the services do not have, with any value.
EXTRA_FIELDS = st.dictionaries(
    st.one_of(
        st.sampled_from(["area_id", "label_id", "codes", "start_time", "Code"]), texts
    ),
    hostile,
    min_size=1,
    max_size=2,
)
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
        if isinstance(value, str) and value.startswith("@"):
            return self.devices.get(value[1:], self.seeded.get(value[1:], value))
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        if isinstance(value, dict):
            return {key: self.resolve(item) for key, item in value.items()}
        return value


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
        lock_id: lock_device(hass, f"demo_demo:{lock_id}").id
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


def note(outcome: str) -> None:
    """Count an outcome in Hypothesis' statistics (--hypothesis-show-statistics)."""
    if currently_in_test_context():
        event(outcome)


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


# ------------------------------------------------------------------ config flows

NUKI_API = "https://api.nuki.io"
NUKI_TOKEN = "nuki-test-token-9f8e7d6c"
IGLOO_CLIENT_ID = "4rm1q2example7clientid0abc"
IGLOO_CLIENT_SECRET = "s3cr3t-example-client-secret-value"
IGLOO_TOKEN_URL = "https://auth.igloohome.co/oauth2/token"
IGLOO_DEVICES_URL = "https://api.igloodeveloper.co/igloohome/devices"
UNIFI_HOST = "192.168.1.1"
UNIFI_TOKEN = "wHFmHRuX4I7sB2oDkD6wHg"
FEED_URL = "https://www.airbnb.com/calendar/ical/12345.ics?s=secret-token"
STRINGS = json.loads(
    (
        Path(__file__).parents[2] / "custom_components" / "lockbooking" / "strings.json"
    ).read_text()
)
# Form errors that bad input may cause: everything translated but "unknown", which is
# for a vendor's genuinely unexpected failures.
INPUT_ERRORS = set(STRINGS["config"]["error"]) - {"unknown"}
ABORTS = set(STRINGS["config"]["abort"])


def fixture(vendor: str, name: str) -> Any:
    return json.loads((FIXTURES / vendor / name).read_text())


def authorized(
    aioclient_mock: AiohttpClientMocker,
    expected: str,
    answer: Callable[[], dict[str, Any]],
    refusal: int = 401,
) -> Callable[..., Any]:
    """A vendor's answer when the request carries the right Authorization, else a refusal."""

    async def respond(method: str, url: URL, data: Any) -> AiohttpClientMockResponse:
        headers = aioclient_mock.mock_calls[-1][3] or {}
        if headers.get("Authorization") == expected:
            return AiohttpClientMockResponse(method, url, **answer())
        return AiohttpClientMockResponse(
            method, url, status=refusal, json={"error": "invalid_client"}
        )

    return respond


@dataclass
class Flows:
    """Home Assistant with the demo locks, vendors answering on their real URLs."""

    hass: HomeAssistant
    http: AiohttpClientMocker
    demo: MockConfigEntry
    devices: dict[str, str]

    def resolve(self, value: Any) -> Any:
        """Replace device placeholders by this run's device ids."""
        if isinstance(value, str) and value.startswith("@"):
            return self.devices.get(value[1:], value)
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        if isinstance(value, dict):
            return {key: self.resolve(item) for key, item in value.items()}
        return value


@pytest.fixture
async def flows(
    hass: HomeAssistant,
    init_demo: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    device_registry: dr.DeviceRegistry,
) -> AsyncIterator[Flows]:
    """Vendors and a feed on their real URLs; only reservations entries set up for real.

    A vendor account a flow creates is not set up (its vendor's API is not the subject
    here); a reservations entry is, to prove that what the form stored works.
    """
    await hass.config.async_set_time_zone("Europe/Vienna")
    basic = (
        "Basic "
        + b64encode(f"{IGLOO_CLIENT_ID}:{IGLOO_CLIENT_SECRET}".encode()).decode()
    )
    nuki = f"Bearer {NUKI_TOKEN}"
    aioclient_mock.get(
        f"{NUKI_API}/smartlock",
        side_effect=authorized(
            aioclient_mock, nuki, lambda: {"json": fixture("nuki", "smartlocks.json")}
        ),
    )
    aioclient_mock.get(
        f"{NUKI_API}/account",
        side_effect=authorized(
            aioclient_mock, nuki, lambda: {"json": fixture("nuki", "account.json")}
        ),
    )
    aioclient_mock.post(
        IGLOO_TOKEN_URL,
        side_effect=authorized(
            aioclient_mock,
            basic,
            lambda: {"json": fixture("igloohome", "token.json")},
            400,
        ),
    )
    aioclient_mock.get(IGLOO_DEVICES_URL, json=fixture("igloohome", "devices.json"))
    aioclient_mock.get(
        re.compile(r"^https://[^/]+:12445/api/v1/developer/doors$"),
        side_effect=authorized(
            aioclient_mock,
            f"Bearer {UNIFI_TOKEN}",
            lambda: {"json": fixture("unifi_access", "doors.json")},
        ),
    )
    ics = (FIXTURES / "ics" / "airbnb-1.0.ics").read_text()
    aioclient_mock.get(FEED_URL, text=ics)

    async def elsewhere(method: str, url: URL, data: Any) -> AiohttpClientMockResponse:
        if url.host in ("localhost", "127.0.0.1", "::1"):
            raise aiohttp.ClientConnectionError("Connection refused")
        return AiohttpClientMockResponse(
            method, url, status=404, text="<html>Not found</html>"
        )

    aioclient_mock.get(re.compile(".*"), side_effect=elsewhere)
    devices = {
        lock_id: lock_device(hass, f"demo_demo:{lock_id}").id
        for lock_id in ("front_door", "cabin", "garden_gate")
    }
    other = MockConfigEntry(domain="other_locks")
    other.add_to_hass(hass)
    devices["foreign"] = device_registry.async_get_or_create(
        config_entry_id=other.entry_id, identifiers={("other_locks", "door")}
    ).id
    real_setup, real_unload = (
        integration.async_setup_entry,
        integration.async_unload_entry,
    )

    def for_real(entry: Any) -> bool:
        return (
            entry.data.get("kind") == "reservations"
            or entry.entry_id == init_demo.entry_id
        )

    async def setup(hass: HomeAssistant, entry: Any) -> bool:
        return await real_setup(hass, entry) if for_real(entry) else True

    async def unload(hass: HomeAssistant, entry: Any) -> bool:
        return await real_unload(hass, entry) if for_real(entry) else True

    with (
        patch.object(integration, "async_setup_entry", setup),
        patch.object(integration, "async_unload_entry", unload),
        patch("custom_components.lockbooking.vendors.retry.sleep"),
    ):
        yield Flows(hass, aioclient_mock, init_demo, devices)


def is_clean(text: str) -> bool:
    """Whether text has no control characters or lone surrogates."""
    return not any(unicodedata.category(char) in ("Cc", "Cs") for char in text)


def assert_requests_sane(flows: Flows, since: int) -> None:
    """Every request since `since` went over HTTP(S), with printable ASCII headers."""
    for method, url, _, headers in flows.http.mock_calls[since:]:
        assert url.scheme in ("http", "https"), (method, url)
        assert url.host, url
        assert is_clean(str(url)), url
        for name, value in (headers or {}).items():
            assert all(" " <= char <= "~" for char in str(value)), (
                f"header {name} of {url}"
            )


async def submit(
    flows: Flows, flow_id: str, user_input: Any, *, options: bool = False
) -> Any:
    """Submit a form; the result, or the schema error the frontend shows on the field."""
    manager = (
        flows.hass.config_entries.options if options else flows.hass.config_entries.flow
    )
    try:
        return await manager.async_configure(flow_id, flows.resolve(user_input))
    except vol.Invalid as err:
        note("refused by the schema")
        # The host leaves the form: no flow stays open into the next example (a reload
        # aborts the entry's open reauth flows, so one left open races the next).
        manager.async_abort(flow_id)
        return err


async def assert_outcome(flows: Flows, result: Any, fields: set[str]) -> None:
    """A form error, a schema error, an entry that works, or a known abort; then clean up."""
    hass = flows.hass
    if isinstance(result, vol.Invalid):
        return
    kind = result["type"]
    note(f"{kind}: {result.get('errors') or result.get('reason') or ''}")
    if kind is FlowResultType.FORM:
        assert result["errors"], "a form shown again must say why"
        assert set(result["errors"]) <= fields | {"base"}, result["errors"]
        assert set(result["errors"].values()) <= INPUT_ERRORS, result["errors"]
        hass.config_entries.flow.async_abort(result["flow_id"])
        return
    if kind is FlowResultType.ABORT:
        assert result["reason"] in ABORTS, result["reason"]
        return
    assert kind is FlowResultType.CREATE_ENTRY, result
    entry = result["result"]
    # What a form stored must be storable (UTF-8 JSON) and usable.
    json_bytes(
        {"title": entry.title, "data": dict(entry.data), "options": dict(entry.options)}
    )
    assert entry.title.strip()
    assert is_clean(entry.title)
    if entry.data.get("kind") == "reservations":
        for key in ("checkin_time", "checkout_time"):
            time.fromisoformat(entry.data[key])
        assert len(set(entry.data["locks"])) == len(entry.data["locks"])
        if "calendar" in entry.data:
            assert hass.states.get(entry.data["calendar"]) is not None
        if "url" in entry.data:
            assert entry.state is ConfigEntryState.LOADED, entry.state
    await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()


async def start(flows: Flows, step: str) -> str:
    """Open the add-integration menu and pick a step; the flow id."""
    result = await flows.hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    result = await flows.hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": step}
    )
    assert result["type"] is FlowResultType.FORM
    return result["flow_id"]


def text_field(*plausible: str) -> st.SearchStrategy[Any]:
    """A text field: plausible values (or slight variations) mostly, anything else rarely."""
    good = st.sampled_from(plausible)
    return mostly(
        st.one_of(good, good.map(lambda value: f"  {value}\n"), good.map(str.upper)),
        st.one_of(
            texts,
            hostile,
            good.map(lambda value: value + "\x00"),
            good.map(lambda value: value + "é"),
        ),
    )


@st.composite
def form(
    draw: st.DrawFn, valid: dict[str, Any], fields: dict[str, st.SearchStrategy[Any]]
) -> dict[str, Any]:
    """A form submission: the valid one with one field changed or left out, or all drawn.

    Rarely with a field the form does not have.
    """
    data = dict(valid)
    name = draw(st.sampled_from(sorted(fields)))
    if draw(st.integers(0, 3)):
        data[name] = draw(fields[name])
    elif draw(st.booleans()):
        data.pop(name, None)
    else:
        data = {
            key: draw(value) for key, value in fields.items() if draw(st.integers(0, 5))
        }
    if draw(st.integers(0, 9)) == 0:
        data.update(draw(EXTRA_FIELDS))
    return data


FLOW_SETTINGS = settings(
    SETTINGS, max_examples=int(os.environ.get("BAD_INPUT_EXAMPLES", "40"))
)


@FLOW_SETTINGS
@given(
    step=mostly(
        st.sampled_from(["demo", "igloohome", "nuki", "unifi_access", "reservations"]),
        st.one_of(
            st.sampled_from(
                [
                    "reauth_confirm",
                    "reconfigure",
                    "pin_certificate",
                    "reject_certificate",
                    "init",
                    "user",
                    "DEMO",
                ]
            ),
            hostile,
        ),
    )
)
async def test_menu_any_choice(flows: Flows, step: Any) -> None:
    """The add-integration menu: a listed choice opens its form; anything else is refused."""
    result = await flows.hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    outcome = await submit(flows, result["flow_id"], {"next_step_id": step})
    if not isinstance(outcome, vol.Invalid):
        assert outcome["type"] in (FlowResultType.FORM, FlowResultType.MENU), outcome
        assert not outcome.get("errors")
        flows.hass.config_entries.flow.async_abort(outcome["flow_id"])


@FLOW_SETTINGS
@given(
    user_input=form(
        {"name": "Demo 2"}, {"name": text_field("Demo 2", "Ferienhaus Müller", "Cabin")}
    )
)
@example(user_input={"name": "Demo\ud800"})
@example(user_input={"name": "Demo\x00"})
async def test_demo_step_any_input(flows: Flows, user_input: dict[str, Any]) -> None:
    flow_id = await start(flows, "demo")
    since = flows.http.call_count
    await assert_outcome(flows, await submit(flows, flow_id, user_input), {"name"})
    assert flows.http.call_count == since


@FLOW_SETTINGS
@given(
    user_input=form(
        {"client_id": IGLOO_CLIENT_ID, "client_secret": IGLOO_CLIENT_SECRET},
        {
            "client_id": text_field(IGLOO_CLIENT_ID, "other-client"),
            "client_secret": text_field(IGLOO_CLIENT_SECRET, "wrong-secret"),
        },
    )
)
@example(user_input={"client_id": "", "client_secret": "Ā"})
@example(user_input={"client_id": "client:id", "client_secret": IGLOO_CLIENT_SECRET})
@example(user_input={"client_id": "clientЖ", "client_secret": IGLOO_CLIENT_SECRET})
async def test_igloohome_step_any_input(
    flows: Flows, user_input: dict[str, Any]
) -> None:
    flow_id = await start(flows, "igloohome")
    since = flows.http.call_count
    await assert_outcome(
        flows, await submit(flows, flow_id, user_input), {"client_id", "client_secret"}
    )
    assert_requests_sane(flows, since)


@FLOW_SETTINGS
@given(
    user_input=form(
        {"api_token": NUKI_TOKEN},
        {"api_token": text_field(NUKI_TOKEN, "revoked-token")},
    )
)
@example(user_input={"api_token": "\x1b"})
@example(user_input={"api_token": f"{NUKI_TOKEN}\r\nX-Injected: 1"})
@example(user_input={"api_token": f"  {NUKI_TOKEN}\n"})
async def test_nuki_step_any_input(flows: Flows, user_input: dict[str, Any]) -> None:
    flow_id = await start(flows, "nuki")
    since = flows.http.call_count
    await assert_outcome(flows, await submit(flows, flow_id, user_input), {"api_token"})
    assert_requests_sane(flows, since)


HOSTS = text_field(
    UNIFI_HOST,
    f"https://{UNIFI_HOST}:12445/",
    "unifi.local",
    "[fe80::1]",
    "fe80::1",
    "192.168.1.1:443",
    "user@192.168.1.1",
    "192.168.1.1/../../x",
    "192.168.1.1#frag",
    "192.168.1.1?x=1",
    "192.168.1.1:99999",
    "192.168.1.1:abc",
    "[::1",
    "-bad-.local",
    "a..b",
    "ftp://192.168.1.1",
    "",
)
booleans = mostly(st.booleans())


@FLOW_SETTINGS
@given(
    user_input=form(
        {"host": UNIFI_HOST, "api_token": UNIFI_TOKEN, "verify_ssl": True},
        {
            "host": HOSTS,
            "api_token": text_field(UNIFI_TOKEN, "other-token"),
            "verify_ssl": booleans,
        },
    )
)
@example(
    user_input={
        "host": UNIFI_HOST,
        "api_token": f"  {UNIFI_TOKEN}\n",
        "verify_ssl": True,
    }
)
@example(user_input={"host": UNIFI_HOST, "api_token": "tökén", "verify_ssl": True})
async def test_unifi_access_step_any_input(
    flows: Flows, user_input: dict[str, Any]
) -> None:
    flow_id = await start(flows, "unifi_access")
    since = flows.http.call_count
    await assert_outcome(
        flows,
        await submit(flows, flow_id, user_input),
        {"host", "api_token", "verify_ssl"},
    )
    assert_requests_sane(flows, since)


@pytest.mark.parametrize(
    "host",
    [
        "a b",
        "192.168.1.1#x",
        "192.168.1.1?x",
        "user@192.168.1.1",
        "[::1",
        "ftp://192.168.1.1",
        "-bad-.local",
        "a..b",
        "",
        "192.168.1.1:99999",
    ],
)
async def test_unusable_host_is_refused_before_any_request(
    flows: Flows, host: str
) -> None:
    flow_id = await start(flows, "unifi_access")
    since = flows.http.call_count
    result = await submit(
        flows, flow_id, {"host": host, "api_token": UNIFI_TOKEN, "verify_ssl": True}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"host": "invalid_host"}
    assert flows.http.call_count == since


@pytest.mark.parametrize(
    "host",
    [
        UNIFI_HOST,
        f"https://{UNIFI_HOST}:12445/",
        "unifi.local",
        "[fe80::1]",
        "fe80::1",
        "Unifi-1.example.com:8443",
        "ünifi.local",
    ],
)
async def test_usable_hosts_are_accepted(flows: Flows, host: str) -> None:
    flow_id = await start(flows, "unifi_access")
    result = await submit(
        flows, flow_id, {"host": host, "api_token": UNIFI_TOKEN, "verify_ssl": True}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY, result.get("errors")


FEED_URLS = text_field(
    FEED_URL,
    FEED_URL.replace("https://", "webcal://"),
    FEED_URL.replace("https://", "WEBCALS://"),
    FEED_URL.replace("https://www.airbnb.com", "HTTPS://WWW.AIRBNB.COM"),
    "https://www.airbnb.com/calendar/ical/404.ics",
    "http://localhost/calendar.ics",
    "http://127.0.0.1:8123/local/stays.ics",
    "http://localhost",
    "file:///etc/passwd",
    "ftp://example.com/stays.ics",
    "javascript:alert(1)",
    "data:text/calendar,BEGIN:VCALENDAR",
    "gopher://example.com/",
    "webcal://",
    "https://",
    "https://:443/x.ics",
    "http://[::1",
    "https://example.com:99999/x.ics",
    "https://exa mple.com/x.ics",
    "https://example.com/\x00.ics",
    "//example.com/x.ics",
    "example.com/x.ics",
    "https://example.com/" + "a" * 10_240,
)
TIMES = mostly(
    st.sampled_from(["16:00:00", "15:00", "0:00", "23:59:59", "11:00:00"]),
    st.one_of(
        st.sampled_from(
            [
                "1:2",
                "+1_6:0",
                " 16:00",
                "\uff11\uff16:00",
                "16:00:00:00",
                "24:00",
                "16:60",
                "",
                "noon",
                "16:00:00.5",
                "-1:00",
            ]
        ),
        hostile,
    ),
)
LOCK_CHOICES = mostly(
    st.lists(
        st.sampled_from(["@front_door", "@cabin", "@garden_gate"]),
        min_size=1,
        max_size=3,
    ),
    st.one_of(
        st.lists(
            st.sampled_from(["@foreign", "not-a-device", "", "@front_door"]), max_size=3
        ),
        hostile,
    ),
)
RESERVATION_FIELDS = {
    "name": text_field("Seaside flat", "Ferienwohnung Müller", " Flat  2 "),
    "url": FEED_URLS,
    "calendar": mostly(
        st.sampled_from(["calendar.stays", "calendar.not_there"]),
        st.one_of(texts, hostile),
    ),
    "locks": LOCK_CHOICES,
    "checkin_time": TIMES,
    "checkout_time": TIMES,
}


VALID_RESERVATION = {
    "name": "Seaside flat",
    "url": FEED_URL,
    "locks": ["@front_door"],
    "checkin_time": "16:00:00",
    "checkout_time": "11:00:00",
}


@st.composite
def reservation_inputs(draw: st.DrawFn) -> dict[str, Any]:
    """A reservations form, from a feed mostly, sometimes a calendar, both or neither."""
    data = draw(form(VALID_RESERVATION, RESERVATION_FIELDS))
    source = draw(st.sampled_from(["as drawn", "as drawn", "calendar", "neither"]))
    if source == "calendar":
        data.pop("url", None)
        data["calendar"] = draw(RESERVATION_FIELDS["calendar"])
    elif source == "neither":
        data.pop("url", None)
        data.pop("calendar", None)
    return data


@FLOW_SETTINGS
@given(user_input=reservation_inputs())
@example(user_input={**VALID_RESERVATION, "checkin_time": "1:2"})
@example(user_input={**VALID_RESERVATION, "url": "http://"})
@example(user_input={**VALID_RESERVATION, "url": "webcal://"})
@example(user_input={**VALID_RESERVATION, "url": "https://example.com/" + "a" * 10_240})
@example(user_input={**VALID_RESERVATION, "url": "file:///etc/passwd"})
@example(user_input={**VALID_RESERVATION, "url": "http://localhost"})
@example(user_input={**VALID_RESERVATION, "url": "https://example.com/\x00.ics"})
@example(user_input={**VALID_RESERVATION, "name": "   "})
@example(
    user_input={
        **{k: v for k, v in VALID_RESERVATION.items() if k != "url"},
        "calendar": "calendar.not_there",
    }
)
@example(user_input={**VALID_RESERVATION, "locks": ["@front_door", "@front_door"]})
async def test_reservations_step_any_input(
    flows: Flows, user_input: dict[str, Any]
) -> None:
    """Never a request but HTTP(S) to a sane address; an entry that works or a form error."""
    flows.hass.states.async_set("calendar.stays", "off", {"friendly_name": "Stays"})
    flow_id = await start(flows, "reservations")
    since = flows.http.call_count
    result = await submit(flows, flow_id, user_input)
    assert_requests_sane(flows, since)
    url = user_input.get("url")
    if isinstance(url, str) and (
        len(url) > 2048 or not url.strip().lower().startswith(("http", "webcal"))
    ):
        assert flows.http.call_count == since, (
            "nothing may be fetched from such an address"
        )
        if not isinstance(result, vol.Invalid):
            assert result["type"] is FlowResultType.FORM
    await assert_outcome(flows, result, set(RESERVATION_FIELDS))


@pytest.fixture
async def reservations(flows: Flows) -> MockConfigEntry:
    """A reservations entry on the feed, set up."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Seaside flat",
        unique_id="reservations_test",
        data={
            "kind": "reservations",
            "name": "Seaside flat",
            "url": FEED_URL,
            "locks": ["demo_demo:front_door"],
            "checkin_time": "16:00:00",
            "checkout_time": "11:00:00",
        },
        options={},
    )
    entry.add_to_hass(flows.hass)
    assert await flows.hass.config_entries.async_setup(entry.entry_id)
    await flows.hass.async_block_till_done()
    return entry


def minutes(maximum: int) -> st.SearchStrategy[Any]:
    """A number of minutes or hours: in range mostly, else anything a number field gets."""
    return mostly(
        st.integers(0, maximum),
        st.one_of(
            st.integers(),
            st.floats(allow_nan=True, allow_infinity=True),
            st.sampled_from([-1, maximum + 1, 1.5, "12", "1e3", "", "nan", True]),
            hostile,
        ),
    )


PATTERNS = st.one_of(
    st.lists(
        st.sampled_from(
            ["Not available", "Blocked", "^Owner stay$", "CLOSED", "(", "[a-"]
        ),
        max_size=4,
    ),
    st.one_of(
        st.lists(
            st.sampled_from(
                [
                    "",
                    "   ",
                    ".*",
                    "a*",
                    "|",
                    "a{99999999999}",
                    "(?P<x",
                    "\x00",
                    "x" * 3000,
                    "\ud800",
                ]
            ),
            min_size=1,
            max_size=3,
        ),
        st.lists(texts, max_size=3),
        hostile,
    ),
)
OPTION_FIELDS = {
    "auto_issue": booleans,
    "issue_hours_before": minutes(24 * 30),
    "margin_before_minutes": minutes(24 * 60),
    "margin_after_minutes": minutes(24 * 60),
    "auto_revoke": booleans,
    "skip_patterns": PATTERNS,
    "refresh_minutes": mostly(st.integers(5, 24 * 60), minutes(24 * 60)),
    "longest_stay_nights": minutes(3 * 365),
}
VALID_OPTIONS = {
    "auto_issue": True,
    "issue_hours_before": 48,
    "margin_before_minutes": 0,
    "margin_after_minutes": 0,
    "auto_revoke": True,
    "skip_patterns": ["Not available"],
    "refresh_minutes": 30,
    "longest_stay_nights": 60,
}
OPTION_ERRORS = set(STRINGS["options"]["error"])


@FLOW_SETTINGS
@given(user_input=form(VALID_OPTIONS, OPTION_FIELDS))
@example(user_input={**VALID_OPTIONS, "skip_patterns": ["a{99999999999}"]})
@example(user_input={**VALID_OPTIONS, "skip_patterns": ["Not available", ".*"]})
@example(user_input={**VALID_OPTIONS, "skip_patterns": ["", "Not available", "  "]})
@example(user_input={**VALID_OPTIONS, "skip_patterns": ["\ud800"]})
async def test_options_any_input(
    flows: Flows, reservations: MockConfigEntry, user_input: dict[str, Any]
) -> None:
    """Options: saved and the entry reloads fine, or a form / schema error changes nothing."""
    hass = flows.hass
    before = dict(reservations.options)
    result = await hass.config_entries.options.async_init(reservations.entry_id)
    result = await submit(flows, result["flow_id"], user_input, options=True)
    await hass.async_block_till_done()
    if isinstance(result, vol.Invalid) or result["type"] is FlowResultType.FORM:
        if not isinstance(result, vol.Invalid):
            event(f"form: {result['errors']}")
            assert result["errors"]
            assert set(result["errors"].values()) <= OPTION_ERRORS, result["errors"]
            assert set(result["errors"]) <= set(OPTION_FIELDS)
            hass.config_entries.options.async_abort(result["flow_id"])
        assert dict(reservations.options) == before
        return
    assert result["type"] is FlowResultType.CREATE_ENTRY, result
    event("saved")
    json_bytes(dict(reservations.options))
    assert reservations.state is ConfigEntryState.LOADED
    patterns = reservations.options.get("skip_patterns", [])
    assert all(pattern.strip() for pattern in patterns)
    for pattern in patterns:
        is_blocked("Reserved", [pattern])  # must not raise
    # A pattern matching every summary would leave no stay to issue codes for.
    assert not is_blocked("", patterns), patterns
    await hass.config_entries.async_reload(reservations.entry_id)
    await hass.async_block_till_done()
    assert reservations.state is ConfigEntryState.LOADED


@pytest.fixture
def nuki_entry(flows: Flows) -> MockConfigEntry:
    """A Nuki account (not set up: only its flows are exercised)."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Nuki (Holiday flats)",
        data={"kind": "nuki", "api_token": NUKI_TOKEN},
        unique_id="123456",
    )
    entry.add_to_hass(flows.hass)
    return entry


@pytest.fixture
def unifi_entry(flows: Flows) -> MockConfigEntry:
    """A UniFi Access console (not set up: only its flows are exercised)."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=f"UniFi Access ({UNIFI_HOST})",
        data={
            "kind": "unifi_access",
            "host": UNIFI_HOST,
            "api_token": UNIFI_TOKEN,
            "verify_ssl": True,
        },
        unique_id=UNIFI_HOST,
    )
    entry.add_to_hass(flows.hass)
    return entry


async def assert_entry_kept_or_updated(
    flows: Flows,
    entry: MockConfigEntry,
    result: Any,
    before: dict[str, Any],
    fields: set[str],
) -> None:
    """Re-authentication / reconfiguration: updated with clean data, or left as it was."""
    if (
        isinstance(result, vol.Invalid)
        or result["type"] is not FlowResultType.ABORT
        or result["reason"]
        not in (
            "reauth_successful",
            "reconfigure_successful",
        )
    ):
        await assert_outcome(flows, result, fields)
        assert dict(entry.data) == before, (
            "a refused change must leave the entry as it was"
        )
        return
    event(result["reason"])
    json_bytes(dict(entry.data))
    for value in entry.data.values():
        assert not isinstance(value, str) or is_clean(value.strip())
    await flows.hass.async_block_till_done()


@FLOW_SETTINGS
@given(
    user_input=form(
        {"api_token": NUKI_TOKEN}, {"api_token": text_field(NUKI_TOKEN, "new-token")}
    )
)
@example(user_input={"api_token": "new\ntoken"})
async def test_reauth_any_input(
    flows: Flows, nuki_entry: MockConfigEntry, user_input: dict[str, Any]
) -> None:
    """reauth_confirm: the same account with a working token, or nothing changes."""
    before = dict(nuki_entry.data)
    result = await nuki_entry.start_reauth_flow(flows.hass)
    since = flows.http.call_count
    result = await submit(flows, result["flow_id"], user_input)
    assert_requests_sane(flows, since)
    await assert_entry_kept_or_updated(flows, nuki_entry, result, before, {"api_token"})
    flows.hass.config_entries.async_update_entry(nuki_entry, data=before)


@FLOW_SETTINGS
@given(
    user_input=form(
        {"host": UNIFI_HOST, "api_token": UNIFI_TOKEN, "verify_ssl": True},
        {
            "host": HOSTS,
            "api_token": text_field(UNIFI_TOKEN, "other-token"),
            "verify_ssl": booleans,
        },
    )
)
async def test_reconfigure_account_any_input(
    flows: Flows, unifi_entry: MockConfigEntry, user_input: dict[str, Any]
) -> None:
    """reconfigure (an account): the same console with working settings, or nothing changes."""
    before = dict(unifi_entry.data)
    result = await unifi_entry.start_reconfigure_flow(flows.hass)
    since = flows.http.call_count
    result = await submit(flows, result["flow_id"], user_input)
    assert_requests_sane(flows, since)
    await assert_entry_kept_or_updated(
        flows, unifi_entry, result, before, {"host", "api_token", "verify_ssl"}
    )
    flows.hass.config_entries.async_update_entry(unifi_entry, data=before)


@FLOW_SETTINGS
@given(user_input=reservation_inputs())
async def test_reconfigure_reservations_any_input(
    flows: Flows, reservations: MockConfigEntry, user_input: dict[str, Any]
) -> None:
    """reconfigure (reservations): a working feed or calendar, or nothing changes."""
    flows.hass.states.async_set("calendar.stays", "off", {"friendly_name": "Stays"})
    before, title = dict(reservations.data), reservations.title
    result = await reservations.start_reconfigure_flow(flows.hass)
    since = flows.http.call_count
    result = await submit(flows, result["flow_id"], user_input)
    assert_requests_sane(flows, since)
    await assert_entry_kept_or_updated(
        flows, reservations, result, before, set(RESERVATION_FIELDS)
    )
    if dict(reservations.data) != before:
        time.fromisoformat(reservations.data["checkin_time"])
        assert reservations.title.strip()
        assert is_clean(reservations.title)
        assert reservations.state in (
            ConfigEntryState.LOADED,
            ConfigEntryState.SETUP_RETRY,
        )
        flows.hass.config_entries.async_update_entry(
            reservations, data=before, title=title, unique_id="reservations_test"
        )
        await flows.hass.config_entries.async_reload(reservations.entry_id)
        await flows.hass.async_block_till_done()
