"""UniFi Access: doors on a local console, and visitors with PINs as door codes.

Doors come from the console's developer API (port 12445, API token). A door bound to
a hub unlocks remotely. Locking is not offered: the API's only "lock" is a lock rule
that overrides the door's schedule, not a momentary lock, so `async_lock` keeps the
base class's VendorUnsupportedError and the lock entity refuses with a translated
error. A code is a visitor whose only resource is the door, with a PIN the console
generates (so it has the site's PIN length) or the host chooses; the console keeps
only the PIN's hash, so lockbooking keeps the digits. Revoking deletes the visitor.

The developer API exposes no account or console id, so an entry is known by its
console's host (lower-case, without scheme and default port).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
import math
from typing import Any, ClassVar, Final

import voluptuous as vol

from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.selector import (
    BooleanSelector,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
from unifi_access_api import Door, DoorLockRelayStatus

from ..const import LOGGER
from ..models import (
    Capabilities,
    CodeKind,
    CodeRules,
    IssuedCode,
    Lock,
    LockState,
    LockStatus,
    PlannedCode,
)
from ..planner import code_problem
from ..rules import UNIFI_ACCESS_VISITOR_PIN
from .base import (
    AccountIdentity,
    LockVendor,
    VendorError,
    VendorInputError,
    VendorRejectedError,
    VendorUnsupportedError,
)
from .unifi_access_api import (
    API_PORT,
    RESOURCE_NOT_FOUND,
    UnifiAccessClient,
    UnifiAccessRejectedError,
)

CONF_HOST: Final = "host"
CONF_API_TOKEN: Final = "api_token"
CONF_VERIFY_SSL: Final = "verify_ssl"
MANUFACTURER: Final = "Ubiquiti"
MODEL: Final = "UniFi Access door"

# Marks the visitors lockbooking creates, so they can be told apart on the console.
VISITOR_REMARKS: Final = "lockbooking"
VISIT_REASON: Final = "Others"
DEFAULT_LAST_NAME: Final = "Guest"


def normalise_host(raw: str) -> str:
    """The console's host as the API client wants it: no scheme, path or port 12445."""
    host = raw.strip()
    for scheme in ("https://", "http://"):
        if host.lower().startswith(scheme):
            host = host[len(scheme) :]
    host = host.split("/", 1)[0].removesuffix(f":{API_PORT}")
    if host.count(":") > 1 and not host.startswith("["):
        host = f"[{host}]"  # a bare IPv6 address
    return host


def visitor_names(name: str) -> tuple[str, str]:
    """First and last name of a visitor (the API requires both)."""
    first, _, rest = " ".join(name.split()).partition(" ")
    return first or "LockBooking", rest or DEFAULT_LAST_NAME


