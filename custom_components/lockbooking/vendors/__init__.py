"""The vendor modules, and which one serves each kind of account.

A vendor's module is imported the first time an entry of its kind needs it, in the
executor, after the Home Assistant integrations it builds on are set up (which, on a
Home Assistant install that lacks their libraries, installs them). The Nuki Bluetooth
vendor needs Home Assistant's Bluetooth stack and pyNukiBT, which an install with only
cloud accounts may lack: one optional vendor must not take every kind of account down.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
import importlib
from types import ModuleType
from typing import TYPE_CHECKING, Any, Final

from homeassistant.setup import async_setup_component

from ..const import CONF_KIND, EntryKind
from .base import VendorUnavailableError

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant

    from .base import LockVendor


@dataclass(frozen=True, slots=True)
class VendorModule:
    """Where a kind of account's vendor lives, and what it needs set up first."""

    module: str
    vendor_class: str
    # Home Assistant integrations to set up before the module is imported.
    dependencies: tuple[str, ...] = ()


VENDOR_MODULES: Final[Mapping[EntryKind, VendorModule]] = {
    EntryKind.DEMO: VendorModule("demo.vendor", "DemoVendor"),
    EntryKind.HOME_ASSISTANT: VendorModule(
        "home_assistant.vendor", "HomeAssistantLocksVendor"
    ),
    EntryKind.IGLOOHOME: VendorModule("igloohome.vendor", "IgloohomeVendor"),
    EntryKind.NUKI: VendorModule("nuki.vendor", "NukiVendor"),
    # bluetooth_adapters brings Bluetooth, its adapters and proxies with it.
    EntryKind.NUKI_BLE: VendorModule(
        "nuki_ble.vendor", "NukiBleVendor", ("bluetooth_adapters",)
    ),
    EntryKind.UNIFI_ACCESS: VendorModule("unifi_access.vendor", "UnifiAccessVendor"),
}
# The vendor classes loaded so far.
VENDORS: dict[EntryKind, type[LockVendor]] = {}


async def async_import_vendor_module(
    hass: HomeAssistant, kind: EntryKind, module: str | None = None
) -> ModuleType:
    """Import a module of a kind's vendor (its vendor module by default).

    `module` is named from this package, as in "nuki_ble.pairing".

    Raises VendorUnavailableError when what it builds on cannot be set up or imported.
    """
    vendor = VENDOR_MODULES[kind]
    for domain in vendor.dependencies:
        if domain not in hass.config.components and not (
            await async_setup_component(hass, domain, {})
        ):
            raise VendorUnavailableError(
                f"Home Assistant's {domain} could not be set up."
            )
    try:
        return await hass.async_add_import_executor_job(
            importlib.import_module, f"{__name__}.{module or vendor.module}"
        )
    except ImportError as err:
        raise VendorUnavailableError(
            f"A library the {kind.value} vendor needs is missing: {err.name}."
        ) from err


async def async_get_vendor_class(
    hass: HomeAssistant, kind: EntryKind
) -> type[LockVendor]:
    """Get the vendor class serving a kind of account, importing its module on first use."""
    if (vendor_class := VENDORS.get(kind)) is None:
        module = await async_import_vendor_module(hass, kind)
        vendor_class = VENDORS.setdefault(
            kind, getattr(module, VENDOR_MODULES[kind].vendor_class)
        )
    return vendor_class


async def async_create_vendor(
    hass: HomeAssistant, data: Mapping[str, Any]
) -> LockVendor:
    """Create the vendor client for an account's entry data."""
    vendor_class = await async_get_vendor_class(hass, EntryKind(data[CONF_KIND]))
    return vendor_class(hass, data)
