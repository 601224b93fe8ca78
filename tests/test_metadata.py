"""The files Home Assistant and HACS read: manifest, translations, hacs.json."""

from __future__ import annotations

import json
from pathlib import Path
import re

import pytest

ROOT = Path(__file__).parent.parent
INTEGRATION = ROOT / "custom_components" / "lockbooking"


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def test_manifest_follows_home_assistant_rules() -> None:
    manifest = _load(INTEGRATION / "manifest.json")
    keys = list(manifest)
    assert keys[:2] == ["domain", "name"]
    assert keys[2:] == sorted(keys[2:])
    assert manifest["domain"] == "lockbooking"
    assert manifest["name"] == "LockBooking"
    assert re.fullmatch(r"\d+\.\d+\.\d+", manifest["version"])
    assert manifest["config_flow"] is True
    assert manifest["iot_class"] in {"cloud_polling", "local_polling", "cloud_push", "local_push", "calculated"}
    assert manifest["integration_type"] == "hub"
    # Pinned, except Home Assistant's own iCalendar library: its calendars pin it per
    # release, and a pin of ours would fight theirs.
    assert all(
        "==" in requirement or requirement.startswith("ical>=")
        for requirement in manifest["requirements"]
    )


def test_requirements_match_the_environments() -> None:
    manifest = _load(INTEGRATION / "manifest.json")
    for flavour in ("stable", "latest"):
        text = (ROOT / "requirements" / f"{flavour}.txt").read_text()
        for requirement in manifest["requirements"]:
            assert requirement.replace(">=", "==").split("==")[0] + "==" in text, (flavour, requirement)


def test_hacs_json() -> None:
    hacs = _load(ROOT / "hacs.json")
    assert hacs["name"] == "LockBooking"
    assert re.fullmatch(r"\d{4}\.\d+\.\d+", hacs["homeassistant"])


def test_english_translation_is_strings_json() -> None:
    assert _load(INTEGRATION / "strings.json") == _load(INTEGRATION / "translations" / "en.json")


def _used_keys(pattern: str) -> set[str]:
    found: set[str] = set()
    for path in INTEGRATION.rglob("*.py"):
        found.update(re.findall(pattern, path.read_text(encoding="utf-8")))
    return found


def test_every_exception_key_is_translated() -> None:
    strings = _load(INTEGRATION / "strings.json")
    exceptions = strings["exceptions"] | strings["issues"]
    used = _used_keys(r'translation_key="([a-z_]+)"') | _used_keys(r'(?m)^    key = "([a-z_]+)"')
    used |= {f"{action}_not_supported" for action in ("lock", "unlock")}
    missing = used - exceptions.keys()
    assert not missing
    for key, value in strings["exceptions"].items():
        assert value["message"].strip(), key
    for key, value in strings["issues"].items():
        assert value["title"].strip() and value["description"].strip(), key


@pytest.mark.parametrize("kind", ["demo", "igloohome", "nuki", "unifi_access", "reservations"])
def test_every_account_kind_has_a_step(kind: str) -> None:
    config = _load(INTEGRATION / "strings.json")["config"]
    assert kind in config["step"]
    assert kind in config["step"]["user"]["menu_options"]
