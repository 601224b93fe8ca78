"""Prove that `make run` works: start it, log in, find the demo entities, stop it.

Uses a throw-away config folder, so a developer's own `config/` is left alone.
Exit status 0 when Home Assistant served every expected entity.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

ROOT = Path(__file__).resolve().parent.parent
BASE = "http://127.0.0.1:8123"
CLIENT_ID = f"{BASE}/"
EXPECTED = {
    "lock.front_door": "locked",
    "lock.garden_gate": "locked",
    "sensor.front_door_battery": "87",
    "sensor.cabin_battery": "64",
    "binary_sensor.front_door_battery_critical": "off",
    "calendar.sample_stays": "on",
}


def _request(
    path: str, data: dict | None = None, token: str | None = None, form: bool = False
) -> dict:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    body = None
    if data is not None:
        if form:
            body = urllib.parse.urlencode(data).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        else:
            body = json.dumps(data).encode()
            headers["Content-Type"] = "application/json"
    request = urllib.request.Request(BASE + path, data=body, headers=headers)
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read() or b"null")


def _wait_until_up(process: subprocess.Popen, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(
                f"Home Assistant exited early with status {process.returncode}"
            )
        try:
            urllib.request.urlopen(BASE + "/api/", timeout=2)
        except urllib.error.HTTPError as err:
            if err.code == 401:
                return
        except OSError:
            pass
        time.sleep(1)
    raise SystemExit("Home Assistant did not answer in time")


def _log_in() -> str:
    flow = _request(
        "/auth/login_flow",
        {
            "client_id": CLIENT_ID,
            "handler": ["homeassistant", None],
            "redirect_uri": CLIENT_ID,
        },
    )
    result = _request(
        f"/auth/login_flow/{flow['flow_id']}",
        {"client_id": CLIENT_ID, "username": "dev", "password": "dev"},
    )
    tokens = _request(
        "/auth/token",
        {
            "grant_type": "authorization_code",
            "code": result["result"],
            "client_id": CLIENT_ID,
        },
        form=True,
    )
    return tokens["access_token"]


def main() -> int:
    """Start `make run`, check what it serves, stop it; 0 if all was there."""
    with tempfile.TemporaryDirectory(prefix="lockbooking-run-") as config:
        log = Path(config) / "run.log"
        with log.open("w") as output:
            process = subprocess.Popen(
                [str(ROOT / "scripts" / "run"), config],
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            started = time.monotonic()
            _wait_until_up(process, float(os.environ.get("RUN_CHECK_TIMEOUT", "600")))
            with urllib.request.urlopen(BASE + "/", timeout=10) as page:
                assert b"<html" in page.read().lower(), "the frontend did not load"
            token = _log_in()
            states: dict[str, str] = {}
            for _ in range(60):
                states = {
                    s["entity_id"]: s["state"]
                    for s in _request("/api/states", token=token)
                }
                if EXPECTED.keys() <= states.keys():
                    break
                time.sleep(1)
            print(f"Home Assistant answered after {time.monotonic() - started:.0f} s")
            issued: list[dict] = []
            for _ in range(30):
                codes = _request(
                    "/api/services/lockbooking/get_codes?return_response",
                    {},
                    token=token,
                )
                issued = [
                    c
                    for c in codes["service_response"]["codes"]
                    if c["status"] == "issued"
                ]
                if len(issued) >= 3:
                    break
                time.sleep(1)
            print(f"  codes issued automatically for the sample stays: {len(issued)}")
            answer = _request(
                "/api/services/lockbooking/issue_code?return_response",
                {
                    "entity_id": "lock.front_door",
                    "start": "2030-01-01",
                    "end": "2030-01-03",
                },
                token=token,
            )
            code = answer["service_response"]["codes"][0]
            print(
                f"  issue_code answered: {code['kind']} code, {code['starts']} to {code['ends']}"
            )
            if len(issued) < 3:
                print("run check FAILED: the sample stays got no codes")
                return 1
            wrong = {
                k: states.get(k) for k, v in EXPECTED.items() if states.get(k) != v
            }
            for entity_id in EXPECTED:
                print(f"  {entity_id}: {states.get(entity_id)}")
            if wrong:
                print(f"run check FAILED: {wrong}")
                print(log.read_text()[-4000:])
                return 1
            print(
                "run check passed: the demo locks and batteries are served by `make run`"
            )
            return 0
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


if __name__ == "__main__":
    sys.exit(main())
