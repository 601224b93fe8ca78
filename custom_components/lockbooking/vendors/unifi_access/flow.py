"""Config flow steps of a UniFi Access console: trusting its TLS certificate.

Mixed into the integration's config flow. When a check of the account raises the
vendor-neutral `VendorCertificateError`, the flow asks `_async_offer_certificate` for
the console's certificate and shows it (`trust_certificate`, or `certificate_changed`
when a pinned one was replaced); once trusted, the interrupted step runs again
(`_resume`) with the fingerprint pinned for that one check.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Final

from homeassistant.config_entries import (
    SOURCE_RECONFIGURE,
    ConfigFlow,
    ConfigFlowResult,
)

from ..base import VendorUnavailableError
from .vendor import (
    CONF_CERT_FINGERPRINT,
    CONF_VERIFY_SSL,
    UnifiAccessVendor,
    format_fingerprint,
)

# Not shown: it sends the flow to the step that asks to trust the certificate.
UNTRUSTED_CERTIFICATE: Final = "untrusted_certificate"


class CertificateTrustFlowMixin(ConfigFlow):
    """The steps that show a console's certificate and pin the one the host trusts."""

    # A UniFi console certificate shown to the host, the one the host trusted (for
    # the one check it is trusted for) and the step to run again once trusted.
    _offered_fingerprint: str | None = None
    _offered_host: str = ""
    _offered_replaces_pin: bool = False
    _trusted_fingerprint: str | None = None
    _resume: Callable[[], Awaitable[ConfigFlowResult]] | None = None

    def _with_certificate(self, data: dict[str, Any]) -> dict[str, Any]:
        """Add the UniFi certificate to pin, if there is one, to the account data.

        That is the certificate the host has just trusted or, on reconfigure with
        verification still on, the one already pinned.
        """
        if self._trusted_fingerprint is not None:
            return {**data, CONF_CERT_FINGERPRINT: self._trusted_fingerprint}
        if self.source == SOURCE_RECONFIGURE and data.get(CONF_VERIFY_SSL, True):
            pinned = self._get_reconfigure_entry().data.get(CONF_CERT_FINGERPRINT)
            if pinned:
                return {**data, CONF_CERT_FINGERPRINT: pinned}
        return data

    async def _async_offer_certificate(self, data: dict[str, Any]) -> dict[str, str]:
        """Read the certificate the console presents, to ask the host to trust it."""
        vendor = UnifiAccessVendor(self.hass, data)
        try:
            self._offered_fingerprint = await vendor.async_certificate_fingerprint()
        except VendorUnavailableError:
            return {"base": "cannot_connect"}
        self._offered_host = vendor.host
        self._offered_replaces_pin = bool(data.get(CONF_CERT_FINGERPRINT))
        return {"base": UNTRUSTED_CERTIFICATE}

    async def async_step_trust_certificate(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Show the console certificate's fingerprint: the host trusts it or not."""
        assert self._offered_fingerprint is not None  # set before coming here
        return self.async_show_menu(
            step_id=(
                "certificate_changed"
                if self._offered_replaces_pin
                else "trust_certificate"
            ),
            menu_options=["pin_certificate", "reject_certificate"],
            description_placeholders={
                "host": self._offered_host,
                "fingerprint": format_fingerprint(self._offered_fingerprint),
            },
        )

    async def async_step_certificate_changed(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Show the new fingerprint of a console whose pinned certificate changed."""
        return await self.async_step_trust_certificate(user_input)

    async def async_step_pin_certificate(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Check the account again, accepting the trusted certificate only."""
        assert self._resume is not None  # set before the menu offering this step
        # Trusted for this one check: a new form submission is checked afresh.
        self._trusted_fingerprint = self._offered_fingerprint
        try:
            return await self._resume()
        finally:
            self._trusted_fingerprint = None

    async def async_step_reject_certificate(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Keep nothing: the fingerprints differ."""
        return self.async_abort(reason="certificate_not_trusted")
