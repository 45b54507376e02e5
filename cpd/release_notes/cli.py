"""``cpd release-notes``: show spec changes, write a release's notes, and guard published versions.

``--from`` takes a release version recorded in ``release-notes/releases.yaml`` (``0.2.0``) or
any git revision, and defaults to the latest recorded release, which is what ``make
check-specs`` compares against.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import click

from cpd.release_notes.diff import Change, compare
from cpd.release_notes.render import render_index, render_notes, render_text
from cpd.release_notes.sources import (
    SPEC_VERSIONS,
    Baseline,
    SourceError,
    baseline,
    is_semver,
    load_file,
    load_specs,
    read_releases,
)

NOTES_DIR = "release-notes"


@contextlib.contextmanager
def _reported() -> Iterator[None]:
    try:
        yield
    except SourceError as error:
        raise click.ClickException(" ".join(str(error).split())) from error


def _changes(root: Path, old_rev: str, new_rev: str | None) -> dict[str, list[Change]]:
    old, new = load_specs(root, old_rev), load_specs(root, new_rev)
    return {version: compare(old[version], new[version]) for version in SPEC_VERSIONS}


@click.group("release-notes")
@click.option(
    "--root",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=".",
    show_default=True,
    help="The repository to read (and write notes into).",
)
@click.pass_context
def release_notes(ctx: click.Context, root: Path) -> None:
    """Release notes from OpenAPI spec diffs, and the guard against breaking changes."""
    ctx.obj = root


_FROM_HELP = "Baseline: a release in release-notes/releases.yaml or a git revision [default: latest release]."


@release_notes.command("diff")
@click.option("--from", "from_rev", help=_FROM_HELP)
@click.option("--to", "to_rev", help="Compare with this revision instead of the working tree.")
@click.option(
    "--from-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Compare two spec files instead, e.g. openapi/v2.yaml …",
)
@click.option(
    "--to-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="… with openapi/v3.yaml (/api/vN prefixes are matched).",
)
@click.pass_obj
def diff_command(
    root: Path, from_rev: str | None, to_rev: str | None, from_file: Path | None, to_file: Path | None
) -> None:
    """Print every change, breaking or not, for all API versions (or between two spec files)."""
    if from_file is not None or to_file is not None:
        if from_file is None or to_file is None:
            raise click.UsageError("give both --from-file and --to-file")
        if from_rev is not None or to_rev is not None:
            raise click.UsageError("compare two files or two revisions, not both")
        with _reported():
            changes = compare(load_file(from_file), load_file(to_file), normalise_versions=True)
        title = f"Changes from {from_file} to {to_file} (paths matched without their /api/vN prefix)"
        click.echo(render_text(title, {f"{from_file.stem} → {to_file.stem}": changes}), nl=False)
        return
    with _reported():
        base = baseline(root, from_rev)
        target = baseline(root, to_rev) if to_rev is not None else None
        by_version = _changes(root, base.rev, target.rev if target else None)
    title = f"Changes from {base.label} to {target.label if target else 'the working tree'}"
    click.echo(render_text(title, by_version), nl=False)


@release_notes.command("write")
@click.argument("version")
@click.option("--from", "from_rev", help=_FROM_HELP)
@click.option(
    "--date", type=click.DateTime(formats=["%Y-%m-%d"]), help="Release date, YYYY-MM-DD [default: today]."
)
@click.pass_obj
def write_command(root: Path, version: str, from_rev: str | None, date: dt.datetime | None) -> None:
    """Write release-notes/VERSION.md from the spec changes and regenerate the index.

    The hand-written part above the generated marker is kept. A VERSION already recorded in
    releases.yaml is compared at its own commit, against the release before it.
    """
    if not is_semver(version):
        raise click.BadParameter("must be a semantic version such as 0.3.0", param_hint="VERSION")
    released = (date.date() if date else dt.date.today()).isoformat()
    with _reported():
        base, target = _write_range(root, version, from_rev)
        by_version = _changes(root, base.rev, target)
    notes_dir = root / NOTES_DIR
    notes_dir.mkdir(exist_ok=True)
    notes = notes_dir / f"{version}.md"
    existing = notes.read_text(encoding="utf-8") if notes.exists() else None
    notes.write_text(render_notes(version, released, base.label, by_version, existing), encoding="utf-8")
    index = notes_dir / "README.md"
    previous = index.read_text(encoding="utf-8") if index.exists() else None
    index.write_text(render_index(notes_dir, previous), encoding="utf-8")
    click.echo(f"Wrote {NOTES_DIR}/{version}.md and {NOTES_DIR}/README.md.")


def _write_range(root: Path, version: str, from_rev: str | None) -> tuple[Baseline, str | None]:
    releases = read_releases(root)
    recorded = [r.version for r in releases]
    if version not in recorded:
        return baseline(root, from_rev), None
    at = recorded.index(version)
    if from_rev is None and at > 0:
        from_rev = releases[at - 1].version
    return baseline(root, from_rev), releases[at].commit


@release_notes.command("check")
@click.option("--from", "from_rev", help=_FROM_HELP)
@click.pass_obj
def check_command(root: Path, from_rev: str | None) -> None:
    """Fail when a published API version's spec has a breaking change against the baseline.

    Every version in openapi/ is published. A breaking change needs a new API version.
    """
    with _reported():
        base = baseline(root, from_rev)
        by_version = _changes(root, base.rev, None)
    breaking = sum(c.breaking for changes in by_version.values() for c in changes)
    if breaking:
        click.echo(
            render_text(f"Breaking changes against {base.label}", by_version, breaking_only=True), nl=False
        )
        raise click.ClickException(
            f"{breaking} breaking change{'s' if breaking != 1 else ''} to published API versions since "
            f"{base.label}: keep the old behaviour, or make the change in a new API version "
            "(docs/versioning.md)"
        )
    others = sum(len(changes) for changes in by_version.values())
    click.echo(
        f"No breaking changes in {', '.join(SPEC_VERSIONS)} since {base.label} "
        f"({others} non-breaking change{'s' if others != 1 else ''})."
    )
