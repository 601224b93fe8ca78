"""The lock layer: the one protocol every vendor implements, and its typed errors.

Entities, services and the coordinator speak only to `LockVendor`; nothing outside a
vendor's own module knows a vendor's URL or payload.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

import voluptuous as vol

from ..models import CodeKind, CodeUse, IssuedCode, Lock, PlannedCode, Window

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant


class VendorError(Exception):
    """Base of every error a vendor raises; `key` names a translated message.

    `sent_code` is the code a request whose outcome is unknown carried, when the vendor
    chose it (never part of the message): the code may be on the lock, so trying again
    sends the same digits.
    """

    key: ClassVar[str] = "vendor_error"

    def __init__(self, detail: str = "") -> None:
        """Keep the detail the translated message shows (the message too)."""
        super().__init__(detail)
        self.detail = detail
        self.sent_code: str | None = None


class VendorAuthError(VendorError):
    """The credentials were refused: the entry needs re-authentication."""

    key = "vendor_auth"


class VendorCertificateError(VendorAuthError):
    """The server's TLS certificate is not trusted, or not the one the host pinned.

    An auth error: nothing works until the host checks the certificate again, which
    the re-authentication flow offers through the vendor's certificate steps.
    """

    key = "vendor_certificate"


class VendorUnavailableError(VendorError):
    """The vendor or the lock cannot be reached now; trying later may work.

    `retry_after` is the wait in seconds the vendor asked for (a 429 or 503 answer's
    Retry-After), if any. `unprocessed` says the vendor turned the request away before
    acting on it (429, or 503 with Retry-After), so sending it again cannot duplicate it.
    """

    key = "vendor_unavailable"

    def __init__(
        self,
        detail: str = "",
        *,
        retry_after: float | None = None,
        unprocessed: bool = False,
    ) -> None:
        """Keep the detail and what the vendor said about trying again."""
        super().__init__(detail)
        self.retry_after = retry_after
        self.unprocessed = unprocessed


class VendorRejectedError(VendorError):
    """The vendor understood the request and refused it; `detail` says why, readably."""

    key = "vendor_rejected"


class VendorUnsupportedError(VendorError):
    """The lock cannot do this at all (for example revoke an offline algoPIN)."""

    key = "vendor_unsupported"


class VendorInputError(VendorError):
    """A config flow field is unusable; `field` names it, `error` is its translation key."""

    key = "vendor_input"

    def __init__(self, field: str, error: str) -> None:
        """Name the field and the form error to show under it."""
        super().__init__(error)
        self.field = field
        self.error = error


@dataclass(frozen=True, slots=True)
class FoundCode:
    """A code at the vendor that lockbooking may have created.

    `code` is None when the vendor cannot show the digits (UniFi Access keeps only a
    PIN's hash); `vendor_id` is what revoking the code needs.
    """

    vendor_id: str | None
    code: str | None = None


@dataclass(frozen=True, slots=True)
class AccountIdentity:
    """Who an account is: the config entry's unique id and title."""

    unique_id: str
    title: str


class LockVendor(ABC):
    """One vendor account: its locks, their state and their codes.

    A vendor is built from its config entry's data; `config_schema` is the config flow
    form that collects that data and `secret_fields` the part asked for again on
    re-authentication.
    """

    manufacturer: ClassVar[str]
    poll_interval: ClassVar[timedelta] = timedelta(minutes=1)
    config_schema: ClassVar[vol.Schema]
    secret_fields: ClassVar[tuple[str, ...]] = ()
    # The vendor can move an issued code's window and keep its digits (see
    # async_update_code_window); it may still refuse a code it cannot move.
    updates_window_in_place: ClassVar[bool] = False

    def __init__(self, hass: HomeAssistant, data: Mapping[str, Any]) -> None:
        """Keep what the account needs; no I/O here."""
        self.hass = hass
        self.data = data

    @abstractmethod
    async def async_identify(self) -> AccountIdentity:
        """Check the entry data with a real call and say whose account it is.

        Raises VendorAuthError, VendorUnavailableError or VendorInputError, which the
        config flow shows as `invalid_auth`, `cannot_connect` or a field error.
        """

    @abstractmethod
    async def async_get_locks(self) -> list[Lock]:
        """List the account's locks with capabilities, code rules and current status."""

    async def async_lock(self, lock: Lock) -> None:
        """Lock remotely."""
        raise VendorUnsupportedError("lock")

    async def async_unlock(self, lock: Lock) -> None:
        """Unlock remotely."""
        raise VendorUnsupportedError("unlock")

    async def async_open(self, lock: Lock) -> None:
        """Unlatch (open the door) remotely."""
        raise VendorUnsupportedError("open")

    @abstractmethod
    async def async_issue_code(
        self, lock: Lock, plan: PlannedCode, name: str, code: str | None
    ) -> IssuedCode:
        """Create a code for the planned window; `code` is the host's choice, if any.

        A code that stops working unless used by some moment says so in `use_by`.
        """

    async def async_revoke_code(self, lock: Lock, issued: IssuedCode) -> None:
        """Remove a code before its window ends."""
        raise VendorUnsupportedError("revoke")

    async def async_update_code_window(
        self, lock: Lock, issued: IssuedCode, plan: PlannedCode
    ) -> IssuedCode:
        """Give an issued code the planned window in place, keeping its digits.

        Only for vendors whose `updates_window_in_place` is set. Returns the code as the
        lock now honours it. Raises VendorUnsupportedError for a code that cannot be
        moved (an algoPIN), VendorRejectedError when the code is gone, and
        VendorUnavailableError (outcome unknown) when the change is not confirmed yet.
        """
        raise NotImplementedError

    async def async_find_codes(
        self, lock: Lock, name: str, window: Window, kind: CodeKind
    ) -> list[FoundCode] | None:
        """Look for the codes lockbooking may have made on the lock for `name` and `window`.

        Asked after an issue was interrupted (Home Assistant stopped between the
        vendor call and the ledger write), to tell a code the vendor accepted from one
        it never got. `window` is the planned window sent to the vendor. An empty list
        means the vendor has no such code; None means this vendor cannot tell, so the
        code is issued again. Raises VendorError when the vendor cannot be asked now.
        """
        return None

    async def async_write_slot(self, lock: Lock, slot: int, code: str) -> None:
        """Put `code` into a code slot of a lock whose `slots` are set, replacing its code.

        Only for locks that keep no window themselves: lockbooking calls it when a
        code's window opens (activation.py). Raises VendorError when the lock did not
        take it; VendorUnavailableError when it cannot be reached now.
        """
        raise VendorUnsupportedError("slots")

    async def async_clear_slot(self, lock: Lock, slot: int) -> None:
        """Empty a code slot of a lock whose `slots` are set (its window closed).

        Raises VendorError when the lock did not clear it.
        """
        raise VendorUnsupportedError("slots")

    async def async_slot_holds(
        self, lock: Lock, slot: int, code: str | None
    ) -> bool | None:
        """Tell whether a slot holds `code` (or, for None, holds no code) on the lock now.

        Asked after a write or a clear, to confirm it took. None: the lock cannot be
        read back (ZHA), so the write is trusted.
        """
        return None

    async def async_get_code_uses(self, lock: Lock, since: datetime) -> list[CodeUse]:
        """List the code entries that opened the lock at or after `since` (aware).

        Asked only of locks whose `capabilities.reports_code_use` is set, and only while
        a stay's code on the lock is live and not yet seen used, so a guest's arrival
        is known. Openings by anything but a code (the app, a button, a remote unlock,
        a fingerprint) are left out, as are attempts the lock refused. Raises
        VendorError when the log cannot be read now.
        """
        raise VendorUnsupportedError("code_uses")
