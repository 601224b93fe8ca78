"""UniFi Access and TLS: the API token goes over TLS only, to a certificate the host trusts.

A console's self-signed certificate is trusted by pinning its SHA-256 fingerprint in the
config flow; from then on every request accepts that certificate only. In most tests a
simulated console stands behind Home Assistant's mocked sessions and answers TLS the
way aiohttp does (verification and fingerprint checks happen before any byte of the
request, so before the token, leaves); the last tests run a real TLS server on
127.0.0.1 to prove aiohttp and the fingerprint reader really behave that way.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
import hashlib
from http.server import BaseHTTPRequestHandler, HTTPServer
import json
from pathlib import Path
import ssl
import threading
from types import SimpleNamespace
from typing import Any
from unittest.mock import AsyncMock, patch

import aiohttp
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.test_util.aiohttp import (
    AiohttpClientMocker,
)
from yarl import URL

from custom_components.lockbooking.const import DOMAIN
from custom_components.lockbooking.vendors.base import VendorUnavailableError
from custom_components.lockbooking.vendors.unifi_access import api as unifi_access_api
from custom_components.lockbooking.vendors.unifi_access.api import (
    UnifiAccessCertificateError,
    async_read_certificate_fingerprint,
)
from custom_components.lockbooking.vendors.unifi_access.vendor import (
    UnifiAccessVendor,
    format_fingerprint,
)
from homeassistant.components.lock import DOMAIN as LOCK_DOMAIN, SERVICE_UNLOCK
from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.const import ATTR_ENTITY_ID, STATE_UNAVAILABLE, Platform
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import aiohttp_client

from .conftest import DOORS_URL, HOST, MAIN_DOOR, MAIN_LOCK, TOKEN, fixture

pytestmark = pytest.mark.fault
# The SHA-256 fingerprints of the console's certificate, and of another one.
CONSOLE_CERT = hashlib.sha256(b"the console's self-signed certificate").hexdigest()
OTHER_CERT = hashlib.sha256(b"a certificate someone else presents").hexdigest()
READER = "custom_components.lockbooking.vendors.unifi_access.vendor.async_read_certificate_fingerprint"


@dataclass
class Sent:
    """One request that reached the mocked session."""

    url: URL
    ssl: Any
    session_verifies: bool
    delivered: bool


@dataclass
class Console:
    """A UniFi console behind the mocked sessions, with the TLS checks aiohttp makes.

    `certificate` is the fingerprint of the certificate it presents; `ca_signed` says
    whether a verifying session accepts it. A request refused by TLS raises aiohttp's
    own error and never reaches aioclient_mock (so its headers, the token, never left).
    """

    mocker: AiohttpClientMocker
    certificate: str = CONSOLE_CERT
    ca_signed: bool = False
    sent: list[Sent] = field(default_factory=list)

    async def request(
        self, session_verifies: bool, method: str, url: Any, **kwargs: Any
    ) -> Any:
        """Do the TLS checks, then answer as aioclient_mock does."""
        url = URL(str(url))
        tls = kwargs.get("ssl", True)
        refusal = self._tls_refusal(url, tls, session_verifies)
        self.sent.append(Sent(url, tls, session_verifies, refusal is None))
        if refusal is not None:
            raise refusal
        return await self.mocker.match_request(method, url, **kwargs)

    def _tls_refusal(
        self, url: URL, tls: Any, session_verifies: bool
    ) -> aiohttp.ClientError | None:
        presented = bytes.fromhex(self.certificate)
        if isinstance(tls, aiohttp.Fingerprint):
            if tls.fingerprint != presented:
                return aiohttp.ServerFingerprintMismatch(
                    tls.fingerprint, presented, url.host, url.port
                )
            return None
        if tls is True and session_verifies and not self.ca_signed:
            key = SimpleNamespace(host=url.host, port=url.port, ssl=True, is_ssl=True)
            return aiohttp.ClientConnectorCertificateError(
                key, ssl.SSLCertVerificationError("self-signed certificate")
            )
        return None

    @property
    def delivered(self) -> list[Sent]:
        """The requests that got past TLS: the ones that carried the token."""
        return [sent for sent in self.sent if sent.delivered]


@pytest.fixture
def console(aioclient_mock: AiohttpClientMocker) -> Generator[Console]:
    """The simulated console; it knows which of Home Assistant's sessions verifies."""
    console = Console(aioclient_mock)
    create_mocked = aiohttp_client._async_create_clientsession

    def create_session(
        hass: HomeAssistant, verify_ssl: bool = True, *args: Any, **kwargs: Any
    ) -> aiohttp.ClientSession:
        session = create_mocked(hass, verify_ssl, *args, **kwargs)
        object.__setattr__(session, "_request", partial(console.request, verify_ssl))
        return session

    with patch.object(aiohttp_client, "_async_create_clientsession", create_session):
        yield console


