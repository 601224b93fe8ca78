"""Prepare a Home Assistant config folder for development: login and a demo account.

Runs with the development environment's Python before Home Assistant starts. It only
writes what is missing, so whatever the developer changed in the UI stays.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
import json
from pathlib import Path
import subprocess
import sys
import uuid

USER, PASSWORD = "dev", "dev"
ROOT = Path(__file__).resolve().parent.parent
SAMPLE_FEED = "lockbooking-sample.ics"
SAMPLE_URL = f"http://127.0.0.1:8123/local/{SAMPLE_FEED}"


def sample_feed(today: date) -> str:
    """Make an Airbnb-shaped feed with stays around today (it is rewritten each start)."""
    stays = [
        (-2, 3, "Reserved", "HMDEMO0001", "4144"),
        (3, 8, "Reserved", "HMDEMO0002", "0644"),
        (8, 15, "Reserved - Anna", "HMDEMO0003", "7449"),
        (40, 47, "Reserved", "HMDEMO0004", "3264"),
    ]
    lines = [
        "BEGIN:VCALENDAR",
        "PRODID:-//Airbnb Inc//Hosting Calendar 1.0//EN",
        "CALSCALE:GREGORIAN",
        "VERSION:2.0",
    ]
    for start, end, summary, code, phone in stays:
        lines += [
            "BEGIN:VEVENT",
            f"DTSTAMP:{today:%Y%m%d}T000000Z",
            f"DTSTART;VALUE=DATE:{today + timedelta(days=start):%Y%m%d}",
            f"DTEND;VALUE=DATE:{today + timedelta(days=end):%Y%m%d}",
            f"SUMMARY:{summary}",
            f"UID:lockbooking-demo-{code}@airbnb.com",
            f"DESCRIPTION:Reservation URL: https://www.airbnb.com/hosting/reservations/details/{code}"
            f"\\nPhone Number (Last 4 Digits): {phone}",
            "END:VEVENT",
        ]
    lines += [
        "BEGIN:VEVENT",
        f"DTSTART;VALUE=DATE:{today + timedelta(days=20):%Y%m%d}",
        f"DTEND;VALUE=DATE:{today + timedelta(days=23):%Y%m%d}",
        "SUMMARY:Airbnb (Not available)",
        "UID:lockbooking-demo-block@airbnb.com",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "\r\n".join(lines) + "\r\n"


def main(config: Path) -> None:
    """Fill in what `config` lacks: onboarding, the dev login, the demo entries."""
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
            [
                sys.executable,
                "-m",
                "homeassistant",
                "--script",
                "auth",
                "-c",
                str(config),
                "add",
                USER,
                PASSWORD,
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    www = config / "www"
    www.mkdir(exist_ok=True)
    (www / SAMPLE_FEED).write_text(
        sample_feed(date.today()), encoding="utf-8", newline=""
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
                    },
                    {
                        "entry_id": uuid.uuid4().hex,
                        "version": 1,
                        "minor_version": 1,
                        "domain": "lockbooking",
                        "title": "Sample stays",
                        "data": {
                            "kind": "reservations",
                            "name": "Sample stays",
                            "url": SAMPLE_URL,
                            "locks": [
                                "demo_demo:front_door",
                                "demo_demo:cabin",
                                "demo_demo:garden_gate",
                                "demo_demo:back_door_keypad",
                            ],
                            "checkin_time": "16:00:00",
                            "checkout_time": "11:00:00",
                        },
                        # Two weeks ahead, so the newcomer sees codes on the upcoming stays too.
                        "options": {"issue_hours_before": 336, "refresh_minutes": 5},
                        "source": "user",
                        "unique_id": "reservations_sample",
                        "disabled_by": None,
                        "pref_disable_new_entities": False,
                        "pref_disable_polling": False,
                        "created_at": now,
                        "modified_at": now,
                    },
                ]
            },
        },
    )


def _write_once(path: Path, content: dict) -> None:
    if not path.exists():
        path.write_text(json.dumps(content, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]).resolve())
