"""The files Home Assistant and HACS read: manifest, translations, hacs.json."""

from __future__ import annotations

import ast
import importlib
from importlib import metadata, resources
import json
from pathlib import Path
import re
import sys

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
    assert manifest["iot_class"] in {
        "cloud_polling",
        "local_polling",
        "cloud_push",
        "local_push",
        "calculated",
    }
    assert manifest["integration_type"] == "hub"
    # Pinned, except what Home Assistant pins itself per release (a pin of ours would
    # fight theirs): see test_floors_are_what_home_assistant_pins.
    assert all(
        "==" in requirement or ">=" in requirement
        for requirement in manifest["requirements"]
    )


def test_floors_are_what_home_assistant_pins() -> None:
    """A requirement given as a floor is one this release of Home Assistant pins itself."""
    constraints = (
        resources.files("homeassistant").joinpath("package_constraints.txt").read_text()
    )
    calendar = _load(
        Path(resources.files("homeassistant"))
        / "components"
        / "local_calendar"
        / "manifest.json"
    )
    pinned = {
        line.split("==")[0].lower() for line in constraints.splitlines() if "==" in line
    }
    pinned |= {
        requirement.split("==")[0].lower() for requirement in calendar["requirements"]
    }
    floors = [
        r.split(">=")[0]
        for r in _load(INTEGRATION / "manifest.json")["requirements"]
        if ">=" in r
    ]
    assert floors
    assert {name.lower() for name in floors} <= pinned


@pytest.mark.parametrize("flavour", ["oldest", "current"])
def test_requirements_match_the_environments(flavour: str) -> None:
    """Every requirement of the manifest is installed, pinned, in both test environments."""
    manifest = _load(INTEGRATION / "manifest.json")
    text = (ROOT / "requirements" / f"{flavour}.txt").read_text()
    for requirement in manifest["requirements"]:
        assert requirement.replace(">=", "==").split("==")[0] + "==" in text, (
            requirement
        )


def test_oldest_supported_release_is_the_oldest_tested() -> None:
    """hacs.json, the README and the oldest test environment name the same release."""
    oldest = re.search(
        r"^homeassistant==(\d{4}\.\d+)\.\d+$",
        (ROOT / "requirements" / "oldest.txt").read_text(),
        re.M,
    )
    assert oldest
    assert _load(ROOT / "hacs.json")["homeassistant"] == f"{oldest[1]}.0"
    assert f"Home Assistant {oldest[1]}" in (ROOT / "README.md").read_text()


def test_hacs_json() -> None:
    hacs = _load(ROOT / "hacs.json")
    assert hacs["name"] == "LockBooking"
    assert re.fullmatch(r"\d{4}\.\d+\.\d+", hacs["homeassistant"])


def test_english_translation_is_strings_json() -> None:
    assert _load(INTEGRATION / "strings.json") == _load(
        INTEGRATION / "translations" / "en.json"
    )


def _used_keys(pattern: str) -> set[str]:
    found: set[str] = set()
    for path in INTEGRATION.rglob("*.py"):
        found.update(re.findall(pattern, path.read_text(encoding="utf-8")))
    return found


def test_every_exception_key_is_translated() -> None:
    strings = _load(INTEGRATION / "strings.json")
    exceptions = strings["exceptions"] | strings["issues"]
    used = _used_keys(r'translation_key="([a-z_]+)"') | _used_keys(
        r'(?m)^    key = "([a-z_]+)"'
    )
    used |= {f"{action}_not_supported" for action in ("lock", "unlock")}
    missing = used - exceptions.keys()
    assert not missing
    for key, value in strings["exceptions"].items():
        assert value["message"].strip(), key
    for key, value in strings["issues"].items():
        assert value["title"].strip(), key
        assert value["description"].strip(), key


@pytest.mark.parametrize(
    "kind",
    ["demo", "home_assistant", "igloohome", "nuki", "unifi_access", "reservations"],
)
def test_every_account_kind_has_a_step(kind: str) -> None:
    config = _load(INTEGRATION / "strings.json")["config"]
    assert kind in config["step"]
    assert kind in config["step"]["user"]["menu_options"]


def _distribution(requirement: str) -> str:
    """A requirement's distribution name, normalised (PEP 503)."""
    return re.sub(
        r"[-_.]+", "-", re.split(r"[<>=!~ ;\[]", requirement, maxsplit=1)[0]
    ).lower()


def _integration_requirements(domain: str) -> set[str]:
    """The requirements of a Home Assistant integration and of its dependencies."""
    manifest = _load(
        Path(str(resources.files("homeassistant")))
        / "components"
        / domain
        / "manifest.json"
    )
    found = {
        _distribution(requirement) for requirement in manifest.get("requirements", [])
    }
    for dependency in manifest.get("dependencies", []):
        found |= _integration_requirements(dependency)
    return found


def test_every_third_party_import_is_declared() -> None:
    """What the integration imports comes with Python or Home Assistant, or is declared.

    Declared: a requirement in manifest.json, or one of a Home Assistant integration that
    a vendor sets up before its module is imported (the Bluetooth stack).
    """
    from custom_components.lockbooking.vendors import VENDOR_MODULES

    imported: set[str] = set()
    for path in INTEGRATION.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                imported.add(node.module.split(".")[0])
    core = metadata.requires("homeassistant") or []
    declared = {
        _distribution(r) for r in _load(INTEGRATION / "manifest.json")["requirements"]
    }
    declared |= {_distribution(r) for r in core if "extra ==" not in r}
    for vendor in VENDOR_MODULES.values():
        for domain in vendor.dependencies:
            declared |= _integration_requirements(domain)
    distributions = metadata.packages_distributions()
    third_party = (
        imported - set(sys.stdlib_module_names) - {"homeassistant", "custom_components"}
    )
    assert third_party
    # A module Home Assistant aliases (2026.11: voluptuous is probatio's) counts as the
    # package that provides it.
    provider = {
        module: importlib.import_module(module).__name__.split(".")[0]
        for module in third_party
    }
    undeclared = {
        module
        for module in third_party
        if not {_distribution(d) for d in distributions.get(provider[module], [])}
        & declared
    }
    assert not undeclared
