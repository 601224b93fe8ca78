"""One Nuki smart lock over Bluetooth LE: no bridge, no account, no internet.

The entry holds the pairing (authorization id, shared key, app id) and the lock's
security PIN, which keypad-code commands need. Keypad codes follow Nuki Web's rules
(`nuki_common`): same code rules, same `LB <guest>` names, so a code is found again
by name and window after an interrupted issue. Which code opened the lock is read from
the lock's own log (keypad actions name the code's id), so arrivals are known without
Nuki Web.

Between connections the lock is only listened to: its advertisements say it is in
range and, by a flag, that its state changed. The lock is connected to when that flag
is set, when its state is older than MAX_STATE_AGE, and for actions and codes.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar, Final

import voluptuous as vol

from homeassistant.components import bluetooth
from homeassistant.config_entries import current_entry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.selector import (
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
from homeassistant.util import dt as dt_util

from ...models import (
    Capabilities,
    CodeKind,
    CodeUse,
    IssuedCode,
    Lock,
    LockStatus,
    PlannedCode,
    Window,
)
from ...planner import code_problem, generate_code
from ..base import (
    AccountIdentity,
    FoundCode,
    LockVendor,
    VendorAuthError,
    VendorInputError,
    VendorRejectedError,
    VendorUnavailableError,
    VendorUnsupportedError,
)
from ..nuki_common import (
    CODE_PROBLEMS,
    MANUFACTURER,
    NUKI_KEYPAD,
    SMART_LOCK_STATES,
    authorization_name,
    door_sensor,
)
from .connection import OUT_OF_RANGE, NukiBleConnection, async_ensure_bluetooth
from .keypad import KeypadEntry, entry_name
from .log import opened_with_code
from .protocol import ErrorCode, NukiCommandError
from .session import LoggingDisabledError, NukiBleSession, NukiKeys

CONF_ADDRESS: Final = "address"
CONF_LOCK_NAME: Final = "lock_name"
CONF_NUKI_ID: Final = "nuki_id"
CONF_AUTH_ID: Final = "auth_id"
CONF_SHARED_KEY: Final = "shared_key"
CONF_APP_ID: Final = "app_id"
CONF_SECURITY_PIN: Final = "security_pin"

MODEL: Final = "Smart Lock (Bluetooth)"
APPLE: Final = 76
IBEACON: Final = 0x02
# Read the state at least this often even when no advertisement says it changed.
MAX_STATE_AGE: Final = timedelta(minutes=30)
# Read the log at least this often even when no advertisement announced a change (a
# beacon may be missed); otherwise a battery lock is not woken for a log with no news.
MAX_LOG_AGE: Final = timedelta(hours=1)

ACTION_UNLOCK: Final = 0x01
ACTION_LOCK: Final = 0x02
ACTION_UNLATCH: Final = 0x03


def security_pin(value: Any) -> int:
    """Read a security PIN as typed (4 digits on Smart Locks 1-4); ValueError if unusable."""
    text = str(value).strip()
    if not text.isdigit() or not 1 <= len(text) <= 5 or int(text) > 0xFFFF:
        raise ValueError("not a security PIN")
    return int(text)


def keys_of(data: Mapping[str, Any]) -> NukiKeys:
    """Read the pairing kept in an entry."""
    return NukiKeys(
        auth_id=bytes.fromhex(data[CONF_AUTH_ID]),
        shared_key=bytes.fromhex(data[CONF_SHARED_KEY]),
        app_id=int(data[CONF_APP_ID]),
    )


class NukiBleVendor(LockVendor):
    """A Nuki smart lock paired with Home Assistant over Bluetooth."""

    manufacturer: ClassVar[str] = MANUFACTURER
    # Only advertisements are read on most polls; see the module's docstring.
    poll_interval: ClassVar[timedelta] = timedelta(seconds=30)
    config_schema: ClassVar[vol.Schema] = vol.Schema(
        {
            vol.Required(CONF_SECURITY_PIN): TextSelector(
                TextSelectorConfig(type=TextSelectorType.PASSWORD)
            )
        }
    )
    secret_fields: ClassVar[tuple[str, ...]] = (CONF_SECURITY_PIN,)

    def __init__(self, hass: HomeAssistant, data: Mapping[str, Any]) -> None:
        """Keep the pairing; the link is opened when first needed."""
        super().__init__(hass, data)
        self.address = str(data[CONF_ADDRESS])
        self._name = str(data.get(CONF_LOCK_NAME) or self.address)
        self._nuki_id = str(data.get(CONF_NUKI_ID) or self.address)
        self.connection = NukiBleConnection(
            hass, self.address, f"Nuki {self._name}", keys_of(data)
        )
        self._status: LockStatus | None = None
        self._read_at: datetime | None = None
        self._changed = True
        # Changes the beacon announced, and how many had been when the log was last
        # read: a code typed on the keypad moves the bolt, which the beacon announces.
        self._changes = 0
        self._log_read: tuple[int, datetime] | None = None
        self._has_keypad = False
        self._has_door_sensor = False
        self._firmware: str | None = None
        self._unlisten: list[Any] = []
        entry = current_entry.get()
        if entry is not None and entry.data is data:
            entry.async_on_unload(self.async_close)

    def _pin(self) -> int:
        try:
            return security_pin(self.data.get(CONF_SECURITY_PIN, ""))
        except ValueError as err:
            raise VendorInputError(CONF_SECURITY_PIN, "invalid_pin") from err

    async def async_close(self) -> None:
        """Stop listening and drop the link."""
        while self._unlisten:
            self._unlisten.pop()()
        await self.connection.async_close()

    async def async_identify(self) -> AccountIdentity:
        """Check the pairing and the security PIN on the lock; name it."""
        pin = self._pin()
        await async_ensure_bluetooth(self.hass)
        try:
            async with self.connection.async_session() as session:
                await session.async_verify_pin(pin)
                await self._async_read_config(session)
        except VendorAuthError as err:
            cause = err.__cause__
            if (
                isinstance(cause, NukiCommandError)
                and cause.code == ErrorCode.K_ERROR_BAD_PIN
            ):
                raise VendorInputError(CONF_SECURITY_PIN, "wrong_pin") from err
            raise
        finally:
            await self.async_close()
        return AccountIdentity(
            unique_id=self.address.upper(), title=f"Nuki {self._name}"
        )

    async def async_get_locks(self) -> list[Lock]:
        """List the lock, read over Bluetooth only when its advertisements call for it."""
        await async_ensure_bluetooth(self.hass)
        self._listen()
        if not bluetooth.async_address_present(
            self.hass, self.address, connectable=True
        ):
            if self._status is None:
                raise VendorUnavailableError(OUT_OF_RANGE)
            self._status = LockStatus(
                state=self._status.state,
                battery_level=self._status.battery_level,
                battery_critical=self._status.battery_critical,
                online=False,
            )
        elif self._status is None or self._needs_read():
            async with self.connection.async_session() as session:
                if self._firmware is None:
                    await self._async_read_config(session)
                await self._async_read_states(session)
        return [self._lock()]

    def _needs_read(self) -> bool:
        return (
            self._changed
            or not self._status
            or not self._status.online
            or self._read_at is None
            or dt_util.utcnow() - self._read_at > MAX_STATE_AGE
        )

    def _listen(self) -> None:
        if self._unlisten:
            return
        self._unlisten.append(
            bluetooth.async_register_callback(
                self.hass,
                self._on_advertisement,
                bluetooth.BluetoothCallbackMatcher(address=self.address),
                bluetooth.BluetoothScanningMode.PASSIVE,
            )
        )

    @callback
    def _on_advertisement(
        self,
        service_info: bluetooth.BluetoothServiceInfoBleak,
        _change: bluetooth.BluetoothChange,
    ) -> None:
        """Note a state change the lock announces in its beacon (lowest bit of the last byte)."""
        beacon = service_info.manufacturer_data.get(APPLE)
        if beacon and beacon[0] == IBEACON and beacon[-1] & 0x01:
            self._changed = True
            self._changes += 1

    async def _async_read_config(self, session: NukiBleSession) -> None:
        config = await session.async_config()
        self._name = str(config.name or self._name)
        self._nuki_id = f"{int(config.nuki_id):08X}"
        self._has_keypad = bool(config.has_keypad or config.get("has_keypad_v2"))
        self._firmware = ".".join(str(part) for part in config.firmware_version)

    async def _async_read_states(self, session: NukiBleSession) -> None:
        states = await session.async_states()
        battery = int(states.critical_battery_state)
        self._has_door_sensor, door_open = door_sensor(int(states.door_sensor_state))
        self._status = LockStatus(
            state=SMART_LOCK_STATES.get(int(states.lock_state)),
            battery_level=((battery & 0xFC) >> 2) * 2,
            battery_critical=bool(battery & 0x01),
            door_open=door_open,
            online=True,
        )
        self._read_at = dt_util.utcnow()
        self._changed = False

    def _lock(self) -> Lock:
        return Lock(
            id=self._nuki_id,
            name=self._name,
            manufacturer=MANUFACTURER,
            model=MODEL,
            capabilities=Capabilities(
                remote_lock=True,
                remote_unlock=True,
                open=True,
                reports_state=True,
                battery_level=True,
                battery_critical=True,
                door_sensor=self._has_door_sensor,
                reports_code_use=self._has_keypad,
            ),
            code_rules=(NUKI_KEYPAD,) if self._has_keypad else (),
            status=self._status or LockStatus(online=False),
            sw_version=self._firmware,
        )

    async def async_lock(self, lock: Lock) -> None:
        """Lock."""
        await self._action(ACTION_LOCK)

    async def async_unlock(self, lock: Lock) -> None:
        """Unlock."""
        await self._action(ACTION_UNLOCK)

    async def async_open(self, lock: Lock) -> None:
        """Unlatch: open the door."""
        await self._action(ACTION_UNLATCH)

    async def _action(self, action: int) -> None:
        async with self.connection.async_session() as session:
            try:
                await session.async_lock_action(action)
            finally:
                self._changed = True

    async def async_issue_code(
        self, lock: Lock, plan: PlannedCode, name: str, code: str | None
    ) -> IssuedCode:
        """Add a time-limited keypad code that no other code on the lock repeats."""
        if plan.kind is not CodeKind.KEYPAD or not lock.code_rules:
            raise VendorUnsupportedError("keypad codes")
        pin = self._pin()
        async with self.connection.async_session() as session:
            taken = {entry.code for entry in await session.async_list_codes(pin)}
            if code is None:
                code = generate_code(plan.rules, taken)
            elif (problem := code_problem(plan.rules, code)) is not None:
                raise VendorRejectedError(CODE_PROBLEMS.get(problem, problem))
            elif code in taken:
                raise VendorRejectedError("The code is already in use on this lock.")
            code_id = await session.async_add_code(
                pin,
                code,
                authorization_name(name),
                (plan.window.start, plan.window.end),
            )
        return IssuedCode(
            lock_id=lock.id,
            kind=plan.kind,
            code=code,
            window=plan.window,
            vendor_id=str(code_id),
            revocable=True,
            notes=plan.notes,
        )

    async def async_revoke_code(self, lock: Lock, issued: IssuedCode) -> None:
        """Remove the code; one no longer on the lock counts as removed."""
        pin = self._pin()
        async with self.connection.async_session() as session:
            entries = await session.async_list_codes(pin)
            target = _target(entries, issued)
            if target is not None:
                await session.async_remove_code(pin, target.code_id)

    async def async_find_codes(
        self, lock: Lock, name: str, window: Window, kind: CodeKind
    ) -> list[FoundCode] | None:
        """Keypad codes with lockbooking's name for `name` and exactly this window."""
        wanted_name = entry_name(authorization_name(name))
        wanted_window = (_utc(window.start), _utc(window.end))
        async with self.connection.async_session() as session:
            entries = await session.async_list_codes(self._pin())
        return [
            FoundCode(vendor_id=str(entry.code_id), code=entry.code)
            for entry in entries
            if entry.name == wanted_name and entry.window == wanted_window
        ]

    async def async_get_code_uses(self, lock: Lock, since: datetime) -> list[CodeUse]:
        """List the keypad codes that opened the lock at or after `since`, from its log.

        The lock is only connected to when its beacon announced a change since the last
        read (or that read is old): the caller asks every few minutes, and each
        connection costs the lock battery.
        """
        now, changes = dt_util.utcnow(), self._changes
        if self._log_read is not None:
            read_changes, read_at = self._log_read
            if read_changes == changes and now - read_at < MAX_LOG_AGE:
                return []
        pin = self._pin()
        try:
            async with self.connection.async_session() as session:
                entries = await session.async_read_log(pin, since)
        except LoggingDisabledError as err:
            raise VendorRejectedError(
                "Nuki: the lock's activity log is turned off; turn it on in the Nuki "
                "app to learn when guests arrive."
            ) from err
        self._log_read = (changes, now)
        return [
            CodeUse(at=entry.at, vendor_id=str(entry.code_id))
            for entry in entries
            if opened_with_code(entry) and entry.at is not None and entry.at >= since
        ]


def _target(entries: list[KeypadEntry], issued: IssuedCode) -> KeypadEntry | None:
    """Find the lock's entry for an issued code: by id, else (no id kept) by its digits."""
    for entry in entries:
        if issued.vendor_id is not None and str(entry.code_id) == issued.vendor_id:
            return entry if entry.code == issued.code else None
    if issued.vendor_id is None:
        return next((entry for entry in entries if entry.code == issued.code), None)
    return None


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(microsecond=0)