@pytest.fixture
def reader() -> Generator[AsyncMock]:
    """The certificate reader, answering with the console's certificate."""
    with patch(READER, return_value=CONSOLE_CERT) as read:
        yield read


def mock_doors(aioclient_mock: AiohttpClientMocker, host: str = HOST) -> None:
    aioclient_mock.get(
        f"https://{host}:12445/api/v1/developer/doors", json=fixture("doors.json")
    )


def pinned_entry(**data: Any) -> MockConfigEntry:
    return MockConfigEntry(
        domain=DOMAIN,
        title=f"UniFi Access ({HOST})",
        data={
            "kind": "unifi_access",
            "host": HOST,
            "api_token": TOKEN,
            "verify_ssl": True,
            "cert_fingerprint": CONSOLE_CERT,
            **data,
        },
        unique_id=HOST,
    )


async def setup(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    entry.add_to_hass(hass)
    with patch("custom_components.lockbooking.ACCOUNT_PLATFORMS", [Platform.LOCK]):
        await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()


async def start_flow(hass: HomeAssistant) -> str:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "unifi_access"}
    )
    return result["flow_id"]


def assert_only_pinned(console: Console, certificate: str = CONSOLE_CERT) -> None:
    """Every request went to the API over TLS, accepting the pinned certificate only."""
    assert console.sent
    for sent in console.sent:
        assert (sent.url.scheme, sent.url.host, sent.url.port) == ("https", HOST, 12445)
        assert isinstance(sent.ssl, aiohttp.Fingerprint)
        assert sent.ssl.fingerprint == bytes.fromhex(certificate)
        # The shared no-verify session: the fingerprint, not a CA, decides.
        assert not sent.session_verifies


# --- trusting a self-signed certificate in the config flow -------------------------


async def test_self_signed_console_is_pinned_on_first_connect(
    hass: HomeAssistant,
    console: Console,
    aioclient_mock: AiohttpClientMocker,
    reader: AsyncMock,
) -> None:
    mock_doors(aioclient_mock)
    flow_id = await start_flow(hass)

    result = await hass.config_entries.flow.async_configure(
        flow_id, {"host": f"https://{HOST}", "api_token": TOKEN}
    )

    assert result["type"] is FlowResultType.MENU
    assert result["step_id"] == "trust_certificate"
    assert result["menu_options"] == ["pin_certificate", "reject_certificate"]
    assert result["description_placeholders"] == {
        "host": HOST,
        "fingerprint": format_fingerprint(CONSOLE_CERT),
    }
    assert result["description_placeholders"]["fingerprint"].count(":") == 31
    reader.assert_awaited_once_with(HOST)
    # Verification refused the certificate: the token has not left Home Assistant.
    assert console.sent
    assert not console.delivered

    console.sent.clear()
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"next_step_id": "pin_certificate"}
    )
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == {
        "kind": "unifi_access",
        "host": f"https://{HOST}",
        "api_token": TOKEN,
        "verify_ssl": True,
        "cert_fingerprint": CONSOLE_CERT,
    }
    assert result["result"].state is ConfigEntryState.LOADED
    assert hass.states.get(MAIN_LOCK) is not None
    assert_only_pinned(console)


async def test_declined_certificate_keeps_nothing(
    hass: HomeAssistant, console: Console, reader: AsyncMock
) -> None:
    flow_id = await start_flow(hass)
    await hass.config_entries.flow.async_configure(
        flow_id, {"host": HOST, "api_token": TOKEN}
    )
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"next_step_id": "reject_certificate"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "certificate_not_trusted"
    assert not hass.config_entries.async_entries(DOMAIN)
    assert not console.delivered


async def test_unreadable_certificate_is_a_form_error(
    hass: HomeAssistant, console: Console, reader: AsyncMock
) -> None:
    reader.side_effect = VendorUnavailableError("gone")
    flow_id = await start_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"host": HOST, "api_token": TOKEN}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "cannot_connect"}


