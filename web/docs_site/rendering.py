"""Markdown (release notes, spec descriptions) to safe HTML in GOV.UK Frontend's styles.

CommonMark (markdown-it-py), so a file reads here as it does in a repository browser (two-space
nested lists included). Markdown passes raw HTML through, so every result is then cleaned by
nh3, an allow-list sanitiser: a release note or a spec description can format text but never
inject markup or script.
"""

from __future__ import annotations

from collections.abc import Callable

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

HEADING_CLASSES = {2: "govuk-heading-l", 3: "govuk-heading-m", 4: "govuk-heading-s", 5: "govuk-heading-s"}
CLASSES = {
    "p": "govuk-body",
    "ul": "govuk-list govuk-list--bullet",
    "ol": "govuk-list govuk-list--number",
    "a": "govuk-link",
    "table": "govuk-table",
    "thead": "govuk-table__head",
    "tbody": "govuk-table__body",
    "tr": "govuk-table__row",
    "th": "govuk-table__header",
    "td": "govuk-table__cell",
    "blockquote": "govuk-inset-text",
    "hr": "govuk-section-break govuk-section-break--m govuk-section-break--visible",
}
ALLOWED_TAGS = {
    *(f"h{level}" for level in range(1, 7)),
    *CLASSES,
    "pre",
    "li",
    "code",
    "em",
    "strong",
    "br",
    "span",
    "s",
}
ALLOWED_ATTRIBUTES = {"*": {"class"}, "a": {"href", "title"}, "pre": {"tabindex"}}

#: Turns a link target into the one to use, or None to keep only the link's text.
LinkRewriter = Callable[[str], str | None]

_parser = MarkdownIt("commonmark", {"html": True}).enable("table").enable("strikethrough")


def keep_absolute(href: str) -> str | None:
    """Links to pages and other sites stay; links relative to a file in the repository
    would be broken on the site, so they keep only their text."""
    return href if href.startswith(("/", "#", "https://", "http://", "mailto:")) else None


def render_markdown(text: str, top_level: int = 2, rewrite_link: LinkRewriter = keep_absolute) -> Markup:
    """Markdown as sanitised HTML whose biggest heading is ``h{top_level}`` (the page owns
    the ``h1``), styled with GOV.UK Frontend classes."""
    tokens = _parser.parse(text)
    unwrapped: list[bool] = []  # per open link: was it turned into plain text?
    for token in _walk(tokens):
        if token.type == "heading_open" or token.type == "heading_close":
            level = min(int(token.tag[1]) + top_level - 1, 6)
            token.tag = f"h{level}"
            if token.type == "heading_open":
                token.attrSet("class", HEADING_CLASSES.get(level, "govuk-heading-s"))
        elif token.type == "link_open":
            href = rewrite_link(str(token.attrGet("href") or ""))
            unwrapped.append(href is None)
            if href is None:
                token.tag, token.attrs = "span", {}
            else:
                token.attrSet("href", href)
                token.attrSet("class", CLASSES["a"])
        elif token.type == "link_close":
            if unwrapped and unwrapped.pop():
                token.tag = "span"
        elif token.nesting != -1 and token.tag in CLASSES:
            token.attrSet("class", CLASSES[token.tag])
    html = _parser.renderer.render(tokens, _parser.options, {})
    # Code blocks may scroll sideways, so keyboard users must be able to reach them.
    html = html.replace("<pre>", '<pre class="app-code-block" tabindex="0">')
    return Markup(nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES))


def _walk(tokens):  # type: ignore[no-untyped-def]
    for token in tokens:
        yield token
        if token.children:
            yield from _walk(token.children)
