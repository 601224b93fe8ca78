"""The Nuki Bluetooth API's message format: commands, CRC, encryption and errors.

Written here rather than taken from pyNukiBT's `NukiDevice` on purpose: that class logs
every command's payload at INFO level (the security PIN and keypad codes with it),
retries a command up to thirty times with 20-second waits (minutes of radio time on a
battery lock) and has no keypad-code commands. pyNukiBT's CRC and data structures are
used; the framing below follows section 3 ("Message Format") of Nuki's public Smart
Lock API (v2.3.0).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Final

from nacl.bindings import crypto_box_beforenm
from nacl.exceptions import CryptoError
from nacl.secret import SecretBox
import nacl.utils
from pyNukiBT.const import crcCalc

PAIRING_SERVICE: Final = "a92ee100-5501-11e4-916c-0800200c9a66"
KEYTURNER_SERVICE: Final = "a92ee200-5501-11e4-916c-0800200c9a66"
PAIRING_CHAR: Final = "a92ee101-5501-11e4-916c-0800200c9a66"
USER_CHAR: Final = "a92ee202-5501-11e4-916c-0800200c9a66"

NONCE_LENGTH: Final = 24
AUTH_ID_LENGTH: Final = 4
# nonce, authorization id and length travel in clear before the encrypted part.
HEADER_LENGTH: Final = NONCE_LENGTH + AUTH_ID_LENGTH + 2


class Command(IntEnum):
    """The command identifiers lockbooking sends or reads."""

    REQUEST_DATA = 0x0001
    PUBLIC_KEY = 0x0003
    CHALLENGE = 0x0004
    AUTHORIZATION_AUTHENTICATOR = 0x0005
    AUTHORIZATION_DATA = 0x0006
    AUTHORIZATION_ID = 0x0007
    KEYTURNER_STATES = 0x000C
    LOCK_ACTION = 0x000D
    STATUS = 0x000E
    ERROR_REPORT = 0x0012
    REQUEST_CONFIG = 0x0014
    CONFIG = 0x0015
    AUTHORIZATION_ID_CONFIRMATION = 0x001E
    VERIFY_SECURITY_PIN = 0x0020
    REQUEST_LOG_ENTRIES = 0x0031
    LOG_ENTRY = 0x0032
    LOG_ENTRY_COUNT = 0x0033
    ADD_KEYPAD_CODE = 0x0041
    KEYPAD_CODE_ID = 0x0042
    REQUEST_KEYPAD_CODES = 0x0043
    KEYPAD_CODE_COUNT = 0x0044
    KEYPAD_CODE = 0x0045
    REMOVE_KEYPAD_CODE = 0x0047


class Status(IntEnum):
    """The payload of a Status message."""

    COMPLETE = 0x00
    ACCEPTED = 0x01


class ErrorCode(IntEnum):
    """The error codes of an Error Report that lockbooking tells apart."""

    BAD_CRC = 0xFD
    BAD_LENGTH = 0xFE
    UNKNOWN = 0xFF
    P_ERROR_NOT_PAIRING = 0x10
    P_ERROR_BAD_AUTHENTICATOR = 0x11
    P_ERROR_MAX_USER = 0x13
    K_ERROR_NOT_AUTHORIZED = 0x20
    K_ERROR_BAD_PIN = 0x21
    K_ERROR_BAD_NONCE = 0x22
    K_ERROR_BAD_PARAMETER = 0x23
    K_ERROR_DISABLED = 0x25
    K_ERROR_TOO_MANY_PIN_ATTEMPTS = 0x28
    K_ERROR_TOO_MANY_ENTRIES = 0x29
    K_ERROR_CODE_ALREADY_EXISTS = 0x2A
    K_ERROR_CODE_INVALID = 0x2B
    K_ERROR_MOTOR_BLOCKED = 0x42
    K_ERROR_BUSY = 0x45


class NukiProtocolError(Exception):
    """A message that cannot be read: bad CRC, wrong key, wrong length."""


class NukiCommandError(Exception):
    """The lock answered a command with an Error Report."""

    def __init__(self, code: int, command: int) -> None:
        """Keep the lock's error code and the command it refused."""
        super().__init__(f"error 0x{code:02X} for command 0x{command:04X}")
        self.code = code
        self.command = command


@dataclass(frozen=True, slots=True)
class Message:
    """One decoded message: its command and payload (without CRC)."""

    command: int
    payload: bytes


def crc(data: bytes) -> bytes:
    """CRC-CCITT (polynomial 0x1021, initial 0xFFFF) of `data`, little-endian."""
    return int(crcCalc.calc(data)).to_bytes(2, "little")


def with_crc(data: bytes) -> bytes:
    """Append the CRC the lock checks."""
    return data + crc(data)


def shared_key(peer_public_key: bytes, own_private_key: bytes) -> bytes:
    """Derive the long-term key: Curve25519 (dh1), then HSalsa20 (kdf1), as crypto_box does."""
    return crypto_box_beforenm(peer_public_key, own_private_key)


def encode_plain(command: int, payload: bytes = b"") -> bytes:
    """Build an unencrypted message (pairing service): command, payload, CRC."""
    return with_crc(command.to_bytes(2, "little") + payload)


def decode_plain(data: bytes) -> Message:
    """Read an unencrypted message, checking its CRC."""
    return _split(_checked(data))


def encode_encrypted(
    key: bytes, auth_id: bytes, command: int, payload: bytes = b""
) -> bytes:
    """Build an encrypted message (user-specific characteristic) with a fresh nonce."""
    plain = with_crc(auth_id + command.to_bytes(2, "little") + payload)
    nonce = nacl.utils.random(NONCE_LENGTH)
    sealed = SecretBox(key).encrypt(plain, nonce).ciphertext
    return nonce + auth_id + len(sealed).to_bytes(2, "little") + sealed


def decode_encrypted(key: bytes, data: bytes) -> tuple[bytes, Message]:
    """Decrypt a message and check its CRC; the authorization id comes back with it."""
    if len(data) < HEADER_LENGTH:
        raise NukiProtocolError("message too short")
    nonce = data[:NONCE_LENGTH]
    length = int.from_bytes(
        data[NONCE_LENGTH + AUTH_ID_LENGTH : HEADER_LENGTH], "little"
    )
    sealed = data[HEADER_LENGTH:]
    if len(sealed) != length:
        raise NukiProtocolError("length does not match")
    try:
        plain = SecretBox(key).decrypt(sealed, nonce)
    except CryptoError as err:
        raise NukiProtocolError("cannot decrypt") from err
    plain = _checked(plain)
    if len(plain) < AUTH_ID_LENGTH + 2:
        raise NukiProtocolError("message too short")
    return plain[:AUTH_ID_LENGTH], _split(plain[AUTH_ID_LENGTH:])


def _checked(data: bytes) -> bytes:
    """Strip the CRC once it is checked."""
    if len(data) < 4 or crc(data[:-2]) != data[-2:]:
        raise NukiProtocolError("bad CRC")
    return data[:-2]


def _split(data: bytes) -> Message:
    return Message(int.from_bytes(data[:2], "little"), data[2:])