async def test_trusted_only_for_one_check(
    hass: HomeAssistant,
    console: Console,
    aioclient_mock: AiohttpClientMocker,
    reader: AsyncMock,
) -> None:
    """A wrong token after trusting: the next submission asks about the certificate again."""
    aioclient_mock.get(DOORS_URL, status=401, json={"code": "CODE_AUTH_FAILED"})
    flow_id = await start_flow(hass)
    await hass.config_entries.flow.async_configure(
        flow_id, {"host": HOST, "api_token": "wrong"}
    )
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"next_step_id": "pin_certificate"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "invalid_auth"}

    result = await hass.config_entries.flow.async_configure(
        flow_id, {"host": HOST, "api_token": TOKEN}
    )
    assert result["type"] is FlowResultType.MENU
    assert result["step_id"] == "trust_certificate"


async def test_ca_signed_console_needs_no_pin(
    hass: HomeAssistant,
    console: Console,
    aioclient_mock: AiohttpClientMocker,
    reader: AsyncMock,
) -> None:
    console.ca_signed = True
    mock_doors(aioclient_mock)
    flow_id = await start_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"host": HOST, "api_token": TOKEN}
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert "cert_fingerprint" not in result["data"]
    reader.assert_not_awaited()
    assert all(sent.ssl is True and sent.session_verifies for sent in console.sent)


# --- a pinned entry ------------------------------------------------------------------


async def test_pinned_entry_sends_every_request_with_the_fingerprint(
    hass: HomeAssistant, console: Console, aioclient_mock: AiohttpClientMocker
) -> None:
    mock_doors(aioclient_mock)
    aioclient_mock.put(f"{DOORS_URL}/{MAIN_DOOR}/unlock", json=fixture("success.json"))
    entry = pinned_entry()
    await setup(hass, entry)
    assert entry.state is ConfigEntryState.LOADED

    await hass.services.async_call(
        LOCK_DOMAIN, SERVICE_UNLOCK, {ATTR_ENTITY_ID: MAIN_LOCK}, blocking=True
    )

    assert [(sent.url.path.rsplit("/", 1)[-1]) for sent in console.delivered] == [
        "doors",
        "unlock",
        "doors",
    ]
    assert_only_pinned(console)


async def test_changed_certificate_refused_then_repinned_by_reauth(
    hass: HomeAssistant,
    console: Console,
    aioclient_mock: AiohttpClientMocker,
    reader: AsyncMock,
    freezer: FrozenDateTimeFactory,
) -> None:
    mock_doors(aioclient_mock)
    entry = pinned_entry()
    await setup(hass, entry)
    console.sent.clear()

    # Someone else answers at the console's address, with another certificate.
    console.certificate = OTHER_CERT
    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call(
            LOCK_DOMAIN, SERVICE_UNLOCK, {ATTR_ENTITY_ID: MAIN_LOCK}, blocking=True
        )
    assert err.value.translation_key == "vendor_certificate"
    assert isinstance(err.value.__cause__, UnifiAccessCertificateError)
    assert isinstance(err.value.__cause__.__cause__, aiohttp.ServerFingerprintMismatch)
    await hass.async_block_till_done()
    assert hass.states.get(MAIN_LOCK).state == STATE_UNAVAILABLE
    freezer.tick(timedelta(seconds=30))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert hass.states.get(MAIN_LOCK).state == STATE_UNAVAILABLE
    assert console.sent
    assert not console.delivered

    [flow] = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert flow["context"]["source"] == "reauth"
    reader.return_value = OTHER_CERT
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {"api_token": TOKEN}
    )
    assert result["type"] is FlowResultType.MENU
    assert result["step_id"] == "certificate_changed"
    assert result["description_placeholders"]["fingerprint"] == format_fingerprint(
        OTHER_CERT
    )
    assert not console.delivered

    # The host checked: the console really got a new certificate.
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {"next_step_id": "pin_certificate"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done()
    assert entry.data["cert_fingerprint"] == OTHER_CERT
    assert entry.state is ConfigEntryState.LOADED
    assert hass.states.get(MAIN_LOCK).state != STATE_UNAVAILABLE
    assert all(
        sent.ssl.fingerprint == bytes.fromhex(OTHER_CERT) for sent in console.delivered
    )


async def test_setup_with_changed_certificate_asks_for_reauth(
    hass: HomeAssistant, console: Console, aioclient_mock: AiohttpClientMocker
) -> None:
    mock_doors(aioclient_mock)
    console.certificate = OTHER_CERT
    entry = pinned_entry()
    await setup(hass, entry)
    assert entry.state is ConfigEntryState.SETUP_ERROR
    assert entry.error_reason_translation_key == "vendor_certificate"
    [flow] = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert flow["context"]["source"] == "reauth"
    assert not console.delivered


async def test_reauth_keeps_the_pin(
    hass: HomeAssistant,
    console: Console,
    aioclient_mock: AiohttpClientMocker,
    reader: AsyncMock,
) -> None:
    mock_doors(aioclient_mock)
    entry = pinned_entry()
    entry.add_to_hass(hass)
    result = await entry.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"api_token": "new-token"}
    )
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done()
    assert entry.data["cert_fingerprint"] == CONSOLE_CERT
    reader.assert_not_awaited()
    assert_only_pinned(console)


