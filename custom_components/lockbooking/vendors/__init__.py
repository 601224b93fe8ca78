"""The vendor modules, and which one serves each kind of account."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..const import CONF_KIND, EntryKind
from .base import LockVendor
from .demo import DemoVendor
from .igloohome import IgloohomeVendor
from .nuki import NukiVendor
from .nuki_ble import NukiBleVendor
from .unifi_access import UnifiAccessVendor

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant

VENDORS: dict[EntryKind, type[LockVendor]] = {
    EntryKind.DEMO: DemoVendor,
    EntryKind.IGLOOHOME: IgloohomeVendor,
    EntryKind.NUKI: NukiVendor,
    EntryKind.NUKI_BLE: NukiBleVendor,
    EntryKind.UNIFI_ACCESS: UnifiAccessVendor,
}


def create_vendor(hass: HomeAssistant, data: Mapping[str, Any]) -> LockVendor:
    """The vendor client for an account's entry data."""
    return VENDORS[EntryKind(data[CONF_KIND])](hass, data)
