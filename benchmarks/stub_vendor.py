"""A stubbed vendor account: N locks that follow a real vendor's code rules, answering at once.

Every call is counted, so a benchmark can say how many list calls, code writes and
look-ups lockbooking made. No network, no latency: what is timed is lockbooking.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from typing import Any, ClassVar
from unittest.mock import patch

import voluptuous as vol

import custom_components.lockbooking as lockbooking
from custom_components.lockbooking.models import (
    Capabilities,
    CodeKind,
    CodeUse,
    IssuedCode,
    Lock,
    LockState,
    LockStatus,
    PlannedCode,
    Window,
)
from custom_components.lockbooking.vendors import async_create_vendor
from custom_components.lockbooking.vendors.base import (
    AccountIdentity,
    FoundCode,
    LockVendor,
)
from custom_components.lockbooking.vendors.demo.vendor import DemoVendor
from custom_components.lockbooking.vendors.igloohome.rules import (
    IGLOOHOME_DAILY,
    IGLOOHOME_HOURLY,
)
from custom_components.lockbooking.vendors.nuki_common import NUKI_KEYPAD
from custom_components.lockbooking.vendors.unifi_access.rules import (
    UNIFI_ACCESS_VISITOR_PIN,
)
from homeassistant.core import HomeAssistant

# Which real vendor each flavour follows, by its code rules and capabilities.
FLAVOURS: dict[str, tuple[tuple[Any, ...], Capabilities]] = {
    "keypad": (
        (NUKI_KEYPAD,),
        Capabilities(
            remote_lock=True,
            remote_unlock=True,
            open=True,
            reports_state=True,
            battery_level=True,
            battery_critical=True,
            reports_code_use=True,
        ),
    ),
    "algopin": ((IGLOOHOME_HOURLY, IGLOOHOME_DAILY), Capabilities(battery_level=True)),
    "visitor": (
        (UNIFI_ACCESS_VISITOR_PIN,),
        Capabilities(remote_unlock=True, reports_state=True, reports_code_use=True),
    ),
}


class StubVendor(DemoVendor):
    """An account of `bench_locks` locks of one flavour; counts every call.

    Codes are made, revoked and found by the demo vendor, which follows the real
    vendors' rules; only the locks and the counting are the stub's own.
    """

    manufacturer: ClassVar[str] = "Benchmark stub"
    config_schema: ClassVar[vol.Schema] = vol.Schema({})
    accounts: ClassVar[list[StubVendor]] = []

    def __init__(self, hass: HomeAssistant, data: Mapping[str, Any]) -> None:
        """Build the locks once; their status never changes."""
        super().__init__(hass, data)
        self.calls: Counter[str] = Counter()
        # Code writes per (lock, window start): a stay's window on a lock is one code.
        self.issues_by_window: Counter[tuple[str, str]] = Counter()
        rules, capabilities = FLAVOURS[data["bench_flavour"]]
        self.locks = [
            Lock(
                id=f"lock{number:03d}",
                name=f"{data['bench_name']} {number}",
                manufacturer=self.manufacturer,
                model=data["bench_flavour"],
                capabilities=capabilities,
                code_rules=rules,
                status=LockStatus(
                    state=LockState.LOCKED if capabilities.reports_state else None,
                    battery_level=80 if capabilities.battery_level else None,
                    battery_critical=False if capabilities.battery_critical else None,
                ),
            )
            for number in range(data["bench_locks"])
        ]
        StubVendor.accounts.append(self)

    async def async_identify(self) -> AccountIdentity:
        """Not used: entries are added directly."""
        return AccountIdentity(
            unique_id=self.data["bench_name"], title=self.data["bench_name"]
        )

    async def async_get_locks(self) -> list[Lock]:
        """One list call."""
        self.calls["async_get_locks"] += 1
        return list(self.locks)

    async def async_lock(self, lock: Lock) -> None:
        """Lock (counted)."""
        self.calls["async_lock"] += 1

    async def async_unlock(self, lock: Lock) -> None:
        """Unlock (counted)."""
        self.calls["async_unlock"] += 1

    async def async_issue_code(
        self, lock: Lock, plan: PlannedCode, name: str, code: str | None
    ) -> IssuedCode:
        """One code write, made the demo's way (algoPINs derived from the window)."""
        self.calls["async_issue_code"] += 1
        self.issues_by_window[(lock.id, plan.window.start.isoformat())] += 1
        return await super().async_issue_code(lock, plan, name, code)

    async def async_revoke_code(self, lock: Lock, issued: IssuedCode) -> None:
        """One code removal."""
        self.calls["async_revoke_code"] += 1
        await super().async_revoke_code(lock, issued)

    async def async_find_codes(
        self, lock: Lock, name: str, window: Window, kind: CodeKind
    ) -> list[FoundCode] | None:
        """Look codes up after an interrupted issue (counted; should not happen here)."""
        self.calls["async_find_codes"] += 1
        return await super().async_find_codes(lock, name, window, kind)

    async def async_get_code_uses(self, lock: Lock, since: datetime) -> list[CodeUse]:
        """One log read (counted); guests arrive the demo's way, 42 minutes in."""
        self.calls["async_get_code_uses"] += 1
        return await super().async_get_code_uses(lock, since)


def stub_account_data(name: str, flavour: str, locks: int) -> dict[str, Any]:
    """Make a demo-kind entry's data that `async_create_vendor` builds a StubVendor for."""
    return {
        "kind": "demo",
        "name": name,
        "bench_name": name,
        "bench_flavour": flavour,
        "bench_locks": locks,
    }


def issues_by_window() -> Counter[tuple[str, str, str]]:
    """Every stub account's code writes, per account, lock and window start."""
    total: Counter[tuple[str, str, str]] = Counter()
    for account in StubVendor.accounts:
        for (lock_id, start), count in account.issues_by_window.items():
            total[(account.data["bench_name"], lock_id, start)] += count
    return total


def total_calls() -> Counter[str]:
    """Every stub account's calls, added up."""
    total: Counter[str] = Counter()
    for account in StubVendor.accounts:
        total.update(account.calls)
    return total


@contextmanager
def stub_vendors() -> Iterator[type[StubVendor]]:
    """Entries made by `stub_account_data` get a StubVendor; the others their real vendor."""

    async def create(hass: HomeAssistant, data: Mapping[str, Any]) -> LockVendor:
        if "bench_flavour" in data:
            return StubVendor(hass, data)
        return await async_create_vendor(hass, data)

    StubVendor.accounts.clear()
    with patch.object(lockbooking, "async_create_vendor", create):
        yield StubVendor
    StubVendor.accounts.clear()
