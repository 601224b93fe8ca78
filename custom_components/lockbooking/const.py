"""Constants for lockbooking."""

from enum import StrEnum
import logging

DOMAIN = "lockbooking"
LOGGER = logging.getLogger(__package__)

CONF_KIND = "kind"


class EntryKind(StrEnum):
    """What a config entry holds: one vendor account (or, later, a reservations feed)."""

    DEMO = "demo"
    IGLOOHOME = "igloohome"
    NUKI = "nuki"
    UNIFI_ACCESS = "unifi_access"
