"""The common code: one code every lock that takes a chosen code accepts."""

from __future__ import annotations

from hypothesis import given, settings, strategies as st

from custom_components.lockbooking.common_code import (
    LockCodes,
    common_code,
    shared_rules,
)
from custom_components.lockbooking.models import CodeKind, CodeRules
from custom_components.lockbooking.planner import code_problem
from custom_components.lockbooking.vendors.igloohome.rules import (
    IGLOOHOME_BRIDGE_PIN,
    IGLOOHOME_DAILY,
    IGLOOHOME_HOURLY,
)
from custom_components.lockbooking.vendors.nuki_common import NUKI_KEYPAD

ZWAVE = CodeRules(kind=CodeKind.KEYPAD, lengths=(4, 5, 6, 7, 8), chosen_code=True)
VISITOR = CodeRules(kind=CodeKind.VISITOR_PIN, lengths=(6,), chosen_code=True)
FOUR_DIGITS = CodeRules(kind=CodeKind.VISITOR_PIN, lengths=(4,), chosen_code=True)
ALGOPIN = LockCodes((IGLOOHOME_HOURLY, IGLOOHOME_DAILY))


def test_a_zwave_lock_takes_the_nuki_keypads_code() -> None:
    code = common_code([LockCodes((ZWAVE,)), LockCodes((NUKI_KEYPAD,)), ALGOPIN])
    assert code is not None
    assert len(code) == 6
    assert "0" not in code
    assert not code.startswith("12")
    assert code_problem(ZWAVE, code) is None
    assert code_problem(NUKI_KEYPAD, code) is None


def test_algopin_locks_are_left_out() -> None:
    assert common_code([ALGOPIN]) is None
    assert common_code([]) is None
    code = common_code([ALGOPIN, LockCodes((VISITOR,))])
    assert code is not None
    assert code_problem(VISITOR, code) is None


def test_no_shared_length_or_digit_gives_none() -> None:
    assert common_code([LockCodes((NUKI_KEYPAD,)), LockCodes((FOUR_DIGITS,))]) is None
    letters = CodeRules(
        kind=CodeKind.KEYPAD, lengths=(6,), alphabet="ABC", chosen_code=True
    )
    assert common_code([LockCodes((NUKI_KEYPAD,)), LockCodes((letters,))]) is None


def test_a_preferred_code_that_fits_everywhere_wins() -> None:
    locks = [LockCodes((ZWAVE,)), LockCodes((NUKI_KEYPAD,)), ALGOPIN]
    assert common_code(locks, ["345678"]) == "345678"
    # The phone digits come after a code the stay holds, and are used when it cannot be.
    assert common_code(locks, ["1234", "456789"]) == "456789"
    assert common_code(locks, ["567890", "129999", "456789"]) == "456789"


def test_a_code_taken_on_any_lock_is_not_used() -> None:
    locks = [LockCodes((ZWAVE,)), LockCodes((NUKI_KEYPAD,), frozenset({"345678"}))]
    assert common_code(locks, ["345678", "456789"]) == "456789"
    code = common_code(locks, ["345678"])
    assert code not in (None, "345678")


def test_a_lock_with_several_chosen_rules_fits_any_of_them() -> None:
    bridge = LockCodes((IGLOOHOME_HOURLY, IGLOOHOME_DAILY, IGLOOHOME_BRIDGE_PIN))
    code = common_code([bridge, LockCodes((FOUR_DIGITS,))])
    assert code is not None
    assert len(code) == 4
    other = CodeRules(kind=CodeKind.KEYPAD, lengths=(9,), chosen_code=True)
    two_kinds = LockCodes((other, VISITOR))
    code = common_code([two_kinds, LockCodes((NUKI_KEYPAD,))])
    assert code is not None
    assert len(code) == 6


def test_nearly_everything_taken_gives_the_last_free_code() -> None:
    one_digit = CodeRules(
        kind=CodeKind.KEYPAD, lengths=(1, 2), alphabet="12", chosen_code=True
    )
    taken = frozenset({"11", "12", "21", "22", "1"})
    assert common_code([LockCodes((one_digit,), taken), LockCodes((one_digit,))]) == "2"
    full = taken | {"2"}
    assert common_code([LockCodes((one_digit,), full), LockCodes((one_digit,))]) is None


def test_shared_rules() -> None:
    lengths, alphabet, prefixes = shared_rules([ZWAVE, NUKI_KEYPAD, VISITOR])
    assert lengths == (6,)
    assert alphabet == "123456789"
    assert prefixes == ("12",)


rules = st.builds(
    CodeRules,
    kind=st.just(CodeKind.KEYPAD),
    lengths=st.lists(st.integers(3, 9), min_size=1, max_size=3, unique=True).map(tuple),
    alphabet=st.sets(st.sampled_from("0123456789"), min_size=1).map(
        lambda digits: "".join(sorted(digits))
    ),
    forbidden_prefixes=st.lists(
        st.text("0123456789", min_size=1, max_size=2), max_size=2
    ).map(tuple),
    chosen_code=st.booleans(),
)
locks = st.builds(
    LockCodes,
    rules=st.lists(rules, min_size=1, max_size=2).map(tuple),
    taken=st.frozensets(st.text("0123456789", min_size=3, max_size=9), max_size=5),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(locks, max_size=4), st.lists(st.text("0123456789", max_size=9)))
def test_the_common_code_fits_every_choosing_lock(
    fleet: list[LockCodes], preferred: list[str]
) -> None:
    code = common_code(fleet, preferred)
    choosing = [lock for lock in fleet if lock.choosable]
    if code is None:
        # Only when nothing could fit: no lock chooses, or their rules share nothing
        # (unless forbidden prefixes or taken codes rule out what they share).
        if choosing and all(len(lock.choosable) == 1 for lock in choosing):
            lengths, alphabet, prefixes = shared_rules(
                [lock.choosable[0] for lock in choosing]
            )
            crowded = prefixes or any(lock.taken for lock in choosing)
            assert not lengths or not alphabet or crowded
        return
    assert all(lock.accepts(code) for lock in choosing)
    fitting = [p for p in preferred if all(lock.accepts(p) for lock in choosing)]
    if fitting:
        assert code == fitting[0]
