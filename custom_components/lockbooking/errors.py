"""Turn vendor errors into the translated errors Home Assistant shows the user."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from functools import wraps
import re
from typing import Any, Concatenate

from homeassistant.exceptions import HomeAssistantError, ServiceValidationError

from .const import DOMAIN
from .entity import LockbookingEntity
from .vendors.base import (
    VendorAuthError,
    VendorError,
    VendorUnsupportedError,
)

# What markdown (the Repairs panel renders it) reads as markup, links and HTML included.
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~&:])")
_BLANKS = re.compile(r"\s+")
REPAIR_TEXT_CHARS = 80


def repair_text(text: str | None) -> str:
    """Quote feed text in a repair issue: one line, bounded, with markdown escaped."""
    plain = _BLANKS.sub(
        " ", "".join(c for c in text or "" if c.isprintable() or c.isspace())
    )
    plain = plain.strip()
    if len(plain) > REPAIR_TEXT_CHARS:
        plain = plain[: REPAIR_TEXT_CHARS - 1].rstrip() + "…"
    return _MARKDOWN.sub(r"\\\1", plain)


def translated_error(err: VendorError, lock_name: str) -> HomeAssistantError:
    """Translate a vendor error into a Home Assistant error that names the lock."""
    error_type = (
        ServiceValidationError
        if isinstance(err, VendorUnsupportedError)
        else HomeAssistantError
    )
    return error_type(
        translation_domain=DOMAIN,
        translation_key=err.key,
        translation_placeholders={"lock": lock_name, "detail": err.detail},
    )


def vendor_action[EntityT: LockbookingEntity, **P](
    func: Callable[Concatenate[EntityT, P], Awaitable[None]],
) -> Callable[Concatenate[EntityT, P], Coroutine[Any, Any, None]]:
    """Run an entity's vendor call; map its errors and refresh the account afterwards.

    A method of keyword arguments only takes `self` positional-only (`self, /,
    **kwargs`), as the wrapper does: else a keyword named "self" would pass the
    wrapper and fail the method, and mypy refuses the pair.
    """

    @wraps(func)
    async def handler(self: EntityT, /, *args: P.args, **kwargs: P.kwargs) -> None:
        try:
            await func(self, *args, **kwargs)
        except VendorError as err:
            if isinstance(err, VendorAuthError):
                self.coordinator.config_entry.async_start_reauth(self.hass)
            raise translated_error(err, self.reported_lock.name) from err
        finally:
            await self.coordinator.async_refresh()

    return handler
