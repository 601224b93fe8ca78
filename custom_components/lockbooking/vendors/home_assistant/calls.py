"""One call of another integration's public action on one lock, with its errors mapped.

Calls carry no context: they are the system's own, as an automation's are, which
admin-only actions (Z-Wave JS's on 2026.x) let through. Each call is bounded in time
because a battery lock that sleeps may keep Home Assistant waiting a long while.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, Final

import voluptuous as vol

from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.exceptions import (
    HomeAssistantError,
    ServiceNotFound,
    ServiceValidationError,
)

from ..base import VendorRejectedError, VendorUnavailableError

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant

CALL_TIMEOUT: Final = 30.0


def scrub(text: str, secret: str | None) -> str:
    """Take a code's digits out of a message (an integration may echo what it got)."""
    if secret:
        text = text.replace(secret, "…")
    return text


async def async_call_action(
    hass: HomeAssistant,
    domain: str,
    action: str,
    entity_id: str,
    data: dict[str, Any],
    *,
    response: bool = False,
    secret: str | None = None,
) -> Any:
    """Call `domain.action` on one lock entity; return its part of the response.

    `secret` is the code the data carries, kept out of every error message. Raises
    VendorUnavailableError when the action is missing, the lock does not answer or the
    call takes too long, and VendorRejectedError when the data or the code is refused.
    """
    name = f"{domain}.{action}"
    try:
        async with asyncio.timeout(CALL_TIMEOUT):
            result = await hass.services.async_call(
                domain,
                action,
                data,
                blocking=True,
                target={ATTR_ENTITY_ID: entity_id},
                return_response=response,
            )
    except ServiceNotFound as err:
        raise VendorUnavailableError(
            f"Home Assistant has no action {name} now: is the integration loaded?"
        ) from err
    except ServiceValidationError as err:
        raise VendorRejectedError(
            f"{name} refused the request for {entity_id}: {scrub(str(err), secret)}"
        ) from err
    except vol.Invalid as err:
        # The schema's message may quote the value it refused: no chained cause.
        raise VendorRejectedError(
            f"{name} refused the data for {entity_id}: {scrub(str(err), secret)}"
        ) from None
    except HomeAssistantError as err:
        raise VendorUnavailableError(
            f"{entity_id} did not take {name}: {scrub(str(err), secret)}"
        ) from err
    except TimeoutError as err:
        raise VendorUnavailableError(
            f"{entity_id} did not answer {name} within {CALL_TIMEOUT:.0f} s"
        ) from err
    if not response or not isinstance(result, dict):
        return None
    return result.get(entity_id)
