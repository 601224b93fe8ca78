"""One code for several locks: a code every lock that takes a chosen code accepts.

Pure Python, like the planner: each lock comes in as its code rules and the codes other
stays hold on it. Only rules with `chosen_code` count; a lock without one (an igloohome
algoPIN padlock computes its own codes) is left out, and gets a code of its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import islice, product
import secrets

from .models import CodeRules
from .planner import code_problem

# Random draws per common length before giving up on it: enough unless nearly every
# code of that length is taken or forbidden, which a real lock's rules never make.
ATTEMPTS = 200
# Combinations of rules tried when locks take chosen codes of several kinds.
MAX_COMBINATIONS = 16


@dataclass(frozen=True, slots=True)
class LockCodes:
    """One lock as the common code sees it: its rules, and the codes others hold on it."""

    rules: tuple[CodeRules, ...]
    taken: frozenset[str] = frozenset()

    @property
    def choosable(self) -> tuple[CodeRules, ...]:
        """The rules under which the lock takes a chosen code (none: it is left out)."""
        return tuple(rule for rule in self.rules if rule.chosen_code)

    def accepts(self, code: str) -> bool:
        """Tell whether the lock takes `code` as a chosen code and nobody holds it there."""
        return code not in self.taken and any(
            code_problem(rule, code) is None for rule in self.choosable
        )


def common_code(
    locks: Sequence[LockCodes], preferred: Iterable[str] = ()
) -> str | None:
    """Pick one code that every lock taking chosen codes accepts and none holds already.

    The first of the `preferred` codes that fits (a code the stay already has, the
    guest's phone digits) wins; otherwise a random one of the longest length the locks
    share, drawn from the digits they all allow. None when no lock takes a chosen code,
    or their rules share no length or no digit.
    """
    choosing = [lock for lock in locks if lock.choosable]
    if not choosing:
        return None
    for candidate in preferred:
        if all(lock.accepts(candidate) for lock in choosing):
            return candidate
    taken = frozenset().union(*(lock.taken for lock in choosing))
    combinations = product(*(lock.choosable for lock in choosing))
    for rules in islice(combinations, MAX_COMBINATIONS):
        if (code := _draw(rules, taken)) is not None:
            return code
    return None


def shared_rules(
    rules: Sequence[CodeRules],
) -> tuple[tuple[int, ...], str, tuple[str, ...]]:
    """Give what codes under all these rules have in common.

    The lengths every rule allows (longest first), the characters every alphabet has,
    and every rule's forbidden prefixes.
    """
    lengths = set(rules[0].lengths).intersection(*(rule.lengths for rule in rules[1:]))
    alphabet = "".join(
        dict.fromkeys(
            char
            for char in rules[0].alphabet
            if all(char in rule.alphabet for rule in rules[1:])
        )
    )
    prefixes = tuple(prefix for rule in rules for prefix in rule.forbidden_prefixes)
    return tuple(sorted(lengths, reverse=True)), alphabet, prefixes


def _draw(rules: Sequence[CodeRules], taken: frozenset[str]) -> str | None:
    """Draw a random code that fits all the rules and is not taken, in bounded tries."""
    lengths, alphabet, prefixes = shared_rules(rules)
    if not alphabet:
        return None
    for length in lengths:
        for _ in range(ATTEMPTS):
            code = "".join(secrets.choice(alphabet) for _ in range(length))
            if not code.startswith(prefixes) and code not in taken:
                return code
    return None
