"""The documentation site served beside the API: every page renders, its content follows the
specs, release notes and reference data, and the API's own behaviour is unchanged."""

from __future__ import annotations

import dataclasses
import html
import re
from pathlib import Path

import pytest

from tests.web.site_pages import PAGES
from web import specs
from web.docs_site import content, definitions
from web.docs_site.rendering import render_markdown


def text_of(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


@pytest.mark.parametrize("path", list(PAGES), ids=lambda p: p.rsplit("/", 1)[-1])
def test_every_page_renders_with_its_one_heading(docs_client, path):
    response = docs_client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    headings = re.findall(r"<h1[^>]*>(.*?)</h1>", response.text, re.S)
    assert [text_of(h).strip() for h in headings] == [PAGES[path]]


def test_unknown_pages_get_an_html_404_but_the_api_keeps_its_json_404(docs_client):
    page = docs_client.get("/api-reference/no-such-page")
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "Page not found" in page.text
    assert docs_client.get("/api-reference/v4").status_code == 404
    api = docs_client.get("/api/v3/no-such-resource")
    assert api.status_code == 404
    assert api.json() == {"error": "Resource not Found"}
    assert docs_client.get("/no-such-page").json() == {"error": "Resource not Found"}


def test_the_trailing_slash_leads_to_the_home_page(docs_client):
    response = docs_client.get("/api-reference/", follow_redirects=False)
    assert response.status_code == 301
    assert response.headers["location"].endswith("/api-reference")


def test_pages_are_not_counted_against_the_api_rate_limit(docs_settings):
    """One app, two checks: the rate limit spares the pages, and they show the configured
    support address."""
    from cpd.app import create_app

    app = create_app(dataclasses.replace(docs_settings, rate_limit=1, support_email="team@cpd.example.test"))
    with app.test_client() as client:
        for _ in range(3):
            assert client.get("/api-reference", headers={"Authorization": "Bearer x"}).status_code == 200
        for path in ("/api-reference/help", "/api-reference/get-started"):
            assert 'href="mailto:team@cpd.example.test"' in client.get(path).text


def test_definitions_list_every_value_the_latest_spec_enumerates(docs_client):
    page = text_of(docs_client.get("/api-reference/definitions-and-states").text)
    document = specs.load("v3").document
    for definition in definitions.DEFINITIONS:
        values = specs.enum_values(document, definition.pointer)
        assert values, f"{definition.pointer} has no enumeration in the v3 spec"
        for value in values:
            assert value in page


def test_definitions_explain_every_value_we_know_of(docs_client):
    """Values the spec gains later still show; the ones there now all have a meaning."""
    document = specs.load("v3").document
    for table in definitions.tables(document):
        assert [value for value, meaning in table.rows if not meaning] == [], table.definition.title


@pytest.mark.parametrize("version", specs.VERSIONS)
def test_reference_page_shows_every_operation_of_its_spec(docs_client, version):
    page = docs_client.get(f"/api-reference/{version}").text
    text = text_of(page)
    for path, method, operation, _item in specs.operations(specs.load(version).document):
        assert f"{method.upper()} {path}" in text
        if operation.get("deprecated"):
            anchor = re.search(
                r'id="(operation-[^"]+)">' + re.escape(html.escape(operation["summary"])), page
            )
            assert anchor, operation["operationId"]
    assert f'href="/api-docs/{version}/api_spec.yml"' in page
    assert f'href="/api-docs/{version}/api_spec.json"' in page


def test_a_deprecated_operation_says_so_with_its_sunset_and_replacement(docs_client):
    document = specs.load("v1").document
    deprecated = [op for _p, _m, op, _i in specs.operations(document) if op.get("deprecated")]
    if not deprecated:
        pytest.skip("no v1 operation is deprecated in the spec yet")
    notice = specs.deprecation(deprecated[0])
    text = text_of(docs_client.get("/api-reference/v1").text)
    assert "This endpoint is deprecated" in text
    if notice.sunset:
        assert specs.readable_date(notice.sunset) in text
        assert specs.readable_date(notice.sunset) in text_of(docs_client.get("/api-reference").text)
    if notice.replacement:
        assert f"Use {notice.replacement} instead" in text


def test_schedules_page_has_a_table_per_cohort_and_schedule(docs_client):
    page = docs_client.get("/api-reference/schedules-and-milestone-dates").text
    tables = content.schedules()
    assert len(tables) >= 5
    for cohort, schedules in tables.items():
        assert f'id="cohort-{cohort}"' in page
        for schedule in schedules:
            assert f'id="{schedule.anchor}"' in page


def test_statements_page_shows_each_cohorts_cut_off_dates(docs_client):
    text = text_of(docs_client.get("/api-reference/guidance/statements").text)
    for cohort, rows in content.output_statements().items():
        assert f"Output statements for the {cohort} cohort" in text
        assert rows[0].name in text


def test_release_notes_are_newest_first_by_semantic_version(tmp_path: Path):
    for name in ("0.9.0", "0.10.0", "1.0.0-rc.1", "1.0.0", "0.2.0"):
        (tmp_path / f"{name}.md").write_text(f"# {name}\n\nNotes for {name}.\n")
    (tmp_path / "README.md").write_text("# Release notes\n\n- [1.0.0](1.0.0.md)\n")
    notes = content.release_notes(tmp_path)
    assert [note.version for note in notes] == ["1.0.0", "1.0.0-rc.1", "0.10.0", "0.9.0", "0.2.0"]
    assert notes[0].title == "1.0.0"
    assert "<h1" not in notes[0].html


def test_release_notes_page_shows_every_release_in_the_directory(docs_client):
    page = docs_client.get("/api-reference/release-notes").text
    for path in content.RELEASE_NOTES.glob("*.md"):
        if path.name != "README.md":
            assert f'id="{content.release_anchor(path.stem)}"' in page


def test_markdown_is_sanitised_and_styled():
    rendered = str(
        render_markdown(
            "# Title\n\n<script>alert(1)</script>\n\nText <img src=x onerror=alert(1)> [x](javascript:alert(1)) "
            "[notes](0.2.0.md) [site](/api-reference)\n\n- one\n  - nested\n",
            top_level=2,
        )
    )
    assert "<script" not in rendered and "alert" not in rendered.replace("javascript:alert(1)", "")
    assert "<img" not in rendered and "onerror" not in rendered
    assert 'href="javascript' not in rendered
    assert '<h2 class="govuk-heading-l">Title</h2>' in rendered
    assert 'href="/api-reference"' in rendered
    assert "0.2.0.md" not in rendered  # a repository-relative link keeps only its text
    assert rendered.count("<ul") == 2  # CommonMark: two-space nesting is a nested list


def test_examples_are_built_from_schemas_when_the_spec_has_none():
    document = {
        "components": {
            "schemas": {
                "Thing": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "string", "format": "uuid"},
                        "when": {"type": "string", "format": "date-time"},
                        "state": {"type": "string", "enum": ["open", "closed"]},
                        "count": {"type": "integer", "minimum": 2},
                        "tags": {"type": "array", "items": {"type": "string"}},
                        "note": {"type": "string", "example": "as written"},
                    },
                }
            }
        }
    }
    example = specs.example_for(document, {"$ref": "#/components/schemas/Thing"})
    assert example == {
        "id": specs.EXAMPLE_UUID,
        "when": "2025-09-01T10:00:00Z",
        "state": "open",
        "count": 2,
        "tags": ["string"],
        "note": "as written",
    }


def test_govuk_frontend_assets_are_served_from_the_installed_package(docs_client):
    css = docs_client.get("/assets/govuk-frontend.min.css")
    if css.status_code == 404:
        pytest.skip("node_modules is not installed (`npm ci`, which make test runs)")
    assert css.headers["content-type"].startswith("text/css")
    fonts = set(re.findall(r"url\((/assets/[^)]+)\)", css.text))
    assert fonts
    for url in fonts:
        assert docs_client.get(url).status_code == 200, url
    assert docs_client.get("/assets/../package.json").status_code == 404
