"""Each supported integration's public actions for putting a code on a lock and taking it off.

Field names come from each integration's `services.yaml` (checked against every installed
Home Assistant release by `tests/vendors/home_assistant/test_actions.py`). All of them are
entity actions targeting the `lock.*` entity. Plain data only: no Home Assistant import.

| integration | set | clear | slot field | code field |
|---|---|---|---|---|
| zwave_js | set_lock_usercode | clear_lock_usercode | code_slot | usercode |
| zha | set_lock_user_code | clear_lock_user_code | code_slot | user_code |
| matter (not in 2025.12) | set_lock_credential | clear_lock_credential (+ clear_lock_user) | credential_index | credential_data |
| schlage (not in 2025.12) | add_code | delete_code | (by `name`) | code |
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType
from typing import Any, Final


class Integration(StrEnum):
    """A Home Assistant integration whose locks lockbooking can put codes on."""

    ZWAVE_JS = "zwave_js"
    ZHA = "zha"
    MATTER = "matter"
    SCHLAGE = "schlage"


def _frozen(values: Mapping[str, Any] | None = None) -> Mapping[str, Any]:
    return MappingProxyType(dict(values or {}))


@dataclass(frozen=True, slots=True)
class CodeActions:
    """How one integration sets and clears a lock code through its public actions."""

    integration: Integration
    set_action: str
    clear_action: str
    code_field: str
    # The field naming the slot (None: the integration addresses codes by name).
    slot_field: str | None = None
    # The field naming the code, for integrations that address codes by name.
    name_field: str | None = None
    # Constant fields sent with every set / clear call.
    set_constants: Mapping[str, Any] = field(default_factory=_frozen)
    clear_constants: Mapping[str, Any] = field(default_factory=_frozen)
    # Lock-enforced window fields (start, end), when the lock keeps a window itself.
    window_fields: tuple[str, str] | None = None
    # The set action only answers with a response (call it with return_response=True).
    set_returns_response: bool = False
    # A second clear for the user a credential hangs on: (action, field).
    clear_user: tuple[str, str] | None = None
    # A response-only action reading a code back, and the fields it takes.
    read_action: str | None = None
    read_slot_field: str | None = None
    read_constants: Mapping[str, Any] = field(default_factory=_frozen)

    @property
    def lock_keeps_window(self) -> bool:
        """Tell whether the lock itself enforces a code's window (no scheduled activation)."""
        return self.window_fields is not None

    def set_data(
        self,
        code: str,
        *,
        slot: int | None = None,
        name: str | None = None,
        starts: datetime | None = None,
        ends: datetime | None = None,
    ) -> dict[str, Any]:
        """Build the service data that writes `code` (into `slot`, or under `name`)."""
        data: dict[str, Any] = dict(self.set_constants)
        data[self.code_field] = code
        data.update(self._address(slot, name))
        if self.window_fields is not None and starts is not None and ends is not None:
            data[self.window_fields[0]] = starts
            data[self.window_fields[1]] = ends
        return data

    def clear_data(
        self, *, slot: int | None = None, name: str | None = None
    ) -> dict[str, Any]:
        """Build the service data that clears the code in `slot` (or under `name`)."""
        data: dict[str, Any] = dict(self.clear_constants)
        data.update(self._address(slot, name))
        return data

    def read_data(self, slot: int) -> dict[str, Any]:
        """Build the service data that reads back what `slot` holds."""
        if self.read_action is None or self.read_slot_field is None:
            raise ValueError(f"{self.integration} cannot read a slot back")
        return {**self.read_constants, self.read_slot_field: slot}

    def _address(self, slot: int | None, name: str | None) -> dict[str, Any]:
        if self.slot_field is not None:
            if slot is None:
                raise ValueError(f"{self.integration} addresses codes by slot")
            return {self.slot_field: slot}
        if self.name_field is None or name is None:
            raise ValueError(f"{self.integration} addresses codes by name")
        return {self.name_field: name}

    def fields_used(self) -> dict[str, frozenset[str]]:
        """Every action this table calls, with the fields it sends (for the schema check)."""
        address = {f for f in (self.slot_field, self.name_field) if f is not None}
        used: dict[str, frozenset[str]] = {
            self.set_action: frozenset(
                {
                    self.code_field,
                    *address,
                    *self.set_constants,
                    *(self.window_fields or ()),
                }
            ),
            self.clear_action: frozenset({*address, *self.clear_constants}),
        }
        if self.clear_user is not None:
            used[self.clear_user[0]] = frozenset({self.clear_user[1]})
        if self.read_action is not None:
            used[self.read_action] = frozenset(
                {self.read_slot_field, *self.read_constants}
                if self.read_slot_field is not None
                else set(self.read_constants)
            )
        return used


ZWAVE_JS: Final = CodeActions(
    Integration.ZWAVE_JS,
    set_action="set_lock_usercode",
    clear_action="clear_lock_usercode",
    code_field="usercode",
    slot_field="code_slot",
    # Only from 2026.x; check `hass.services.has_service` before reading back.
    read_action="get_lock_usercode",
    read_slot_field="code_slot",
)
ZHA: Final = CodeActions(
    Integration.ZHA,
    set_action="set_lock_user_code",
    clear_action="clear_lock_user_code",
    code_field="user_code",
    slot_field="code_slot",
)
MATTER: Final = CodeActions(
    Integration.MATTER,
    set_action="set_lock_credential",
    clear_action="clear_lock_credential",
    code_field="credential_data",
    slot_field="credential_index",
    set_constants=_frozen({"credential_type": "pin"}),
    clear_constants=_frozen({"credential_type": "pin"}),
    set_returns_response=True,
    clear_user=("clear_lock_user", "user_index"),
    read_action="get_lock_credential_status",
    read_slot_field="credential_index",
    read_constants=_frozen({"credential_type": "pin"}),
)
SCHLAGE: Final = CodeActions(
    Integration.SCHLAGE,
    set_action="add_code",
    clear_action="delete_code",
    code_field="code",
    name_field="name",
    set_constants=_frozen({"notify_on_use": False}),
    window_fields=("start_datetime", "end_datetime"),
    read_action="get_codes",
)

# The integrations whose locks a "Locks in Home Assistant" account can manage.
INTEGRATIONS_WITH_CODES: Final = tuple(integration.value for integration in Integration)
ACTIONS: Final[Mapping[Integration, CodeActions]] = MappingProxyType(
    {actions.integration: actions for actions in (ZWAVE_JS, ZHA, MATTER, SCHLAGE)}
)
