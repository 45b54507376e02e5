"""Errors raised by business rules, in terms the API (and the web pages) can show as they are."""

from __future__ import annotations

from collections import defaultdict


class RuleBroken(Exception):
    """One or more rules failed; each message belongs to an attribute (or ``base``).

    The API shows one entry per attribute with its messages joined by ", ", as the
    original service did.
    """

    def __init__(self, errors: list[tuple[str, str]]):
        super().__init__("; ".join(f"{attribute}: {message}" for attribute, message in errors))
        self.errors = errors

    @classmethod
    def on(cls, attribute: str, message: str) -> RuleBroken:
        return cls([(attribute, message)])

    def by_attribute(self) -> list[tuple[str, str]]:
        grouped: dict[str, list[str]] = defaultdict(list)
        for attribute, message in self.errors:
            if message not in grouped[attribute]:
                grouped[attribute].append(message)
        return [(attribute, ", ".join(messages)) for attribute, messages in grouped.items()]


class InvalidTransition(Exception):
    """A state change that is not allowed from the current state (shown as "Invalid action")."""


class Collector:
    """Gathers broken rules so every failing attribute is reported at once."""

    def __init__(self) -> None:
        self.errors: list[tuple[str, str]] = []

    def add(self, attribute: str, message: str) -> None:
        self.errors.append((attribute, message))

    def __bool__(self) -> bool:
        return bool(self.errors)

    def raise_if_any(self) -> None:
        if self.errors:
            raise RuleBroken(self.errors)
