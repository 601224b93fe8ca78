"""manifest.json as hassfest checks a custom integration, hacs.json as HACS reads it, the brand icon.

`test_metadata.py` checks the key order, the version's form, the pins and the environments; this
file adds the rest of hassfest's custom-integration schema (script/hassfest/manifest.py: which
keys exist and what each may hold), HACS' list of hacs.json keys, and the brand folder that
Home Assistant (2026.3 and later) and HACS show for a custom integration.
"""

from __future__ import annotations

import json
from pathlib import Path
import re
import struct
from urllib.parse import urlparse

from awesomeversion import AwesomeVersion, AwesomeVersionStrategy
import pytest

ROOT = Path(__file__).parent.parent
INTEGRATION = ROOT / "custom_components" / "lockbooking"

# hassfest's CUSTOM_INTEGRATION_MANIFEST_SCHEMA: every key it knows (anything else is an error).
MANIFEST_KEYS = {
    "domain",
    "name",
    "integration_type",
    "config_flow",
    "mqtt",
    "zeroconf",
    "ssdp",
    "bluetooth",
    "homekit",
    "dhcp",
    "usb",
    "documentation",
    "quality_scale",
    "requirements",
    "dependencies",
    "after_dependencies",
    "codeowners",
    "loggers",
    "disabled",
    "iot_class",
    "single_config_entry",
    "preview_features",
    "version",
    "issue_tracker",
    "import_executor",
}
IOT_CLASSES = {
    "assumed_state",
    "calculated",
    "cloud_polling",
    "cloud_push",
    "local_polling",
    "local_push",
}
INTEGRATION_TYPES = {
    "device",
    "entity",
    "hardware",
    "helper",
    "hub",
    "service",
    "system",
}
QUALITY_SCALES = {
    "bronze",
    "silver",
    "gold",
    "platinum",
    "custom",
    "no_score",
    "internal",
    "legacy",
}
BLUETOOTH_KEYS = {
    "connectable",
    "service_uuid",
    "service_data_uuid",
    "local_name",
    "manufacturer_id",
    "manufacturer_data_start",
}
# https://hacs.xyz/docs/publish/start#hacsjson
HACS_KEYS = {
    "name",
    "content_in_root",
    "zip_release",
    "filename",
    "hide_default_branch",
    "country",
    "homeassistant",
    "hacs",
    "persistent_directory",
    "render_readme",
}


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _https_url(value: str) -> bool:
    url = urlparse(value)
    return url.scheme == "https" and bool(url.netloc)


def test_manifest_has_only_keys_hassfest_knows_with_valid_values() -> None:
    manifest = _load(INTEGRATION / "manifest.json")
    assert set(manifest) <= MANIFEST_KEYS, set(manifest) - MANIFEST_KEYS
    assert manifest["domain"] == INTEGRATION.name
    assert manifest["iot_class"] in IOT_CLASSES
    assert manifest["integration_type"] in INTEGRATION_TYPES
    assert manifest["quality_scale"] in QUALITY_SCALES
    # The same strategies Home Assistant's loader accepts for a custom integration's version.
    AwesomeVersion(
        manifest["version"],
        ensure_strategy=[
            AwesomeVersionStrategy.CALVER,
            AwesomeVersionStrategy.SEMVER,
            AwesomeVersionStrategy.SIMPLEVER,
            AwesomeVersionStrategy.BUILDVER,
            AwesomeVersionStrategy.PEP440,
        ],
    )
    for key in (
        "requirements",
        "dependencies",
        "after_dependencies",
        "codeowners",
        "loggers",
    ):
        assert all(isinstance(item, str) for item in manifest.get(key, [])), key


def test_manifest_owners_and_links() -> None:
    manifest = _load(INTEGRATION / "manifest.json")
    assert manifest["codeowners"]
    assert all(
        re.fullmatch(r"@[\w-]+(/[\w-]+)?", owner) for owner in manifest["codeowners"]
    )
    # A custom integration documents itself: https, and not Home Assistant's own pages.
    assert _https_url(manifest["documentation"])
    assert not manifest["documentation"].startswith(
        "https://www.home-assistant.io/integrations"
    )
    assert _https_url(manifest["issue_tracker"])


def test_manifest_requirements_are_pinned() -> None:
    requirements = _load(INTEGRATION / "manifest.json")["requirements"]
    for requirement in requirements:
        # A floor (>=) only for what Home Assistant pins itself per release (see
        # test_metadata.test_floors_are_what_home_assistant_pins): a pin of ours would
        # make pip fight core's on every release.
        name, _, version = requirement.replace(">=", "==").partition("==")
        assert re.fullmatch(r"[A-Za-z0-9._-]+", name), requirement
        assert re.fullmatch(r"[\w.]+", version), requirement


def test_manifest_bluetooth_matchers() -> None:
    for matcher in _load(INTEGRATION / "manifest.json")["bluetooth"]:
        assert matcher
        assert set(matcher) <= BLUETOOTH_KEYS, matcher
        for key in ("service_uuid", "service_data_uuid"):
            if key in matcher:
                assert matcher[key] == matcher[key].lower()
        assert all(
            isinstance(byte, int) for byte in matcher.get("manufacturer_data_start", [])
        )


def test_hacs_json_has_only_known_keys() -> None:
    hacs = _load(ROOT / "hacs.json")
    assert set(hacs) <= HACS_KEYS, set(hacs) - HACS_KEYS
    assert hacs["render_readme"] is True
    assert hacs["homeassistant"] == "2025.12.0"


def test_repository_layout_follows_hacs() -> None:
    # One integration under custom_components/, a README at the root (HACS renders it).
    assert [
        path.name
        for path in (ROOT / "custom_components").iterdir()
        if path.is_dir() and not path.name.startswith((".", "__"))
    ] == ["lockbooking"]
    assert (ROOT / "README.md").is_file()
    assert (INTEGRATION / "__init__.py").is_file()


@pytest.mark.parametrize(("name", "size"), [("icon.png", 256), ("icon@2x.png", 512)])
def test_brand_icon_is_a_square_png(name: str, size: int) -> None:
    data = (INTEGRATION / "brand" / name).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    assert struct.unpack(">II", data[16:24]) == (size, size)