async def test_reconfigure_keeps_the_pin_while_verifying(
    hass: HomeAssistant,
    console: Console,
    aioclient_mock: AiohttpClientMocker,
    reader: AsyncMock,
) -> None:
    mock_doors(aioclient_mock)
    entry = pinned_entry()
    entry.add_to_hass(hass)
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"host": HOST, "api_token": "rotated", "verify_ssl": True}
    )
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert entry.data["cert_fingerprint"] == CONSOLE_CERT
    assert entry.data["api_token"] == "rotated"
    reader.assert_not_awaited()
    assert_only_pinned(console)


async def test_reconfigure_repins_a_changed_certificate(
    hass: HomeAssistant,
    console: Console,
    aioclient_mock: AiohttpClientMocker,
    reader: AsyncMock,
) -> None:
    mock_doors(aioclient_mock)
    console.certificate = OTHER_CERT
    reader.return_value = OTHER_CERT
    entry = pinned_entry()
    entry.add_to_hass(hass)
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"host": HOST, "api_token": TOKEN, "verify_ssl": True}
    )
    assert result["step_id"] == "certificate_changed"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "pin_certificate"}
    )
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert entry.data["cert_fingerprint"] == OTHER_CERT


async def test_turning_verification_off_drops_the_pin(
    hass: HomeAssistant,
    console: Console,
    aioclient_mock: AiohttpClientMocker,
    reader: AsyncMock,
) -> None:
    """The unsafe choice stays possible, but only when the host makes it."""
    mock_doors(aioclient_mock)
    entry = pinned_entry()
    entry.add_to_hass(hass)
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"host": HOST, "api_token": TOKEN, "verify_ssl": False}
    )
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert "cert_fingerprint" not in entry.data
    assert console.sent
    assert all(sent.ssl is True and not sent.session_verifies for sent in console.sent)


# --- the token goes over TLS to port 12445 only --------------------------------------


@pytest.mark.parametrize(
    ("typed", "host"),
    [
        (f"http://{HOST}", HOST),
        (f"{HOST}:80", HOST),
        (f"http://{HOST}:8080/access?x=1", HOST),
        (f"HTTPS://{HOST}:443/", HOST),
        ("[fe80::1]:80", "fe80::1"),
        ("fe80::1", "fe80::1"),
    ],
)
async def test_token_only_goes_to_the_tls_api_port(
    hass: HomeAssistant,
    console: Console,
    aioclient_mock: AiohttpClientMocker,
    typed: str,
    host: str,
) -> None:
    """Whatever the host field holds, every request is https:// on port 12445.

    Verification is off here (the unsafe choice), so TLS is all that is left: it is
    still always there.
    """
    url_host = f"[{host}]" if ":" in host else host
    api = f"https://{url_host}:12445/api/v1/developer"
    mock_doors(aioclient_mock, url_host)
    aioclient_mock.put(f"{api}/doors/{MAIN_DOOR}/unlock", json=fixture("success.json"))
    flow_id = await start_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"host": typed, "api_token": TOKEN, "verify_ssl": False}
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.services.async_call(
        LOCK_DOMAIN, SERVICE_UNLOCK, {ATTR_ENTITY_ID: MAIN_LOCK}, blocking=True
    )

    assert len(aioclient_mock.mock_calls) == 4  # flow, setup, unlock, refresh
    for _method, url, _data, headers in aioclient_mock.mock_calls:
        assert (url.scheme, url.host, url.port) == ("https", host, 12445)
        assert headers["Authorization"] == f"Bearer {TOKEN}"


@pytest.mark.parametrize(
    "stored", [f"ws://{HOST}:12444", f"HTTP://admin@{HOST}:80/", f"{HOST}:443"]
)
async def test_stored_host_cannot_lead_elsewhere(
    hass: HomeAssistant,
    console: Console,
    aioclient_mock: AiohttpClientMocker,
    stored: str,
) -> None:
    """An entry's host, however it was saved, still means the TLS API port."""
    mock_doors(aioclient_mock)
    vendor = UnifiAccessVendor(
        hass, {"host": stored, "api_token": TOKEN, "verify_ssl": False}
    )
    await vendor.async_get_locks()
    [(_method, url, _data, _headers)] = aioclient_mock.mock_calls
    assert (url.scheme, url.host, url.port) == ("https", HOST, 12445)


