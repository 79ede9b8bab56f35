"""Open data: the public questions and solutions as CSV and JSON, described in DCAT-AP (JSON-LD).

Only what an anonymous visitor sees: public, published questions and listed solutions, without
contact persons. The CSV has the columns of the list pages' export (the import format); the JSON
the API's item shapes, with ids and links.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from datetime import datetime
from pathlib import Path

from flask import Blueprint, Response, current_app, render_template, send_file
from flask_babel import force_locale
from flask_login import AnonymousUserMixin
from sqlalchemy import func, select

from circular_platform.api import schemas
from circular_platform.db import db
from circular_platform.extensions import limiter
from circular_platform.i18n import lazy_gettext as _l
from circular_platform.models import Question, Solution
from circular_platform.models._types import utcnow
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


@bp.get("/<any(questions, solutions):kind>.<any(csv, json):extension>")
@limiter.limit(RATE)
def download(kind: str, extension: str):
    mimetype = FILE_TYPES[extension][0]
    return send_file(
        _published(kind, extension),
        mimetype=mimetype,
        as_attachment=True,
        download_name=f"{DATASETS[kind][0]}.{extension}",
    )


def _published(kind: str, extension: str) -> Path:
    """The file of ``kind`` in ``extension``, written when the public items changed (or an hour
    passed: organisation names in it change too). Writing 100,000 solutions takes 20 s: no
    download should pay that, and the processes of this server share the file."""
    count, changed = _public_state(kind)
    version = hashlib.sha256(f"{count}|{changed}|{utcnow():%Y%m%d%H}".encode()).hexdigest()[:16]
    folder = Path(current_app.config["OPEN_DATA_DIR"])
    path = folder / f"{kind}-{version}.{extension}"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        written = path.with_name(f"{path.name}.{os.getpid()}.part")
        written.write_bytes(_render(kind, extension))
        os.replace(written, path)  # whole or not at all, also beside another process writing it
        _remove_older(folder, kind, extension, path)
    return path


def _render(kind: str, extension: str) -> bytes:
    if extension == "csv":
        return export_csv(db.session, kind, _public_query(kind))
    schema = schemas.QuestionOut if kind == "questions" else schemas.SolutionOut
    items = db.session.scalars(_public_query(kind)).unique()
    return json.dumps(schema(many=True, exclude=("contact",)).dump(items), ensure_ascii=False).encode()


def _remove_older(folder: Path, kind: str, extension: str, current: Path) -> None:
    """Files of earlier versions, once no download can still be starting on them."""
    settled = time.time() - 600
    for old in folder.glob(f"{kind}-*.{extension}"):
        if old != current and old.stat().st_mtime < settled:
            old.unlink(missing_ok=True)


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
    url = public_url("opendata.download", kind=kind, extension=extension)
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
    latest = _public_state(kind)[1]
    return latest.isoformat() if latest else None


def _public_state(kind: str) -> tuple[int, datetime | None]:
    """How many public items of ``kind`` there are and when the last of them changed."""
    model, rule = (Question, visible_questions) if kind == "questions" else (Solution, visible_solutions)
    count, latest = db.session.execute(
        select(func.count(model.id), func.max(model.updated_at)).where(rule(NOBODY))
    ).one()
    return count, latest
