"""Text bound for CSV files that people open in spreadsheet programs."""

from __future__ import annotations

#: Spreadsheet programs run a cell starting with one of these as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def inert(value: str | None) -> str:
    """Free text as a spreadsheet shows it, never as a formula: names and emails are typed by
    the public, and a CSV export is opened by finance and provider staff."""
    if not value:
        return ""
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value