async def test_client_refuses_a_base_url_other_than_the_tls_api(
    hass: HomeAssistant, console: Console
) -> None:
    """Should the library ever build another URL, no request (no token) is sent."""
    with patch("unifi_access_api.client.UNIFI_ACCESS_API_PORT", 80):
        flow_id = await start_flow(hass)
        result = await hass.config_entries.flow.async_configure(
            flow_id, {"host": HOST, "api_token": TOKEN, "verify_ssl": False}
        )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"host": "cannot_connect"}
    assert not console.sent


# --- a real TLS server on 127.0.0.1 --------------------------------------------------


@dataclass
class TlsServer:
    """A UniFi-like API over TLS with a self-signed certificate."""

    port: int
    fingerprint: str
    tokens: list[str]


def _self_signed(directory: Path) -> tuple[ssl.SSLContext, str]:
    """Make a self-signed certificate; return the server context and its SHA-256."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "unifi.local")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "cert.pem", directory / "key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    return context, certificate.fingerprint(hashes.SHA256()).hex()


class _DoorsHandler(BaseHTTPRequestHandler):
    """Answers the doors list and records the Authorization header it got."""

    server: _DoorsServer

    def do_GET(self) -> None:
        self.server.tokens.append(self.headers.get("Authorization", ""))
        body = json.dumps(fixture("doors.json")).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Keep the test output quiet."""


class _DoorsServer(HTTPServer):
    tokens: list[str]


@pytest.fixture
def tls_server(tmp_path: Path, socket_enabled: None) -> Generator[TlsServer]:
    """Serve the doors list over TLS on 127.0.0.1, on a free port, in a thread.

    Its own thread keeps the handshakes the client aborts out of Home Assistant's loop.
    """
    context, fingerprint = _self_signed(tmp_path)
    server = _DoorsServer(("127.0.0.1", 0), _DoorsHandler)
    server.tokens = []
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, name="tls-test-server")
    thread.start()
    try:
        yield TlsServer(server.server_address[1], fingerprint, server.tokens)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _vendor(hass: HomeAssistant, **data: Any) -> UnifiAccessVendor:
    return UnifiAccessVendor(
        hass, {"host": "127.0.0.1", "api_token": TOKEN, "verify_ssl": True, **data}
    )


async def test_real_tls_fingerprint_and_pinning(
    hass: HomeAssistant, tls_server: TlsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reader returns the real certificate's SHA-256; aiohttp accepts it, refuses others."""
    fingerprint = await async_read_certificate_fingerprint("127.0.0.1", tls_server.port)
    assert fingerprint == tls_server.fingerprint
    assert not tls_server.tokens  # reading the certificate sent no request

    # The API port is 12445; here it is the test server's.
    monkeypatch.setattr(unifi_access_api, "API_PORT", tls_server.port)
    monkeypatch.setattr(
        "unifi_access_api.client.UNIFI_ACCESS_API_PORT", tls_server.port
    )
    assert await _vendor(hass).async_certificate_fingerprint() == tls_server.fingerprint

    # Verification on and nothing pinned: the self-signed certificate is refused.
    with pytest.raises(UnifiAccessCertificateError) as err:
        await _vendor(hass).async_get_locks()
    assert isinstance(err.value.__cause__, aiohttp.ClientConnectorCertificateError)
    # Pinned to another certificate: refused before the request is sent.
    with pytest.raises(UnifiAccessCertificateError) as err:
        await _vendor(hass, cert_fingerprint=OTHER_CERT).async_get_locks()
    assert isinstance(err.value.__cause__, aiohttp.ServerFingerprintMismatch)
    assert not tls_server.tokens

    # Pinned to its own certificate: accepted, and only then the token is sent.
    locks = await _vendor(hass, cert_fingerprint=fingerprint).async_get_locks()
    assert MAIN_DOOR in [lock.id for lock in locks]
    assert tls_server.tokens == [f"Bearer {TOKEN}"]


async def test_real_tls_reader_on_a_closed_port(
    hass: HomeAssistant, socket_enabled: None
) -> None:
    with pytest.raises(VendorUnavailableError, match="certificate"):
        await async_read_certificate_fingerprint("127.0.0.1", 1)
