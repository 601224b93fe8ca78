"""The code services: issue_code, revoke_code and get_codes, answering with the codes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from datetime import date, datetime, time
from typing import Any
import unicodedata
import uuid

import voluptuous as vol

from homeassistant.const import ATTR_DEVICE_ID, ATTR_ENTITY_ID, CONF_NAME
from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.exceptions import ServiceValidationError, Unauthorized, UnknownUser
from homeassistant.helpers import config_validation as cv
from homeassistant.util import dt as dt_util

from .code_choice import CodeRequest, code_holder
from .code_record import CodeRecord, Decider
from .codes import CodeFailure, async_issue
from .const import CONF_KIND, CONF_LOCKS, DOMAIN, EntryKind
from .errors import translated_error
from .ledger import LEDGER, CodeLedger
from .locks import LockTarget, locks_targeted
from .models import Window
from .planner import PlanRefused
from .reservations.runtime import ReservationsRuntime
from .revoke import async_revoke

ATTR_START = "start"
ATTR_END = "end"
ATTR_UID = "uid"
ATTR_CODE = "code"
DEFAULT_CHECKIN = time(16, 0)
DEFAULT_CHECKOUT = time(11, 0)
EARLIEST_YEAR = 1970
LATEST_YEAR = 2099


def _moment(value: Any) -> datetime | date:
    """Read a datetime, or a plain date meaning a check-in / check-out day."""
    if isinstance(value, datetime | date):
        return value
    text = cv.string(value).strip()
    try:
        return (
            date.fromisoformat(text)
            if len(text) == 10
            else datetime.fromisoformat(text)
        )
    except ValueError as err:
        raise vol.Invalid(f"not a date or date and time: {text}") from err


def _text(value: Any) -> str:
    """Refuse control characters and lone surrogates in a text field.

    A lone surrogate (what JSON's escaped D800 decodes to) cannot be stored as UTF-8:
    one in the ledger would make every later ledger write fail.
    """
    text = cv.string(value)
    if any(unicodedata.category(char) in ("Cc", "Cs") for char in text):
        raise vol.Invalid("control characters are not allowed")
    return text


def _name(value: Any) -> str:
    """Validate and trim a guest's name for the lock."""
    return _text(value).strip()


# [0-9] and \Z: \d also matches other scripts' digits, and $ a trailing newline.
CODE_DIGITS = vol.All(
    cv.string, vol.Match(r"\A[0-9]{1,12}\Z", msg="a code is 1 to 12 digits")
)
UID = vol.All(_text, vol.Length(min=1, max=255))
TARGETS: dict[vol.Marker, Any] = {
    vol.Optional(ATTR_DEVICE_ID): vol.All(cv.ensure_list, [cv.string]),
    # Not cv.entity_ids: it raises TypeError (not vol.Invalid) on a bool or a number.
    vol.Optional(ATTR_ENTITY_ID): vol.All(cv.ensure_list_csv, [cv.entity_id]),
}
ISSUE_SCHEMA = vol.Schema(
    {
        **TARGETS,
        vol.Required(ATTR_START): _moment,
        vol.Required(ATTR_END): _moment,
        vol.Optional(CONF_NAME, default="Guest"): vol.All(
            _name, vol.Length(min=1, max=100)
        ),
        vol.Optional(ATTR_UID): UID,
        vol.Optional(ATTR_CODE): CODE_DIGITS,
    }
)
REVOKE_SCHEMA = vol.Schema(
    {
        **TARGETS,
        vol.Optional(ATTR_UID): UID,
        vol.Optional(ATTR_CODE): CODE_DIGITS,
    }
)
GET_SCHEMA = vol.Schema({**TARGETS, vol.Optional(ATTR_UID): UID})


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the services once for the whole integration."""

    async def issue_code(data: dict[str, Any]) -> ServiceResponse:
        targets = _targets(hass, data, required=True)
        start = _aware(data[ATTR_START], DEFAULT_CHECKIN)
        end = _aware(data[ATTR_END], DEFAULT_CHECKOUT)
        uid = data.get(ATTR_UID) or f"manual-{uuid.uuid4().hex}"
        scope, stay = _stay_named(hass, uid, targets)
        request = CodeRequest(
            uid=uid,
            name=data[CONF_NAME],
            start=start,
            end=end,
            code=data.get(ATTR_CODE),
            scope=scope,
            decided_by=Decider.HOST,
            stay=stay,
        )
        _refuse_code_in_use(hass.data[LEDGER], targets, request)
        return _response(
            targets,
            await _translated(async_issue(hass, hass.data[LEDGER], targets, request)),
        )

    async def revoke_code(data: dict[str, Any]) -> ServiceResponse:
        uid, code = data.get(ATTR_UID), data.get(ATTR_CODE)
        if uid is None and code is None:
            raise ServiceValidationError(
                translation_domain=DOMAIN, translation_key="uid_or_code_required"
            )
        targets = _targets(hass, data, required=False)
        return _response(
            targets,
            await _translated(
                async_revoke(
                    hass.data[LEDGER],
                    targets,
                    uid=uid,
                    code=code,
                    decided_by=Decider.HOST,
                )
            ),
        )

    async def get_codes(data: dict[str, Any]) -> ServiceResponse:
        targets = _targets(hass, data, required=False)
        keys = {target.key for target in targets}
        uid = data.get(ATTR_UID)
        records = [
            record
            for record in hass.data[LEDGER].records(uid)
            if record.lock_key in keys
        ]
        return _response(targets, records)

    for service, handler, schema, response in (
        ("issue_code", issue_code, ISSUE_SCHEMA, SupportsResponse.OPTIONAL),
        ("revoke_code", revoke_code, REVOKE_SCHEMA, SupportsResponse.OPTIONAL),
        ("get_codes", get_codes, GET_SCHEMA, SupportsResponse.ONLY),
    ):
        # No schema for Home Assistant: it logs refused data, which may hold a code.
        hass.services.async_register(
            DOMAIN,
            service,
            _admin_only(hass, _validated(schema, handler)),
            None,
            response,
        )


# A service handler as `async_register` takes it: a coroutine function, not any awaitable.
type _Handler[T] = Callable[[T], Coroutine[Any, Any, ServiceResponse]]


def _admin_only(
    hass: HomeAssistant, handler: _Handler[ServiceCall]
) -> _Handler[ServiceCall]:
    """Refuse a call made by a user who is not an admin, as core's admin services do.

    Not `async_register_admin_service`: it cannot answer with a response. A call with
    no user (an automation, a script, the scheduler) is Home Assistant's own.
    """

    async def admin_only(call: ServiceCall) -> ServiceResponse:
        if call.context.user_id:
            user = await hass.auth.async_get_user(call.context.user_id)
            if user is None:
                raise UnknownUser(context=call.context)
            if not user.is_admin:
                raise Unauthorized(context=call.context)
        return await handler(call)

    return admin_only


def _validated(
    schema: vol.Schema, handler: _Handler[dict[str, Any]]
) -> _Handler[ServiceCall]:
    """Wrap a service handler to get its call's data through the schema."""

    async def validated(call: ServiceCall) -> ServiceResponse:
        try:
            data = schema(dict(call.data))
        except vol.Invalid as err:
            field = str(err.path[0]) if err.path else "data"
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="invalid_field",
                translation_placeholders={"field": field[:50], "error": err.msg[:200]},
            ) from err
        return await handler(data)

    return validated


