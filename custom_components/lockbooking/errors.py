"""Turn vendor errors into the translated errors Home Assistant shows the user."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from functools import wraps
from typing import Any, Concatenate

from homeassistant.exceptions import HomeAssistantError, ServiceValidationError

from .const import DOMAIN
from .entity import LockbookingEntity
from .vendors.base import (
    VendorAuthError,
    VendorError,
    VendorUnsupportedError,
)


def translated_error(err: VendorError, lock_name: str) -> HomeAssistantError:
    """The Home Assistant error for a vendor error, naming the lock."""
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


def vendor_action[_EntityT: LockbookingEntity, **_P](
    func: Callable[Concatenate[_EntityT, _P], Awaitable[None]],
) -> Callable[Concatenate[_EntityT, _P], Coroutine[Any, Any, None]]:
    """Run an entity's vendor call; map its errors and refresh the account afterwards."""

    @wraps(func)
    async def handler(self: _EntityT, *args: _P.args, **kwargs: _P.kwargs) -> None:
        try:
            await func(self, *args, **kwargs)
        except VendorError as err:
            if isinstance(err, VendorAuthError):
                self.coordinator.config_entry.async_start_reauth(self.hass)
            raise translated_error(err, self.lock.name) from err
        finally:
            await self.coordinator.async_refresh()

    return handler
