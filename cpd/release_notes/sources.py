"""Where specs come from: the working tree, a git revision, or any file; and the recorded releases.

There are no git tags: ``release-notes/releases.yaml`` records each release's commit, and the
latest one is the baseline the guard compares against. A baseline that cannot be read (a
shallow clone, a mistyped commit) is an error, never an empty spec, so the guard cannot pass
by comparing against nothing.
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

#: The API versions, oldest first; every one of them is published and so guarded.
SPEC_VERSIONS = ("v1", "v2", "v3")
RELEASES_FILE = "release-notes/releases.yaml"
_SEMVER = re.compile(r"^(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?$")


class SourceError(Exception):
    """A spec or the release record cannot be read; the message says what to do."""


def spec_path(version: str) -> str:
    """The spec's path inside the repository, e.g. ``openapi/v3.yaml``."""
    return f"openapi/{version}.yaml"


def parse_spec(text: str, origin: str) -> dict[str, Any]:
    try:
        spec = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise SourceError(f"{origin} is not valid YAML: {error}") from error
    if not isinstance(spec, dict):
        raise SourceError(f"{origin} is not an OpenAPI document")
    return spec


def load_file(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise SourceError(f"cannot read {path}: {error.strerror}") from error
    return parse_spec(text, str(path))


def load_working_tree(root: Path, version: str) -> dict[str, Any] | None:
    """The spec as it is on disk now; ``None`` when that version has no spec."""
    path = root / spec_path(version)
    return load_file(path) if path.exists() else None


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, check=False)
    except FileNotFoundError as error:
        raise SourceError("git is not installed, so specs at a revision cannot be read") from error


def resolve_commit(root: Path, rev: str) -> str:
    """The full commit id of ``rev``, or a clear error (a shallow clone's usual failure)."""
    result = _git(root, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}")
    if result.returncode == 0:
        return result.stdout.strip()
    shallow = _git(root, "rev-parse", "--is-shallow-repository").stdout.strip() == "true"
    hint = (
        " This clone is shallow: fetch the history (git fetch --unshallow) so the baseline can be read."
        if shallow
        else ""
    )
    raise SourceError(f"commit {rev} is not in the repository at {root.resolve()}.{hint}")


def load_revision(root: Path, rev: str, version: str) -> dict[str, Any] | None:
    """The spec as committed at ``rev``; ``None`` when that version had no spec then."""
    commit = resolve_commit(root, rev)
    path = spec_path(version)
    if _git(root, "cat-file", "-e", f"{commit}:{path}").returncode != 0:
        return None
    shown = _git(root, "show", f"{commit}:{path}")
    if shown.returncode != 0:
        raise SourceError(f"cannot read {path} at {rev}: {shown.stderr.strip()}")
    return parse_spec(shown.stdout, f"{path} at {rev}")


def load_specs(root: Path, rev: str | None) -> dict[str, dict[str, Any] | None]:
    """Every version's spec at ``rev``, or in the working tree when ``rev`` is ``None``."""
    if rev is None:
        return {v: load_working_tree(root, v) for v in SPEC_VERSIONS}
    return {v: load_revision(root, rev, v) for v in SPEC_VERSIONS}


# --- releases -----------------------------------------------------------------------------------


def semver_key(version: str) -> tuple[int, int, int, int, tuple[Any, ...]]:
    """Sort key for ``MAJOR.MINOR.PATCH[-PRE]``: a pre-release sorts before its release."""
    match = _SEMVER.match(version)
    if not match:
        raise ValueError(f"{version!r} is not a semantic version (MAJOR.MINOR.PATCH)")
    major, minor, patch, pre = match.groups()
    if pre is None:
        return int(major), int(minor), int(patch), 1, ()
    parts = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in pre.split("."))
    return int(major), int(minor), int(patch), 0, parts


def is_semver(version: str) -> bool:
    return bool(_SEMVER.match(version))


@dataclass(frozen=True)
class Release:
    version: str
    date: str
    commit: str


def read_releases(root: Path) -> list[Release]:
    """The recorded releases, oldest first."""
    path = root / RELEASES_FILE
    if not path.exists():
        return []
    try:
        entries = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    except yaml.YAMLError as error:
        raise SourceError(f"{RELEASES_FILE} is not valid YAML: {error}") from error
    releases = []
    for entry in entries if isinstance(entries, list) else [entries]:
        if not isinstance(entry, dict) or not {"version", "commit"} <= entry.keys():
            raise SourceError(f"{RELEASES_FILE}: every entry needs a version and a commit, got {entry!r}")
        version = str(entry["version"])
        if not is_semver(version):
            raise SourceError(f"{RELEASES_FILE}: {version!r} is not a semantic version")
        date = entry.get("date")
        shown = date.isoformat() if isinstance(date, dt.date) else str(date or "")
        releases.append(Release(version, shown, str(entry["commit"])))
    return sorted(releases, key=lambda r: semver_key(r.version))


def latest_release(root: Path) -> Release:
    releases = read_releases(root)
    if not releases:
        raise SourceError(f"no release is recorded in {RELEASES_FILE}, so there is no baseline: give --from")
    return releases[-1]


@dataclass(frozen=True)
class Baseline:
    """The revision to compare against, and how to name it to a reader."""

    rev: str
    label: str


def baseline(root: Path, rev: str | None) -> Baseline:
    """``--from``: a recorded release version, any git revision, or (omitted) the latest release."""
    if rev is None:
        release = latest_release(root)
        return Baseline(release.commit, f"{release.version} ({release.commit[:7]})")
    for release in read_releases(root):
        if rev == release.version or (len(rev) >= 7 and release.commit.startswith(rev)):
            return Baseline(release.commit, f"{release.version} ({release.commit[:7]})")
    return Baseline(rev, rev)
