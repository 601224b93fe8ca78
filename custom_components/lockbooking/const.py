"""Constants for lockbooking."""

from enum import StrEnum
import logging

DOMAIN = "lockbooking"
LOGGER = logging.getLogger(__package__)

CONF_KIND = "kind"


class EntryKind(StrEnum):
    """What a config entry holds: one vendor account, or one reservations feed."""

    DEMO = "demo"
    # Locks another Home Assistant integration provides (Z-Wave JS, ZHA, Matter, Schlage).
    HOME_ASSISTANT = "home_assistant"
    IGLOOHOME = "igloohome"
    NUKI = "nuki"
    NUKI_BLE = "nuki_ble"
    UNIFI_ACCESS = "unifi_access"
    RESERVATIONS = "reservations"


# "Locks in Home Assistant" accounts: per lock entity (by entity registry id), the
# code slots lockbooking manages and the length of the codes it writes.
CONF_LOCK_ENTITIES = "locks"
CONF_FIRST_SLOT = "first_slot"
CONF_SLOT_COUNT = "slot_count"
CONF_CODE_LENGTH = "code_length"
DEFAULT_CODE_LENGTH = 6

# Reservations entries.
CONF_URL = "url"
CONF_CALENDAR = "calendar"
CONF_LOCKS = "locks"
CONF_CHECKIN = "checkin_time"
CONF_CHECKOUT = "checkout_time"
CONF_AUTO_ISSUE = "auto_issue"
CONF_ISSUE_HOURS_BEFORE = "issue_hours_before"
CONF_MARGIN_BEFORE = "margin_before_minutes"
CONF_MARGIN_AFTER = "margin_after_minutes"
CONF_AUTO_REVOKE = "auto_revoke"
CONF_SKIP_PATTERNS = "skip_patterns"
# Events longer than this many nights are closures (Booking.com exports a room closed
# for months like a booking), not stays.
CONF_LONGEST_STAY = "longest_stay_nights"
# A feed address over plain http:// (refused unless the host ticks this).
CONF_ALLOW_HTTP = "allow_http"
CONF_REFRESH_MINUTES = "refresh_minutes"
CONF_CODE_CHOICE = "code_choice"
CODE_CHOICE_RANDOM = "random"
# The guest's phone number's last digits (Airbnb's "Last 4 Digits"), where a lock takes them.
CODE_CHOICE_PHONE = "phone_digits"
# One code for every lock of a stay that takes a chosen code (algoPIN locks differ).
CONF_SAME_CODE = "same_code"
# Warn when a stay's codes have not been used this long after check-in: for stays with
# a code that dies unless used by some moment (a record's `use_by`), for every stay, or
# never. The first value is stored in entries' options as it was first named.
CONF_NOT_ARRIVED = "not_arrived_warning"
CONF_NOT_ARRIVED_HOURS = "not_arrived_hours"
NOT_ARRIVED_USE_BY = "algopin"
NOT_ARRIVED_ALL = "all"
NOT_ARRIVED_OFF = "off"

DEFAULT_CHECKIN = "16:00:00"
DEFAULT_CHECKOUT = "11:00:00"
DEFAULT_OPTIONS = {
    CONF_AUTO_ISSUE: True,
    CONF_ISSUE_HOURS_BEFORE: 48,
    CONF_MARGIN_BEFORE: 0,
    CONF_MARGIN_AFTER: 0,
    CONF_AUTO_REVOKE: True,
    CONF_REFRESH_MINUTES: 30,
    CONF_CODE_CHOICE: CODE_CHOICE_RANDOM,
    CONF_SAME_CODE: False,
    CONF_NOT_ARRIVED: NOT_ARRIVED_USE_BY,
    CONF_NOT_ARRIVED_HOURS: 6,
    CONF_LONGEST_STAY: 60,
}

# Sent when an account's locks are loaded, so reservations waiting for them can act.
SIGNAL_LOCKS_LOADED = f"{DOMAIN}_locks_loaded"

EVENT_CODE_ISSUED = f"{DOMAIN}_code_issued"
EVENT_CODE_REVOKED = f"{DOMAIN}_code_revoked"
EVENT_CODE_FAILED = f"{DOMAIN}_code_failed"
EVENT_GUEST_ARRIVED = f"{DOMAIN}_guest_arrived"
EVENT_GUEST_NOT_ARRIVED = f"{DOMAIN}_guest_not_arrived"
# Sent (with the entry id) for a reservations entry's event entity: event type, event data.
SIGNAL_ARRIVAL = f"{DOMAIN}_arrival_{{}}"
