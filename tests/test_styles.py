"""Colours in app.css that people must be able to read (WCAG 2.1 AA: 4.5:1 for text)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

CSS = Path(__file__).parent.parent / "circular_platform" / "static" / "app.css"


def declarations(selector: str) -> dict[str, str]:
    """The declarations of the rule for exactly ``selector`` in app.css, comments left out."""
    css = re.sub(r"/\*.*?\*/", "", CSS.read_text(), flags=re.S)
    for selectors, body in re.findall(r"([^{}]+)\{([^}]*)\}", css):
        if selector in (s.strip() for s in selectors.split(",")):
            return dict(
                (name.strip(), value.strip())
                for name, value in (d.split(":", 1) for d in body.split(";") if ":" in d)
            )
    raise LookupError(selector)


def luminance(colour: str) -> float:
    channels = [int(colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_contrast_formula_matches_known_values():
    assert contrast("#ffffff", "#000000") == pytest.approx(21)
    assert contrast("#9ab7a8", "#1f5f3f") == pytest.approx(3.5, abs=0.05)  # navbar-dark's 55% white


@pytest.mark.parametrize(
    "variable", ["--bs-navbar-color", "--bs-navbar-hover-color", "--bs-navbar-active-color"]
)
def test_navigation_links_are_readable_on_the_brand_green(client, variable):
    assert 'class="navbar navbar-expand-xl navbar-dark bg-brand"' in client.get("/").text
    background = declarations(":root")["--brand"]
    colour = declarations(".navbar.bg-brand")[variable]
    assert contrast(colour, background) >= 4.5
