"""igloohome locks through the iglooaccess API.

Every lock takes algoPINs: codes the cloud computes for a window and the lock checks
offline, so they work without any connection and cannot be revoked. A lock linked to
an igloohome Bridge can also be locked and unlocked remotely and take custom PINs, all
as bridge jobs. No lock state can be read, so lock entities are `assumed_state`.

The API has no account id, so an account is known by its client id: new credentials
from the iglooaccess portal make a new account in lockbooking.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, ClassVar, Final
from urllib.parse import quote

import voluptuous as vol

from homeassistant.const import CONF_CLIENT_ID, CONF_CLIENT_SECRET
from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.selector import (
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)

from ...models import (
    Capabilities,
    CodeKind,
    CodeRules,
    IssuedCode,
    Lock,
    LockStatus,
    PlannedCode,
)
from ...planner import code_problem, generate_code
from ..base import (
    AccountIdentity,
    LockVendor,
    VendorAuthError,
    VendorError,
    VendorRejectedError,
    VendorUnsupportedError,
)
from .api import (
    JOB_CREATE_PIN,
    JOB_DELETE_PIN,
    JOB_LOCK,
    JOB_UNLOCK,
    IgloohomeClient,
)
from .rules import IGLOOHOME_BRIDGE_PIN, IGLOOHOME_DAILY, IGLOOHOME_HOURLY

MANUFACTURER: Final = "igloohome"
TITLE: Final = "igloohome"
ALGOPIN_RULES: Final = (IGLOOHOME_HOURLY, IGLOOHOME_DAILY)
ALGOPIN_PATHS: Final = {
    CodeKind.ALGOPIN_HOURLY: "hourly",
    CodeKind.ALGOPIN_DAILY: "daily",
}
TYPE_BRIDGE: Final = "bridge"
# The API says "Lock" for every lock; other words are accepted in case it ever names
# a model, while Bridges, Keypads and anything unknown are not locks.
LOCK_WORDS: Final = ("lock", "deadbolt", "mortise", "keybox")
CUSTOM_PIN_TYPE: Final = 4
# The algoPIN `variance` picks one of the 3 PINs igloohome allows for an identical
# window (the same window and variance always give the same PIN).
VARIANCES: Final = (1, 2, 3)
CODE_PROBLEMS: Final = {
    "code_length": "a custom PIN on an igloohome lock has 4 to 6 digits",
    "code_digits": "a custom PIN on an igloohome lock has digits only",
}


def code_rules_for(lock: Lock, code: str | None) -> tuple[CodeRules, ...]:
    """Choose the rules to plan with: a chosen code needs a Bridge's custom PIN.

    Without a chosen code a lock's own rules apply, and they pick algoPINs.
    """
    if code is not None and IGLOOHOME_BRIDGE_PIN in lock.code_rules:
        return (IGLOOHOME_BRIDGE_PIN,)
    return lock.code_rules


class IgloohomeVendor(LockVendor):
    """An iglooaccess API account.

    It keeps the base class's "cannot tell" look-up for interrupted codes: an algoPIN
    issued again is the same PIN (igloohome computes it from lock, window and variance),
    and the API lists no Bridge custom PINs, so an interrupted code is simply issued again.
    """

    manufacturer: ClassVar[str] = MANUFACTURER
    # Battery levels change slowly, and the iglooaccess API is a paid service.
    poll_interval: ClassVar[timedelta] = timedelta(minutes=15)
    config_schema: ClassVar[vol.Schema] = vol.Schema(
        {
            vol.Required(CONF_CLIENT_ID): TextSelector(),
            vol.Required(CONF_CLIENT_SECRET): TextSelector(
                TextSelectorConfig(type=TextSelectorType.PASSWORD)
            ),
        }
    )
    secret_fields: ClassVar[tuple[str, ...]] = (CONF_CLIENT_SECRET,)

    def __init__(self, hass: HomeAssistant, data: Mapping[str, Any]) -> None:
        """Prepare the API client; the token is fetched on first use."""
        super().__init__(hass, data)
        self._client_id = str(data[CONF_CLIENT_ID]).strip()
        self._client = IgloohomeClient(
            async_get_clientsession(hass),
            self._client_id,
            str(data[CONF_CLIENT_SECRET]).strip(),
        )
        self._bridge_of: dict[str, str] = {}

    async def async_identify(self) -> AccountIdentity:
        """Sign in and list the devices; the account is known by its client id."""
        try:
            await self._client.async_devices()
        except VendorRejectedError as err:
            # Refused to list devices: the credentials lack that permission.
            raise VendorAuthError(err.detail) from err
        return AccountIdentity(unique_id=self._client_id, title=TITLE)

    async def async_get_locks(self) -> list[Lock]:
        """List the account's locks; a lock a Bridge serves can be driven remotely."""
        devices = await self._client.async_devices()
        bridge_of: dict[str, str] = {}
        for device in devices:
            if _type(device) != TYPE_BRIDGE or not device.get("deviceId"):
                continue
            for linked in device.get("linkedDevices") or []:
                if isinstance(linked, dict) and linked.get("deviceId"):
                    # A lock linked to two Bridges is driven through the first.
                    bridge_of.setdefault(
                        str(linked["deviceId"]), str(device["deviceId"])
                    )
        self._bridge_of = bridge_of
        return [
            _lock(device, bridged=str(device["deviceId"]) in bridge_of)
            for device in devices
            if _is_lock(device)
        ]

    async def async_lock(self, lock: Lock) -> None:
        """Lock through the lock's Bridge."""
        await self._client.async_bridge_job(
            lock.id, await self._async_bridge(lock), JOB_LOCK, None
        )

    async def async_unlock(self, lock: Lock) -> None:
        """Unlock through the lock's Bridge."""
        await self._client.async_bridge_job(
            lock.id, await self._async_bridge(lock), JOB_UNLOCK, None
        )

    async def async_issue_code(
        self, lock: Lock, plan: PlannedCode, name: str, code: str | None
    ) -> IssuedCode:
        """Get an algoPIN for the window, or have the Bridge add a custom PIN."""
        if plan.kind in ALGOPIN_PATHS:
            return await self._async_algopin(lock, plan, name, code)
        if plan.kind is CodeKind.BRIDGE_PIN:
            return await self._async_custom_pin(lock, plan, name, code)
        raise VendorUnsupportedError(f"igloohome locks take no {plan.kind} codes")

    async def async_revoke_code(self, lock: Lock, issued: IssuedCode) -> None:
        """Delete a custom PIN through the Bridge; algoPINs cannot be revoked."""
        if issued.kind is not CodeKind.BRIDGE_PIN:
            raise VendorUnsupportedError(
                "igloohome algoPINs cannot be revoked: the lock checks them offline, "
                f"so this one keeps working until {issued.window.end.isoformat()}"
            )
        await self._client.async_bridge_job(
            lock.id,
            await self._async_bridge(lock),
            JOB_DELETE_PIN,
            {"pin": issued.code},
            redact=(issued.code,),
        )

    async def _async_algopin(
        self, lock: Lock, plan: PlannedCode, name: str, code: str | None
    ) -> IssuedCode:
        if code is not None:
            raise VendorUnsupportedError(
                "igloohome computes algoPINs itself; choosing the code needs a custom "
                "PIN on a lock linked to a Bridge"
            )
        # Another stay with the same window would get the same PIN: the next variance
        # gives another one. Asking again for our own stay gives the PIN it got before.
        for variance in VARIANCES:
            answer = await self._client.async_request(
                "POST",
                f"/devices/{quote(lock.id, safe='')}/algopin/{ALGOPIN_PATHS[plan.kind]}",
                json={
                    "variance": variance,
                    "startDate": _hour_stamp(plan.window.start),
                    "endDate": _hour_stamp(plan.window.end),
                    "accessName": name,
                },
            )
            pin = answer.get("pin")
            if pin is None or not str(pin).isdigit():
                raise VendorError("igloohome answered without an algoPIN")
            if str(pin) not in plan.taken:
                break
        else:
            raise VendorRejectedError(
                "igloohome gives at most three PINs for one window, and other stays on "
                "this lock hold them all"
            )
        pin_id = answer.get("pinId")
        return IssuedCode(
            lock_id=lock.id,
            kind=plan.kind,
            code=str(pin),
            window=plan.window,
            vendor_id=str(pin_id) if pin_id is not None else None,
            revocable=False,
            notes=plan.notes,
            use_by=plan.rules.use_by(plan.window.start),
        )

    async def _async_custom_pin(
        self, lock: Lock, plan: PlannedCode, name: str, code: str | None
    ) -> IssuedCode:
        if code is None:
            code = generate_code(plan.rules)
        elif (problem := code_problem(plan.rules, code)) is not None:
            raise VendorRejectedError(CODE_PROBLEMS.get(problem, problem))
        bridge = await self._async_bridge(lock)
        try:
            job_id = await self._client.async_bridge_job(
                lock.id,
                bridge,
                JOB_CREATE_PIN,
                {
                    "accessName": name,
                    "pin": code,
                    "pinType": CUSTOM_PIN_TYPE,
                    "startDate": _hour_stamp(plan.window.start),
                    "endDate": _hour_stamp(plan.window.end),
                },
                redact=(code,),
            )
        except VendorError as err:
            # The Bridge may still add it: a retry must send these digits, not new ones.
            err.sent_code = code
            raise
        return IssuedCode(
            lock_id=lock.id,
            kind=plan.kind,
            code=code,
            window=plan.window,
            vendor_id=job_id,
            revocable=True,
            notes=plan.notes,
        )

    async def _async_bridge(self, lock: Lock) -> str:
        """Find the Bridge serving a lock, as of the last listing (refreshed if unknown)."""
        if lock.id not in self._bridge_of:
            await self.async_get_locks()
        if (bridge := self._bridge_of.get(lock.id)) is None:
            raise VendorUnsupportedError("no igloohome Bridge is linked to this lock")
        return bridge


