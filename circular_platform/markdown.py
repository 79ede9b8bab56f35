"""Markdown written by users, rendered to HTML that is safe to show: nh3 keeps only harmless tags."""

from __future__ import annotations

import html
import re
import threading

import markdown as md
import nh3
from markupsafe import Markup

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "ul",
    "ol",
    "li",
    "a",
    "h3",
    "h4",
    "h5",
    "blockquote",
    "code",
    "pre",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "hr",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}


# People start a list right under a sentence; Markdown wants a blank line before it.
_LIST_AFTER_TEXT = re.compile(r"^(?![ \t]*(?:[-*+]|\d+\.)[ \t])(\S.*)\n(?=[ \t]*(?:[-*+]|\d+\.)[ \t])", re.M)


_parsers = threading.local()  # a parser is not thread-safe, and building one costs more than most texts


def _html(text: str) -> str:
    source = _LIST_AFTER_TEXT.sub(r"\1\n\n", text or "")
    parser = getattr(_parsers, "markdown", None)
    if parser is None:
        parser = _parsers.markdown = md.Markdown(extensions=["sane_lists", "tables"], output_format="html")
    return parser.reset().convert(source)


def render_markdown(text: str) -> Markup:
    clean = nh3.clean(
        _html(text),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener noreferrer",
    )
    return Markup(clean)  # noqa: S704 - sanitised by nh3 just above  # nosec B704


def plain_text(text: str, limit: int = 220) -> str:
    """The text of the Markdown without markup, cut at a word boundary, for cards and previews."""
    # nh3 returns HTML: unescape it, since templates escape plain text themselves.
    stripped = html.unescape(nh3.clean(_html(text), tags=set())).replace("\n", " ").strip()
    if len(stripped) <= limit:
        return stripped
    return stripped[:limit].rsplit(" ", 1)[0] + " …"
