"""Snapshots in Home Assistant's format, reading the same on every tested release."""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import Any

from pytest_homeassistant_custom_component.syrupy import (
    HomeAssistantSnapshotExtension,
    HomeAssistantSnapshotSerializer,
)

from homeassistant.core import State
from homeassistant.helpers import entity_registry as er
from homeassistant.util.read_only_dict import ReadOnlyDict

# Registry fields that only some tested releases have (2026.2 added the first two,
# 2026.11 compat_name).
RELEASE_SPECIFIC_REGISTRY_FIELDS = (
    "object_id_base",
    "suggested_object_id",
    "compat_name",
)


class OneFormatSerializer(HomeAssistantSnapshotSerializer):
    """Home Assistant's serializer without the fields that differ between releases."""

    @classmethod
    def _serializable_entity_registry_entry(cls, data: er.RegistryEntry) -> Any:
        serialized = super()._serializable_entity_registry_entry(data)
        for field in RELEASE_SPECIFIC_REGISTRY_FIELDS:
            serialized.pop(field, None)
        # 2026.11 keeps aliases as a list whose None stands for the entity's own name;
        # earlier releases keep a set of the extra aliases only.
        serialized["aliases"] = {
            alias for alias in serialized["aliases"] if alias is not None
        }
        # 2026.11 keys capabilities by enum members (StrEnum), earlier releases by strings.
        if capabilities := serialized.get("capabilities"):
            serialized["capabilities"] = _string_keys(capabilities)
        return serialized

    @classmethod
    def _serializable_state(cls, data: State) -> Any:
        serialized = super()._serializable_state(data)
        attributes = _string_keys(serialized["attributes"])
        # A device id in an attribute (the arrival event's lock) is new in every run.
        if "device_id" in attributes:
            attributes["device_id"] = "<device id>"
        serialized["attributes"] = ReadOnlyDict(attributes)
        return serialized


def _string_keys(mapping: Mapping[Any, Any]) -> dict[Any, Any]:
    """A mapping keyed by strings where 2026.11 keys it by StrEnum members."""
    return {
        key.value if isinstance(key, Enum) else key: value
        for key, value in mapping.items()
    }


class OneFormatSnapshotExtension(HomeAssistantSnapshotExtension):
    """The syrupy extension for lockbooking's snapshots."""

    serializer_class = OneFormatSerializer