def _type(device: Mapping[str, Any]) -> str:
    return str(device.get("type") or "").strip().lower()


def _is_lock(device: Mapping[str, Any]) -> bool:
    kind = _type(device)
    return bool(device.get("deviceId")) and any(word in kind for word in LOCK_WORDS)


def _lock(device: Mapping[str, Any], *, bridged: bool) -> Lock:
    device_id = str(device["deviceId"])
    battery = device.get("batteryLevel")
    if (
        isinstance(battery, bool)
        or not isinstance(battery, int)
        or not 0 <= battery <= 100
    ):
        battery = None
    return Lock(
        id=device_id,
        name=str(device.get("deviceName") or device_id),
        manufacturer=MANUFACTURER,
        model=str(device.get("type") or "Lock"),
        capabilities=Capabilities(
            remote_lock=bridged,
            remote_unlock=bridged,
            reports_state=False,
            battery_level=True,
            # Not even through a Bridge: its activity-log job fills igloohome's cloud,
            # but no documented entry names the PIN, so a guest's use cannot be told
            # from the host's or the cleaner's (see the README's Guest arrival table).
            reports_code_use=False,
        ),
        code_rules=(*ALGOPIN_RULES, IGLOOHOME_BRIDGE_PIN) if bridged else ALGOPIN_RULES,
        status=LockStatus(battery_level=battery),
    )


def _hour_stamp(moment: datetime) -> str:
    """ISO 8601 on the whole hour with the offset, as igloohome requires."""
    if moment.tzinfo is None or moment.minute or moment.second or moment.microsecond:
        raise VendorRejectedError(
            "igloohome codes must start and end on the whole hour"
        )
    return moment.isoformat(timespec="seconds")