def _aware(value: datetime | date, day_time: time) -> datetime:
    """Give the moment Home Assistant's time zone if it has none; refuse it out of range."""
    # Checked on the year before any time zone arithmetic, which overflows near year 1
    # and 9999; a lock has no use for a window outside these years either.
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="date_out_of_range",
            translation_placeholders={
                "earliest": str(EARLIEST_YEAR),
                "latest": str(LATEST_YEAR),
            },
        )
    if not isinstance(value, datetime):
        value = datetime.combine(value, day_time)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt_util.get_default_time_zone())
    return value


def _refuse_code_in_use(
    ledger: CodeLedger, targets: list[LockTarget], request: CodeRequest
) -> None:
    """Refuse a chosen code that another of our codes holds on one of the locks.

    The vendor would refuse it too, but only after the codes on the other locks were
    issued: checked here, nothing is sent.
    """
    if request.code is None:
        return
    for target in targets:
        if code_holder(ledger, target.key, request.code, request) is not None:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="code_in_use",
                translation_placeholders={"lock": target.lock.name},
            )


async def _translated(work: Awaitable[list[CodeRecord]]) -> list[CodeRecord]:
    """Run issue / revoke work; refusals and vendor failures become translated errors."""
    try:
        return await work
    except PlanRefused as err:
        raise _refused(err) from err
    except CodeFailure as err:
        target, cause = err.failures[0]
        raise translated_error(cause, target.lock.name) from cause


def _stay_named(
    hass: HomeAssistant, uid: str, targets: list[LockTarget]
) -> tuple[str, Window | None]:
    """Find the reservations entry whose stay a host's call names, on one of its locks.

    The code then belongs to that entry's stay: its calendar shows it, and automatic
    mode keeps it while it covers the stay (the host's word wins).
    """
    keys = {target.key for target in targets}
    for entry in hass.config_entries.async_loaded_entries(DOMAIN):
        if entry.data.get(CONF_KIND) != EntryKind.RESERVATIONS or not keys.intersection(
            entry.data.get(CONF_LOCKS, ())
        ):
            continue
        runtime: ReservationsRuntime = entry.runtime_data
        if (stay := (runtime.coordinator.data or {}).get(uid)) is not None:
            return entry.entry_id, Window(stay.start, stay.end)
    return "", None


def _targets(
    hass: HomeAssistant, data: dict[str, Any], *, required: bool
) -> list[LockTarget]:
    """Resolve the lockbooking locks a call's device and entity targets name."""
    return locks_targeted(
        hass,
        data.get(ATTR_DEVICE_ID, []),
        data.get(ATTR_ENTITY_ID, []),
        required=required,
    )


def _refused(err: PlanRefused) -> ServiceValidationError:
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key=err.key,
        translation_placeholders={
            "lock": "",
            "max_days": "",
            "lengths": "",
            "ends": "",
            **err.placeholders,
        },
    )


def _response(targets: list[LockTarget], records: list[CodeRecord]) -> ServiceResponse:
    by_key = {target.key: target for target in targets}
    return {
        "codes": [
            {
                "device_id": by_key[record.lock_key].device_id
                if record.lock_key in by_key
                else None,
                "entity_id": by_key[record.lock_key].entity_id
                if record.lock_key in by_key
                else None,
                "uid": record.uid,
                "name": record.name,
                **record.as_dict(),
                "code": record.code,
            }
            for record in records
        ]
    }
