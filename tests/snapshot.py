"""Snapshots in Home Assistant's format, reading the same on every tested release."""

from __future__ import annotations

from typing import Any

from pytest_homeassistant_custom_component.syrupy import (
    HomeAssistantSnapshotExtension,
    HomeAssistantSnapshotSerializer,
)

from homeassistant.core import State
from homeassistant.helpers import entity_registry as er
from homeassistant.util.read_only_dict import ReadOnlyDict

# Registry fields that only some tested releases have (2026.2 added both).
RELEASE_SPECIFIC_REGISTRY_FIELDS = ("object_id_base", "suggested_object_id")


class OneFormatSerializer(HomeAssistantSnapshotSerializer):
    """Home Assistant's serializer without the fields that differ between releases."""

    @classmethod
    def _serializable_entity_registry_entry(cls, data: er.RegistryEntry) -> Any:
        serialized = super()._serializable_entity_registry_entry(data)
        for field in RELEASE_SPECIFIC_REGISTRY_FIELDS:
            serialized.pop(field, None)
        return serialized

    @classmethod
    def _serializable_state(cls, data: State) -> Any:
        serialized = super()._serializable_state(data)
        # A device id in an attribute (the arrival event's lock) is new in every run.
        if "device_id" in data.attributes:
            serialized["attributes"] = ReadOnlyDict({**data.attributes, "device_id": "<device id>"})
        return serialized


class OneFormatSnapshotExtension(HomeAssistantSnapshotExtension):
    """The syrupy extension for lockbooking's snapshots."""

    serializer_class = OneFormatSerializer
