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


# One parser per thread, reset between texts: building one loads its extensions, which took
# half of the time of converting a card's text.
_parsers = threading.local()


def _html(text: str) -> str:
    source = _LIST_AFTER_TEXT.sub(r"\1\n\n", text or "")
    parser = getattr(_parsers, "parser", None)
    if parser is None:
        parser = _parsers.parser = md.Markdown(extensions=["sane_lists", "tables"], output_format="html")
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


SUMMARY_LENGTH = 260  # the longest preview a page shows (the review queue); cards cut it shorter


def plain_text(text: str, limit: int = 220) -> str:
    """The text of the Markdown without markup, cut at a word boundary, for cards and previews."""
    # nh3 returns HTML: unescape it, since templates escape plain text themselves.
    return shorten(html.unescape(nh3.clean(_html(text), tags=set())).replace("\n", " ").strip(), limit)


# What Markdown or HTML gives a meaning: special characters, indented or padded lines, and
# line starts of lists, quotes and numbered lists. A text without any of them is prose, and
# its plain text is its lines joined (checked against plain_text in tests/test_rebuild.py).
_MARKUP = re.compile(r"[\\`*_\[\]<>&|#=~!\t\r]|^\s|\s$|^(?:[-+>]|\d+[.)])", re.MULTILINE)


def summary_of(text: str) -> str:
    """What a question's or solution's ``summary`` column holds: computed on save, not per view."""
    return shorten(plain_description(text), SUMMARY_LENGTH)


def description_texts(text: str) -> tuple[str, str, str]:
    """The ``description_html`` (sanitised), ``description_text`` and ``summary`` of a description:
    what its page, the rankings, the index and the cards show of it, derived when it is set."""
    plain = plain_description(text)
    return str(render_markdown(text)), plain, shorten(plain, SUMMARY_LENGTH)


def plain_description(text: str) -> str:
    """The whole text of the Markdown without markup: what a question's or solution's
    ``description_text`` holds, which the matcher, the demand bundler and the search read."""
    if not _MARKUP.search(text):  # prose: Markdown would only wrap it in paragraphs
        return " ".join(line for line in text.split("\n") if line)
    return plain_text(text, limit=len(text) + 1)


def shorten(text: str, limit: int) -> str:
    """``text`` cut at a word boundary before ``limit`` characters, marked with an ellipsis."""
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].removesuffix(" …") + " …"
