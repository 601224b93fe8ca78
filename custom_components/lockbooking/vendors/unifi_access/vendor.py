"""UniFi Access: doors on a local console, and visitors with PINs as door codes.

Doors come from the console's developer API (port 12445, API token). A door bound to
a hub unlocks remotely. Locking is not offered: the API's only "lock" is a lock rule
that overrides the door's schedule, not a momentary lock, so `async_lock` keeps the
base class's VendorUnsupportedError and the lock entity refuses with a translated
error. A code is a visitor whose only resource is the door, with a PIN the console
generates (so it has the site's PIN length) or the host chooses; the console keeps
only the PIN's hash, so lockbooking keeps the digits. Revoking deletes the visitor.
A guest's arrival is read from the console's system log (`log`), whose door openings
name the visitor whose PIN opened the door.

The developer API exposes no account or console id, so an entry is known by its
console's host (lower-case, without scheme and port).

The token only ever travels over TLS to port 12445. The certificate is verified by
default; a console's self-signed certificate is trusted by pinning its SHA-256
fingerprint (`cert_fingerprint`, confirmed by the host in the config flow), after
which no other certificate is accepted. Turning verification off is the unsafe way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timedelta
import math
import re
from typing import Any, ClassVar, Final

from unifi_access_api import Door, DoorLockRelayStatus
import voluptuous as vol

from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.selector import (
    BooleanSelector,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)

from ...const import LOGGER
from ...models import (
    Capabilities,
    CodeKind,
    CodeRules,
    CodeUse,
    IssuedCode,
    Lock,
    LockState,
    LockStatus,
    PlannedCode,
    Window,
)
from ...planner import code_problem
from ..base import (
    AccountIdentity,
    FoundCode,
    LockVendor,
    VendorError,
    VendorInputError,
    VendorRejectedError,
    VendorUnsupportedError,
)
from .api import (
    RESOURCE_NOT_FOUND,
    UnifiAccessClient,
    UnifiAccessRejectedError,
    async_read_certificate_fingerprint,
)
from .log import LOG_TOPIC, visitor_pin_uses
from .rules import UNIFI_ACCESS_VISITOR_PIN

CONF_HOST: Final = "host"
CONF_API_TOKEN: Final = "api_token"
CONF_VERIFY_SSL: Final = "verify_ssl"
CONF_CERT_FINGERPRINT: Final = "cert_fingerprint"
MANUFACTURER: Final = "Ubiquiti"
MODEL: Final = "UniFi Access door"

# Marks the visitors lockbooking creates, so they can be told apart on the console.
VISITOR_REMARKS: Final = "lockbooking"
VISIT_REASON: Final = "Others"
DEFAULT_LAST_NAME: Final = "Guest"


def normalise_host(raw: str) -> str:
    """Reduce an address to the console's host: no scheme, user, path or port.

    A port is dropped, not used: the API (and so the token) goes to port 12445 over
    TLS only, whatever the address typed says.
    """
    host = raw.strip()
    if "://" in host:
        host = host.partition("://")[2]
    host = re.split(r"[/?#]", host, maxsplit=1)[0].rpartition("@")[2]
    if host.startswith("["):
        bracketed, _, _ = host.partition("]")
        return f"{bracketed}]"
    if host.count(":") > 1:
        return f"[{host}]"  # a bare IPv6 address
    return host.partition(":")[0]


def format_fingerprint(fingerprint: str) -> str:
    """Show a hex SHA-256 fingerprint as browsers do: upper-case pairs and colons."""
    return ":".join(
        fingerprint[index : index + 2] for index in range(0, len(fingerprint), 2)
    ).upper()


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
    updates_window_in_place: ClassVar[bool] = True

    def __init__(self, hass: HomeAssistant, data: Mapping[str, Any]) -> None:
        """Keep the entry data; the client is made on first use."""
        super().__init__(hass, data)
        self.host = normalise_host(str(data.get(CONF_HOST, "")))
        self._client: UnifiAccessClient | None = None

    @property
    def client(self) -> UnifiAccessClient:
        """The API client: TLS verified, pinned to one certificate, or (unsafe) neither."""
        if self._client is None:
            pinned = self.data.get(CONF_CERT_FINGERPRINT)
            # A pinned certificate is checked by its fingerprint, not by a CA, so it
            # needs the session that does not verify.
            verify_ssl = bool(self.data.get(CONF_VERIFY_SSL, True)) and not pinned
            try:
                self._client = UnifiAccessClient(
                    self.host,
                    # A pasted token often ends with a line break, which breaks a header.
                    str(self.data[CONF_API_TOKEN]).strip(),
                    async_get_clientsession(self.hass, verify_ssl=verify_ssl),
                    verify_ssl=verify_ssl,
                    cert_fingerprint=bytes.fromhex(pinned) if pinned else None,
                )
            except ValueError as err:
                raise VendorInputError(CONF_HOST, "cannot_connect") from err
        return self._client

    async def async_certificate_fingerprint(self) -> str:
        """Read the SHA-256 fingerprint (hex) of the console's certificate; no token sent."""
        return await async_read_certificate_fingerprint(self.host)

    async def async_identify(self) -> AccountIdentity:
        """List the doors to check host and token; the console is known by its host."""
        await self._doors()
        return AccountIdentity(
            unique_id=self.host.lower(), title=f"UniFi Access ({self.host})"
        )

    async def async_get_locks(self) -> list[Lock]:
        """List the doors a hub controls, with their lock relay's state."""
        return [_lock(door) for door in await self._doors() if _bound_to_hub(door)]

    async def _doors(self) -> list[Door]:
        try:
            return await self.client.get_doors()
        except (ValueError, TypeError) as err:  # the library's models refused the list
            raise VendorError(
                "The console sent a door list that cannot be read."
            ) from err

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

    async def async_update_code_window(
        self, lock: Lock, issued: IssuedCode, plan: PlannedCode
    ) -> IssuedCode:
        """Move the code's visitor to the planned window; its PIN stays the same."""
        if plan.kind is not CodeKind.VISITOR_PIN or issued.vendor_id is None:
            raise VendorUnsupportedError(plan.kind.value)
        await self.client.update_visitor_window(
            issued.vendor_id,
            math.floor(plan.window.start.timestamp()),
            math.ceil(plan.window.end.timestamp()),
        )
        return replace(issued, kind=plan.kind, window=plan.window, notes=plan.notes)

    async def async_find_codes(
        self, lock: Lock, name: str, window: Window, kind: CodeKind
    ) -> list[FoundCode] | None:
        """Visitors lockbooking made for `name` on this door with exactly this window.

        The console keeps only PIN hashes, so a found visitor comes without its PIN:
        it has to be deleted and the code issued again.
        """
        first_name, last_name = visitor_names(name)
        wanted = {
            "remarks": VISITOR_REMARKS,
            "first_name": first_name,
            "last_name": last_name,
            "start_time": math.floor(window.start.timestamp()),
            "end_time": math.ceil(window.end.timestamp()),
        }
        return [
            FoundCode(vendor_id=visitor["id"])
            for visitor in await self.client.list_visitors()
            if all(visitor.get(field) == value for field, value in wanted.items())
            and _may_open(visitor, lock.id)
        ]

    async def async_get_code_uses(self, lock: Lock, since: datetime) -> list[CodeUse]:
        """List the visitor PINs that opened the door at or after `since`, oldest first.

        The log names the visitor, not the PIN, so a use carries the visitor's id,
        which is the code's `vendor_id`; how an opening is told apart is in `log`.
        """
        hits = await self.client.system_logs(LOG_TOPIC, math.floor(since.timestamp()))
        return visitor_pin_uses(hits, lock.id, since)


def _may_open(visitor: Mapping[str, Any], door_id: str) -> bool:
    """Tell whether a visitor's resources include the door (or name no door at all).

    A console may list a visitor's doors inside a door group of its own; then the
    other fields have to tell.
    """
    resources = visitor.get("resources")
    doors = {
        resource.get("id")
        for resource in (resources if isinstance(resources, list) else ())
        if isinstance(resource, dict) and resource.get("type") == "door"
    }
    return not doors or door_id in doors


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
        capabilities=Capabilities(
            remote_unlock=True,
            reports_state=reports_state,
            # Any door a hub controls checks visitor PINs and logs whose PIN it was.
            reports_code_use=True,
        ),
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
