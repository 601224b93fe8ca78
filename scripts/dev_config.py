"""Prepare a Home Assistant config folder for development: login and a demo account.

Runs with the development environment's Python before Home Assistant starts. It only
writes what is missing, so whatever the developer changed in the UI stays.
"""

from __future__ import annotations

from datetime import UTC, datetime
import json
from pathlib import Path
import subprocess
import sys
import uuid

USER, PASSWORD = "dev", "dev"
ROOT = Path(__file__).resolve().parent.parent


def main(config: Path) -> None:
    storage = config / ".storage"
    storage.mkdir(parents=True, exist_ok=True)
    link = config / "custom_components"
    if not link.exists():
        link.symlink_to(ROOT / "custom_components", target_is_directory=True)
    _write_once(
        storage / "onboarding",
        {
            "version": 4,
            "minor_version": 1,
            "key": "onboarding",
            "data": {"done": ["user", "core_config", "analytics", "integration"]},
        },
    )
    if not (storage / "auth_provider.homeassistant").exists():
        subprocess.run(
            [sys.executable, "-m", "homeassistant", "--script", "auth", "-c", str(config),
             "add", USER, PASSWORD],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    now = datetime.now(UTC).isoformat()
    _write_once(
        storage / "core.config_entries",
        {
            # Minor version 1: Home Assistant migrates it to whatever its release stores.
            "version": 1,
            "minor_version": 1,
            "key": "core.config_entries",
            "data": {
                "entries": [
                    {
                        "entry_id": uuid.uuid4().hex,
                        "version": 1,
                        "minor_version": 1,
                        "domain": "lockbooking",
                        "title": "Demo",
                        "data": {"kind": "demo"},
                        "options": {},
                        "source": "user",
                        "unique_id": "demo_demo",
                        "disabled_by": None,
                        "pref_disable_new_entities": False,
                        "pref_disable_polling": False,
                        "created_at": now,
                        "modified_at": now,
                    }
                ]
            },
        },
    )


def _write_once(path: Path, content: dict) -> None:
    if not path.exists():
        path.write_text(json.dumps(content, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]).resolve())
