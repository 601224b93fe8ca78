"""The action table against every installed Home Assistant release's `services.yaml`.

The running release is found through the `homeassistant.components` package; the newer
release's tree is read as files only (never imported), from a `.venv-current` next to
this checkout's environment. A release or integration whose file is missing is skipped.
"""

from __future__ import annotations

from datetime import UTC, datetime
import importlib.util
import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from custom_components.lockbooking.vendors.home_assistant.actions import (
    ACTIONS,
    MATTER,
    SCHLAGE,
    ZHA,
    ZWAVE_JS,
    CodeActions,
    Integration,
)

ROOT = Path(__file__).resolve().parents[3]
# Integrations whose code actions appeared after the oldest supported release.
NEWER_ONLY = {Integration.MATTER, Integration.SCHLAGE}


def _running_components() -> Path | None:
    spec = importlib.util.find_spec("homeassistant.components")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def _current_components() -> Path | None:
    candidates: list[Path] = []
    if env := os.environ.get("LOCKBOOKING_CURRENT_HA_COMPONENTS"):
        candidates.append(Path(env))
    venvs = [ROOT / ".venv-current"]
    if (ROOT / ".venv").exists():
        venvs.append((ROOT / ".venv").resolve().parent / ".venv-current")
    for venv in venvs:
        candidates.extend(
            sorted(venv.glob("lib/python3*/site-packages/homeassistant/components"))
        )
    return next((path for path in candidates if path.is_dir()), None)


RELEASES = {"running": _running_components(), "current": _current_components()}


def _services(release: str, integration: Integration) -> dict[str, Any]:
    components = RELEASES[release]
    if components is None:
        pytest.skip(f"no {release} Home Assistant tree installed")
    path = components / integration.value / "services.yaml"
    if not path.is_file():
        pytest.skip(f"{path} is missing")
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def _fields(action: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    """Flatten an action's fields, opening collapsed sections."""
    flat: dict[str, dict[str, Any]] = {}
    for name, spec in ((action or {}).get("fields") or {}).items():
        if isinstance(spec, dict) and "fields" in spec and "selector" not in spec:
            flat.update(spec["fields"])
        else:
            flat[name] = spec or {}
    return flat


def _options(spec: dict[str, Any]) -> list[str] | None:
    select = (spec.get("selector") or {}).get("select")
    if select is None:
        return None
    return [o["value"] if isinstance(o, dict) else o for o in select["options"]]


@pytest.mark.parametrize("integration", list(Integration))
@pytest.mark.parametrize("release", list(RELEASES))
def test_table_matches_services_yaml(release: str, integration: Integration) -> None:
    services = _services(release, integration)
    table: CodeActions = ACTIONS[integration]
    if integration in NEWER_ONLY and table.set_action not in services:
        pytest.skip(f"{integration} has no code actions in the {release} release")
    for action, used in table.fields_used().items():
        if action == table.read_action and action not in services:
            continue  # reading back is optional: older releases lack it
        assert action in services, f"{integration}.{action} missing"
        spec = services[action] or {}
        assert spec.get("target", {}).get("entity", {}).get("integration") == (
            integration.value
        ), f"{integration}.{action} does not target this integration's locks"
        fields = _fields(spec)
        assert used <= fields.keys(), (
            f"{integration}.{action} lacks {sorted(used - fields.keys())}"
        )
        if action in (table.set_action, table.clear_action):
            required = {name for name, f in fields.items() if f.get("required")}
            assert required <= used, (
                f"{integration}.{action} also requires {sorted(required - used)}"
            )
        constants = {
            table.set_action: table.set_constants,
            table.clear_action: table.clear_constants,
        }.get(action, {})
        for name, value in constants.items():
            options = _options(fields[name])
            if options is not None:
                assert value in options, f"{integration}.{action}.{name}={value!r}"


def test_running_release_has_zwave_js_and_zha_actions() -> None:
    # The two integrations every supported release must serve.
    for integration in (Integration.ZWAVE_JS, Integration.ZHA):
        services = _services("running", integration)
        table = ACTIONS[integration]
        assert {table.set_action, table.clear_action} <= services.keys()


def test_set_and_clear_data() -> None:
    assert ZWAVE_JS.set_data("123456", slot=10) == {
        "code_slot": 10,
        "usercode": "123456",
    }
    assert ZWAVE_JS.clear_data(slot=10) == {"code_slot": 10}
    assert ZHA.set_data("123456", slot=11) == {"code_slot": 11, "user_code": "123456"}
    assert MATTER.set_data("123456", slot=3) == {
        "credential_type": "pin",
        "credential_data": "123456",
        "credential_index": 3,
    }
    assert MATTER.clear_data(slot=3) == {
        "credential_type": "pin",
        "credential_index": 3,
    }
    assert MATTER.set_returns_response
    starts = datetime(2026, 7, 1, 15, tzinfo=UTC)
    ends = datetime(2026, 7, 4, 11, tzinfo=UTC)
    assert SCHLAGE.set_data("1234", name="lockbooking x", starts=starts, ends=ends) == {
        "notify_on_use": False,
        "code": "1234",
        "name": "lockbooking x",
        "start_datetime": starts,
        "end_datetime": ends,
    }
    assert SCHLAGE.set_data("1234", name="n") == {
        "notify_on_use": False,
        "code": "1234",
        "name": "n",
    }
    assert SCHLAGE.clear_data(name="n") == {"name": "n"}
    assert SCHLAGE.lock_keeps_window
    assert not ZWAVE_JS.lock_keeps_window
    assert not ZHA.lock_keeps_window


def test_wrong_address_refused() -> None:
    with pytest.raises(ValueError, match="by slot"):
        ZHA.clear_data(name="n")
    with pytest.raises(ValueError, match="by name"):
        SCHLAGE.clear_data(slot=10)


def test_fields_used() -> None:
    assert ZHA.fields_used() == {
        "set_lock_user_code": {"code_slot", "user_code"},
        "clear_lock_user_code": {"code_slot"},
    }
    assert MATTER.fields_used()["clear_lock_user"] == {"user_index"}
    assert SCHLAGE.fields_used()["get_codes"] == frozenset()


def test_read_data() -> None:
    assert MATTER.read_data(3) == {"credential_type": "pin", "credential_index": 3}
    assert ZWAVE_JS.read_data(10) == {"code_slot": 10}
    assert MATTER.fields_used()["get_lock_credential_status"] == {
        "credential_type",
        "credential_index",
    }
    with pytest.raises(ValueError, match="cannot read"):
        ZHA.read_data(10)
