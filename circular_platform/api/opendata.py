"""Open data: the public questions and solutions as CSV and JSON, described in DCAT-AP (JSON-LD).

Only what an anonymous visitor sees: public, published questions and listed solutions, without
contact persons. The CSV has the columns of the list pages' export (the import format); the JSON
the API's item shapes, with ids and links.
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, current_app, render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from flask_login import AnonymousUserMixin
from sqlalchemy import func, select

from circular_platform.api import schemas
from circular_platform.db import db
from circular_platform.extensions import limiter
from circular_platform.models import Question, Solution
from circular_platform.permissions import visible_questions, visible_solutions
from circular_platform.questions import services as questions
from circular_platform.solutions import services as solutions
from circular_platform.transfer.services import export_csv
from circular_platform.urls import public_url

bp = Blueprint("opendata", __name__, url_prefix="/open-data")
# Per address: a download reads every public item.
RATE = "30 per minute;300 per hour"
NOBODY = AnonymousUserMixin()
DATASETS = {
    "questions": (
        "vragen",
        _l("Vragen"),
        _l("Open vragen van overheden, corporaties en andere opdrachtgevers."),
    ),
    "solutions": ("aanbod", _l("Aanbod"), _l("Circulaire oplossingen die bedrijven aanbieden.")),
}
LANGUAGE_NL = "http://publications.europa.eu/resource/authority/language/NLD"
FILE_TYPES = {"csv": ("text/csv", "CSV"), "json": ("application/json", "JSON")}


def _public_query(kind: str):
    nobody: dict = {}
    if kind == "questions":
        return questions.list_query(NOBODY, nobody)
    return solutions.list_query(NOBODY, nobody)


@bp.get("/")
def index():
    return render_template("opendata/index.html", datasets=DATASETS)


@bp.get("/<any(questions, solutions):kind>.csv")
@limiter.limit(RATE)
def download_csv(kind: str):
    data = export_csv(db.session, kind, _public_query(kind))
    return _download(data, "text/csv", f"{DATASETS[kind][0]}.csv")


@bp.get("/<any(questions, solutions):kind>.json")
@limiter.limit(RATE)
def download_json(kind: str):
    schema = schemas.QuestionOut if kind == "questions" else schemas.SolutionOut
    items = db.session.scalars(_public_query(kind)).unique()
    body = schema(many=True, exclude=("contact",)).dump(items)
    return _download(
        json.dumps(body, ensure_ascii=False).encode(), "application/json", f"{DATASETS[kind][0]}.json"
    )


def _download(data: bytes, mimetype: str, filename: str) -> Response:
    return Response(
        data, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )


@bp.get("/catalog.jsonld")
def catalog():
    """The DCAT-AP description of the datasets, for data portals such as data.overheid.nl; in Dutch."""
    with force_locale("nl"):
        body = _catalog()
    return Response(json.dumps(body, ensure_ascii=False, indent=2), mimetype="application/ld+json")


def _catalog() -> dict:
    return {
        "@context": {
            "dcat": "http://www.w3.org/ns/dcat#",
            "dct": "http://purl.org/dc/terms/",
            "foaf": "http://xmlns.com/foaf/0.1/",
            "skos": "http://www.w3.org/2004/02/skos/core#",
            "xsd": "http://www.w3.org/2001/XMLSchema#",
        },
        "@id": public_url("opendata.catalog"),
        "@type": "dcat:Catalog",
        "dct:title": {"@language": "nl", "@value": "Circulair Noord: open data"},
        "dct:description": {
            "@language": "nl",
            "@value": "Vraag en aanbod voor de circulaire economie van Noord-Nederland.",
        },
        "dct:publisher": _publisher(),
        "dct:language": {"@id": LANGUAGE_NL},
        "foaf:homepage": {"@id": public_url("opendata.index")},
        "dcat:dataset": [_dataset(kind) for kind in DATASETS],
    }


def _publisher() -> dict:
    return {"@type": "foaf:Agent", "foaf:name": current_app.config["OPEN_DATA_PUBLISHER"]}


def _dataset(kind: str) -> dict:
    file_name, title, description = DATASETS[kind]
    return {
        "@id": public_url("opendata.index", _anchor=kind),
        "@type": "dcat:Dataset",
        "dct:title": {"@language": "nl", "@value": f"Circulair Noord: {str(title).lower()}"},
        "dct:description": {"@language": "nl", "@value": str(description)},
        "dct:publisher": _publisher(),
        "dct:language": {"@id": LANGUAGE_NL},
        "dct:modified": {"@type": "xsd:dateTime", "@value": _last_change(kind)},
        "dct:accrualPeriodicity": {"@id": "http://publications.europa.eu/resource/authority/frequency/CONT"},
        "dct:spatial": [_location(code, name) for code, name in NORTHERN_PROVINCES.items()],
        "dcat:keyword": [
            {"@language": "nl", "@value": word} for word in ("circulaire economie", str(title).lower())
        ],
        "dcat:theme": {"@id": "http://publications.europa.eu/resource/authority/data-theme/ECON"},
        "dcat:distribution": [_distribution(kind, extension) for extension in FILE_TYPES],
    }


# The region the platform serves, by CBS code.
NORTHERN_PROVINCES = {"PV20": "Groningen", "PV21": "Fryslân", "PV22": "Drenthe"}


def _location(cbs_code: str, name: str) -> dict:
    return {
        "@type": "dct:Location",
        "dct:identifier": cbs_code,
        "skos:prefLabel": {"@language": "nl", "@value": name},
    }


def _distribution(kind: str, extension: str) -> dict:
    media_type, file_type = FILE_TYPES[extension]
    url = public_url(f"opendata.download_{extension}", kind=kind)
    return {
        "@id": url,
        "@type": "dcat:Distribution",
        "dct:title": f"{DATASETS[kind][1]!s} ({file_type})",
        "dcat:accessURL": {"@id": public_url("opendata.index")},
        "dcat:downloadURL": {"@id": url},
        "dcat:mediaType": {"@id": f"https://www.iana.org/assignments/media-types/{media_type}"},
        "dct:format": {"@id": f"http://publications.europa.eu/resource/authority/file-type/{file_type}"},
        "dct:license": {"@id": current_app.config["OPEN_DATA_LICENSE"]},
    }


def _last_change(kind: str) -> str | None:
    model, rule = (Question, visible_questions) if kind == "questions" else (Solution, visible_solutions)
    latest = db.session.scalar(select(func.max(model.updated_at)).where(rule(NOBODY)))
    return latest.isoformat() if latest else None
