"""The search page: one GET form in the navbar, results with facets, suggestions and paging."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from circular_platform import taxonomy
from circular_platform.arguments import link_args
from circular_platform.db import db
from circular_platform.extensions import limiter
from circular_platform.i18n import lazy_gettext as _l
from circular_platform.models import Province, QuestionStatus, SolutionStatus
from circular_platform.pagination import Page
from circular_platform.search import documents, services
from matching.search import SearchHit, SearchResults, highlight, snippet

bp = Blueprint("search", __name__, url_prefix="/search")
# Per client address: a search costs far more than a page view, so no one visitor can keep the
# workers busy with it.
RATE = "30 per minute;600 per hour"

KIND_LABELS = {"question": _l("Vraag"), "solution": _l("Oplossing"), "organisation": _l("Organisatie")}
FACET_TITLES = {
    "kind": _l("Soort"),
    "theme": _l("Thema"),
    "province": _l("Provincie"),
    "status": _l("Status"),
}
# Detail pages by kind; question and solution pages may not exist yet (they come with issue 3).
DETAIL_ENDPOINTS = {
    "question": ("questions.detail", "question_id"),
    "solution": ("solutions.detail", "solution_id"),
    "organisation": ("organisations.profile", "organisation_id"),
}


@bp.get("/")
@limiter.limit(RATE)
def results():
    wanted = services.SearchRequest.from_args(request.args)
    if request.args.get("place") != "no":
        wanted = wanted.with_place(db.session)
    found = services.search(db.session, current_user, wanted) if wanted.text else None
    return render_template(
        "search/results.html",
        wanted=wanted,
        results=found,
        failed=bool(wanted.text) and found is None,
        cards=[_card(hit, found) for hit in found.hits] if found else [],
        facets=_facets(found, wanted) if found else [],
        page=Page([], found.page, found.per_page, found.total) if found else None,
    )


def item_url(kind: str, item_id: int) -> str:
    endpoint, argument = DETAIL_ENDPOINTS[kind]
    values: dict[str, Any] = {argument: item_id}
    return url_for(endpoint, **values)


def search_url(**changes: str | None) -> str:
    """This search with ``changes`` applied (None removes an argument); back to page 1."""
    return url_for("search.results", **{k: v for k, v in link_args(page=None, **changes).items() if v})


def _card(hit: SearchHit, found: SearchResults) -> dict:
    kind, item_id = documents.parse_key(hit.key)
    return {
        "kind": kind,
        "kind_label": KIND_LABELS.get(kind, kind),
        "url": item_url(kind, item_id),
        "title": highlight(hit.title, found.terms, hit.lang),
        "snippet": snippet(hit.body, found.terms, hit.lang),
        "context": highlight(hit.context, found.terms, hit.lang),
        "date": hit.date,
        "missing": hit.missing,  # query words it lacks: shown struck through
    }


def facet_labels() -> dict[str, dict]:
    """Per facet, what readers see for each value; saved searches show their filters with it too."""
    return {
        "kind": KIND_LABELS,
        "theme": taxonomy.THEMES,
        "status": {**QuestionStatus.labels(), **SolutionStatus.labels()},
        "province": {p.cbs_code: p.name for p in db.session.scalars(select(Province))},
    }


def _facets(found: SearchResults, wanted: services.SearchRequest) -> list[dict]:
    labels = facet_labels()
    facets = []
    for name, counts in found.facets.items():
        chosen = wanted.filters.get(name)
        values = [
            {
                "label": labels[name].get(value, value),
                "count": count,
                "active": value == chosen,
                "url": search_url(**{name: None if value == chosen else value}),
            }
            for value, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
            if value in labels[name]
        ]
        if values:
            facets.append({"name": name, "title": FACET_TITLES[name], "values": values})
    return facets


@bp.app_context_processor
def _search_globals() -> dict:
    return {"search_url": search_url}