class UnifiAccessVendor(LockVendor):
    """A UniFi Access console's doors and visitor PINs."""

    manufacturer: ClassVar[str] = MANUFACTURER
    # A local API on the LAN: polling it twice a minute costs nothing.
    poll_interval: ClassVar[timedelta] = timedelta(seconds=30)
    config_schema: ClassVar[vol.Schema] = vol.Schema(
        {
            vol.Required(CONF_HOST): TextSelector(),
            vol.Required(CONF_API_TOKEN): TextSelector(
                TextSelectorConfig(type=TextSelectorType.PASSWORD)
            ),
            vol.Required(CONF_VERIFY_SSL, default=True): BooleanSelector(),
        }
    )
    secret_fields: ClassVar[tuple[str, ...]] = (CONF_API_TOKEN,)

    def __init__(self, hass: HomeAssistant, data: Mapping[str, Any]) -> None:
        """Keep the entry data; the client is made on first use."""
        super().__init__(hass, data)
        self.host = normalise_host(str(data.get(CONF_HOST, "")))
        self._client: UnifiAccessClient | None = None

    @property
    def client(self) -> UnifiAccessClient:
        """The API client, on the shared session that verifies TLS or not."""
        if self._client is None:
            verify_ssl = bool(self.data.get(CONF_VERIFY_SSL, True))
            try:
                self._client = UnifiAccessClient(
                    self.host,
                    self.data[CONF_API_TOKEN],
                    async_get_clientsession(self.hass, verify_ssl=verify_ssl),
                    verify_ssl=verify_ssl,
                )
            except ValueError as err:
                raise VendorInputError(CONF_HOST, "cannot_connect") from err
        return self._client

    async def async_identify(self) -> AccountIdentity:
        """List the doors to check host and token; the console is known by its host."""
        await self._doors()
        return AccountIdentity(
            unique_id=self.host.lower(), title=f"UniFi Access ({self.host})"
        )

    async def async_get_locks(self) -> list[Lock]:
        """The doors a hub controls, with their lock relay's state."""
        return [_lock(door) for door in await self._doors() if _bound_to_hub(door)]

    async def _doors(self) -> list[Door]:
        try:
            return await self.client.get_doors()
        except (ValueError, TypeError) as err:  # the library's models refused the list
            raise VendorError("The console sent a door list that cannot be read.") from err

    async def async_unlock(self, lock: Lock) -> None:
        """Unlock the door for the unlock time set on the console."""
        await self.client.unlock_door(lock.id)

    async def async_issue_code(
        self, lock: Lock, plan: PlannedCode, name: str, code: str | None
    ) -> IssuedCode:
        """Create a visitor for the window and give it a PIN.

        If the PIN cannot be assigned, the visitor just created is deleted again, so
        no visitor without a known PIN stays on the console.
        """
        if plan.kind is not CodeKind.VISITOR_PIN:
            raise VendorUnsupportedError(plan.kind.value)
        if code is not None and (problem := code_problem(plan.rules, code)):
            raise VendorRejectedError(_problem_text(problem, plan.rules))
        first_name, last_name = visitor_names(name)
        visitor_id = await self.client.create_visitor(
            {
                "first_name": first_name,
                "last_name": last_name,
                "remarks": VISITOR_REMARKS,
                "start_time": math.floor(plan.window.start.timestamp()),
                "end_time": math.ceil(plan.window.end.timestamp()),
                "visit_reason": VISIT_REASON,
                "resources": [{"id": lock.id, "type": "door"}],
            }
        )
        try:
            pin = code if code is not None else await self.client.generate_pin()
            await self.client.assign_visitor_pin(visitor_id, pin)
        except BaseException:
            await self._discard_visitor(visitor_id)
            raise
        return IssuedCode(
            lock_id=lock.id,
            kind=plan.kind,
            code=pin,
            window=plan.window,
            vendor_id=visitor_id,
            revocable=True,
            notes=plan.notes,
        )

    async def _discard_visitor(self, visitor_id: str) -> None:
        try:
            await self.client.delete_visitor(visitor_id)
        except VendorError as err:
            LOGGER.warning(
                "Could not delete the visitor %s that got no PIN (%s); delete it in "
                "UniFi Access",
                visitor_id,
                err.detail,
            )

    async def async_revoke_code(self, lock: Lock, issued: IssuedCode) -> None:
        """Delete the code's visitor; one already gone counts as revoked."""
        if issued.vendor_id is None:
            raise VendorRejectedError("The code has no visitor id to delete.")
        try:
            await self.client.delete_visitor(issued.vendor_id)
        except UnifiAccessRejectedError as err:
            if err.code != RESOURCE_NOT_FOUND:
                raise


def _bound_to_hub(door: Door) -> bool:
    # A door without a hub can neither unlock nor check a PIN, so it is not listed: once
    # a hub is bound it then appears as a new lock. A console that omits the field
    # (older firmware) gets the benefit of the doubt.
    return door.is_bind_hub or "is_bind_hub" not in door.model_fields_set


def _lock(door: Door) -> Lock:
    reports_state = "door_lock_relay_status" in door.model_fields_set
    state = (
        LockState.UNLOCKED
        if door.door_lock_relay_status is DoorLockRelayStatus.UNLOCK
        else LockState.LOCKED
    )
    return Lock(
        id=door.id,
        name=door.full_name or door.name or door.id,
        manufacturer=MANUFACTURER,
        model=MODEL,
        capabilities=Capabilities(remote_unlock=True, reports_state=reports_state),
        code_rules=(UNIFI_ACCESS_VISITOR_PIN,),
        status=LockStatus(state=state if reports_state else None),
    )


def _problem_text(problem: str, rules: CodeRules) -> str:
    texts = {
        "code_length": (
            f"A UniFi Access PIN has {min(rules.lengths)} to {max(rules.lengths)} "
            "digits."
        ),
        "code_digits": "A UniFi Access PIN has digits only.",
    }
    return texts.get(problem, problem)
