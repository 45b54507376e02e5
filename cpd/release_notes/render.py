"""Markdown release notes and their index, and the plain-text report the commands print.

Notes are for providers: one section per API version, breaking changes first. A change to a
shared component schema shows up under every operation that uses it, so such changes are told
once, naming the schema, with the operations listed under it. Everything above the
``<!-- generated -->`` marker in a notes file is written by hand and kept on regeneration.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from cpd.release_notes.diff import Change, Kind
from cpd.release_notes.sources import is_semver, semver_key

MARKER = "<!-- generated -->"
_SUMMARY_PROMPT = (
    "<!-- A paragraph for providers: what this release means for them. "
    "Everything above the generated marker is kept when the notes are regenerated. -->"
)
_KIND_ORDER = {kind: index for index, kind in enumerate(Kind)}
_INDEX_LINE = re.compile(r"^- \[(?P<version>[^\]]+)\]\((?P=version)\.md\)(?: — (?P<summary>.*))?$")


@dataclass(frozen=True)
class Group:
    """Changes that say the same thing at several places (one shared schema, many operations)."""

    kind: Kind
    breaking: bool
    message: str
    schema: str | None
    locations: tuple[str, ...]


def group(changes: Iterable[Change]) -> list[Group]:
    found: dict[tuple[Kind, bool, str, str | None], list[str]] = {}
    for change in changes:
        locations = found.setdefault((change.kind, change.breaking, change.message, change.schema), [])
        if change.location not in locations:
            locations.append(change.location)
    groups = [Group(k, b, m, s, tuple(locs)) for (k, b, m, s), locs in found.items()]
    return sorted(groups, key=lambda g: (_KIND_ORDER[g.kind], g.schema or "", g.message, g.locations))


def _bullet(item: Group) -> list[str]:
    if len(item.locations) == 1 and item.schema is None:
        return [f"- `{item.locations[0]}`: {item.message}"]
    if item.schema is not None:
        head = f"- `{item.schema}`: {item.message}"
        if len(item.locations) == 1:
            return [f"{head} (`{item.locations[0]}`)"]
        head += ", at:"
    else:
        head = f"- {item.message[:1].upper()}{item.message[1:]}:"
    return [head, *(f"  - `{location}`" for location in item.locations)]


def render_version_section(version: str, changes: Sequence[Change]) -> list[str]:
    lines = [f"## API {version}", ""]
    if not changes:
        return [*lines, "No changes.", ""]
    for title, breaking in (("Breaking changes", True), ("Non-breaking changes", False)):
        picked = [c for c in changes if c.breaking is breaking]
        lines += [f"### {title}", ""]
        if not picked:
            lines += ["None.", ""]
            continue
        for item in group(picked):
            lines += _bullet(item)
        lines.append("")
    return lines


def hand_written_part(existing: str | None, release: str) -> str:
    """What is kept of a notes file: all above the marker (the whole file if it has none)."""
    if existing is None:
        return f"# {release}\n\n{_SUMMARY_PROMPT}\n"
    head, found, _generated = existing.partition(MARKER)
    return (head if found else existing).rstrip() + "\n"


def render_notes(
    release: str,
    date: str,
    baseline: str,
    by_version: Mapping[str, Sequence[Change]],
    existing: str | None = None,
) -> str:
    """A release's notes: the kept hand-written part, the marker, then the generated changes.

    ``by_version`` maps ``v1``… to changes; the newest API version comes first, as providers
    on it are most of the readers.
    """
    lines = [
        hand_written_part(existing, release).rstrip(),
        "",
        MARKER,
        "<!-- Written by `cpd release-notes write`; edit above the marker, not below it. -->",
        "",
        f"Released {date}. Changes to the API specs since {baseline}.",
        "",
    ]
    for version in sorted(by_version, key=_api_version_key, reverse=True):
        lines += render_version_section(version, by_version[version])
    return "\n".join(lines).rstrip() + "\n"


def _api_version_key(version: str) -> tuple[int, str]:
    digits = re.sub(r"\D", "", version)
    return (int(digits) if digits else 0, version)


def summary_of(notes: str) -> str:
    """The first sentence of a notes file's hand-written paragraph, for the index ('' if none)."""
    head = notes.partition(MARKER)[0] if MARKER in notes else ""
    head = re.sub(r"<!--.*?-->", "", head, flags=re.DOTALL)
    for paragraph in re.split(r"\n\s*\n", head):
        text = " ".join(paragraph.split())
        if text and not text.startswith(("#", "-", "*", "|")):
            return re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0]
    return ""


def render_index(notes_dir: Path, previous: str | None = None) -> str:
    """``release-notes/README.md``: every release's notes, newest first by semantic version.

    A summary already written in the previous index is kept; a release without one takes the
    first sentence of its notes' hand-written paragraph.
    """
    kept: dict[str, str] = {}
    for line in (previous or "").splitlines():
        match = _INDEX_LINE.match(line.strip())
        if match and match.group("summary"):
            kept[match.group("version")] = match.group("summary").strip()
    versions = sorted(
        (p.stem for p in notes_dir.glob("*.md") if is_semver(p.stem)), key=semver_key, reverse=True
    )
    lines = [
        "# Release notes",
        "",
        "Newest first. How these notes are made, and which changes count as breaking:",
        "[docs/versioning.md](../docs/versioning.md).",
        "",
    ]
    for version in versions:
        summary = kept.get(version) or summary_of((notes_dir / f"{version}.md").read_text(encoding="utf-8"))
        lines.append(f"- [{version}]({version}.md)" + (f" — {summary}" if summary else ""))
    return "\n".join(lines) + "\n"


def render_text(
    title: str, by_version: Mapping[str, Sequence[Change]], *, breaking_only: bool = False
) -> str:
    """The report printed by ``diff`` and ``check``: one line per change, easy to grep."""
    lines = [title, ""]
    for version in sorted(by_version, key=_api_version_key, reverse=True):
        changes = [c for c in by_version[version] if c.breaking or not breaking_only]
        breaking = sum(c.breaking for c in changes)
        if not changes:
            lines.append(f"API {version}: no {'breaking ' if breaking_only else ''}changes")
            continue
        counts = f"{breaking} breaking" + (
            "" if breaking_only else f", {len(changes) - breaking} non-breaking"
        )
        lines.append(f"API {version}: {counts}")
        for change in sorted(changes, key=lambda c: not c.breaking):
            tag = "BREAKING" if change.breaking else "ok      "
            lines.append(f"  {tag} {change.location}: {change.message} [{change.kind}]")
    return "\n".join(lines) + "\n"
