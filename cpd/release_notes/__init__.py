"""Release notes from spec diffs, and the guard that keeps published API versions compatible.

``diff`` compares two OpenAPI documents and classes each change as breaking or not,
``sources`` reads specs from the working tree or a git revision and the recorded releases,
``render`` writes the Markdown notes and their index, and ``cli`` is ``cpd release-notes``.
The policy itself is in ``docs/versioning.md``.
"""
