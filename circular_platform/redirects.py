"""The old Dutch URLs, kept for bookmarks: each answers with a permanent redirect to its English successor.

A redirect is a 308, so a form posted from a page loaded before the rename still arrives, with its
method and body. Query parameters are translated on the way: an old name (``?drempel=``) or an
old value (``?plaats=nee``) is replaced by the new one; every other argument is kept as it is.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, redirect, request, url_for
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response as WerkzeugResponse

bp = Blueprint("redirects", __name__)

OLD_PATHS: dict[str, str] = {  # the old rule and the endpoint of the page that replaced it
    "/coordination/regio": "demand.region",
    "/coordination/regio/vraag.csv": "demand.region_csv",
    "/coordination/regio/kwartalen.csv": "demand.quarters_csv",
    "/coordination/regio/kwartalen.svg": "demand.quarters_chart",
    "/coordination/aanbestedingen": "demand.procurement",
    "/coordination/aanbestedingen.csv": "demand.procurement_csv",
    "/coordination/aanbestedingen.svg": "demand.procurement_chart",
    "/coordination/bundels": "demand.bundles",
    "/coordination/bundels.csv": "demand.bundles_csv",
    "/coordination/bundels/<int:bundle_id>": "demand.bundle",
    "/coordination/bundels/<int:bundle_id>/naam": "demand.rename_bundle",
    "/coordination/bundels/<int:bundle_id>/status": "demand.change_status",
    "/coordination/bundels/<int:bundle_id>/vragen": "demand.add_question",
    "/coordination/bundels/<int:bundle_id>/vragen/<int:question_id>/verwijderen": "demand.remove_question",
    "/admin/import/voorbeeld-<any(questions, solutions):kind>.csv": "transfer.example_file",
}
OLD_NAMES = {"drempel": "threshold", "plaats": "place"}
OLD_VALUES = {("place", "nee"): "no", ("age", "maand"): "month", ("age", "ouder"): "older"}


def translate_args(args: MultiDict[str, str]) -> list[tuple[str, str]]:
    """The query arguments with old names and values replaced, in their order."""
    pairs = []
    for name, value in args.items(multi=True):
        name = OLD_NAMES.get(name, name)
        pairs.append((name, OLD_VALUES.get((name, value), value)))
    return pairs


def has_old_args(args: MultiDict[str, str]) -> bool:
    return translate_args(args) != list(args.items(multi=True))


def moved_to(path: str) -> WerkzeugResponse:
    query = urlencode(translate_args(request.args))
    return redirect(f"{path}?{query}" if query else path, 308)


def _redirect_to(endpoint: str):
    def view(**values) -> WerkzeugResponse:
        return moved_to(url_for(endpoint, **values))

    return view


for number, (rule, endpoint) in enumerate(OLD_PATHS.items()):
    bp.add_url_rule(rule, f"old_{number}", _redirect_to(endpoint), methods=["GET", "POST"])


@bp.before_app_request
def _old_args() -> WerkzeugResponse | None:
    """A current path with old query arguments, as the pages themselves linked to before the rename."""
    if request.method == "GET" and request.blueprint != bp.name and has_old_args(request.args):
        return moved_to(request.path)
    return None
