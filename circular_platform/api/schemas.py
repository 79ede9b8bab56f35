"""The API's shapes as marshmallow schemas: they parse what clients send and describe what they
get in the OpenAPI document (flask-smorest turns them into JSON Schema)."""

from __future__ import annotations

from datetime import date
from typing import Any

import marshmallow as ma
from marshmallow import fields, post_dump, validate

from circular_platform import permissions
from circular_platform.api.caller import api_user
from circular_platform.api.fields import EUROS, ID, QUANTITY, Moment, Quantity, month_field
from circular_platform.demand.supply import line_release
from circular_platform.materials.forms import MAX_ROWS
from circular_platform.models import (
    BundleStatus,
    Feedback,
    Intervention,
    MatchStatus,
    Maturity,
    OrganisationKind,
    QuestionStatus,
    SolutionStatus,
    TokenScope,
    Visibility,
)
from circular_platform.supply.services import summarise
from circular_platform.taxonomy import BUILDING_SECTORS, MATERIAL_UNITS, THEMES, TRANSITION_PATHS, UNITS
from circular_platform.urls import public_url

# -- errors and pages ---------------------------------------------------------------------------


class ErrorBody(ma.Schema):
    code = fields.String(required=True, metadata={"example": "not_found"})
    message = fields.String(required=True)
    fields_ = fields.Dict(
        data_key="fields",
        keys=fields.String(),
        required=True,
        metadata={"description": "Per field what is wrong; empty when the error is not about a field."},
    )


class Error(ma.Schema):
    """Every error the API returns, whatever its status."""

    error = fields.Nested(ErrorBody, required=True)


class PageArgs(ma.Schema):
    page = fields.Integer(load_default=1, validate=ID, metadata={"description": "Beyond the last: the last."})
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


def page_of(item: type[ma.Schema], name: str) -> type[ma.Schema]:
    """A page of ``item``s in a stable order, with the counts to walk the others."""
    return ma.Schema.from_dict(
        {
            "items": fields.List(fields.Nested(item), required=True),
            "page": fields.Integer(attribute="number", required=True),
            "per_page": fields.Integer(required=True),
            "total": fields.Integer(required=True),
            "pages": fields.Integer(required=True),
        },
        name=name,
    )


# -- what items refer to ------------------------------------------------------------------------


class Ref(ma.Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)


class Region(Ref):
    cbs_code = fields.String(required=True, metadata={"example": "GM0114"})


class ItemRef(ma.Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)


class Contact(ma.Schema):
    name = fields.String(required=True)
    email = fields.String(required=True)


class _WithContact(ma.Schema):
    contact = fields.Nested(
        Contact, allow_none=True, metadata={"description": "Only for callers with a token, as on the pages."}
    )

    @post_dump
    def _hide_contact(self, data: dict, **_: Any) -> dict:
        if "contact" in data and not permissions.can_see_contacts(api_user()):
            data["contact"] = None
        return data


# -- material lines -----------------------------------------------------------------------------


class MaterialLineOut(ma.Schema):
    """A material with its waste code (European List of Waste, Eural) and quantity."""

    material = fields.String(required=True)
    eural_code = fields.String(allow_none=True, metadata={"example": "17 01 01"})
    quantity = fields.Float(allow_none=True)
    unit = fields.String(allow_none=True, metadata={"enum": list(MATERIAL_UNITS)})
    condition = fields.String(required=True)
    from_date = fields.Date(
        allow_none=True,
        metadata={"description": "Needed from (question), available from (solution, passport)."},
    )
    location = fields.String(required=True, metadata={"description": "Where in the building (passport)."})


def material_lines_field() -> fields.List:
    return fields.List(fields.Nested(MaterialLineOut), required=True)


class MaterialLineIn(ma.Schema):
    """A line as the web form takes it; checked by the same service, which names the line."""

    material = fields.String(required=True, metadata={"example": "houten kozijnen"})
    eural_code = fields.String(
        allow_none=True,
        metadata={"example": "17 02 01", "description": "Empty or left out: suggested from the material."},
    )
    quantity = Quantity(allow_none=True, validate=QUANTITY)
    unit = fields.String(allow_none=True, validate=validate.OneOf(MATERIAL_UNITS))
    condition = fields.String()
    from_date = fields.Date(allow_none=True)
    location = fields.String(metadata={"description": "Where in the building (passport)."})


def material_lines_in() -> fields.List:
    return fields.List(
        fields.Nested(MaterialLineIn),
        validate=validate.Length(max=MAX_ROWS),
        metadata={"description": "Replaces all lines; left out on a change: the lines stay as they are."},
    )


# -- questions ----------------------------------------------------------------------------------


class QuestionOut(_WithContact):
    id = fields.Integer(required=True)
    url = fields.Function(lambda q: public_url("questions.detail", question_id=q.id), required=True)
    title = fields.String(required=True)
    description = fields.String(required=True, metadata={"description": "Markdown"})
    theme = fields.String(required=True, metadata={"enum": list(THEMES)})
    sector = fields.String(allow_none=True)
    transition_paths = fields.List(fields.Integer(), required=True)
    organisation = fields.Nested(Ref, required=True)
    municipality = fields.Nested(Region, required=True)
    province = fields.Nested(Region, required=True)
    quantity = fields.Float(allow_none=True)
    unit = fields.String(allow_none=True)
    budget_min = fields.Integer(allow_none=True)
    budget_max = fields.Integer(allow_none=True)
    desired_start = month_field(allow_none=True)
    valid_until = fields.Date(allow_none=True)
    is_procurement = fields.Boolean(required=True)
    has_circular_criteria = fields.Boolean(required=True)
    circular_criteria = fields.String(required=True)
    visibility = fields.Enum(Visibility, by_value=True, required=True)
    status = fields.Enum(QuestionStatus, by_value=True, required=True)
    material_lines = material_lines_field()
    created_at = Moment(required=True)
    updated_at = Moment(required=True)


class QuestionFilters(PageArgs):
    theme = fields.String(validate=validate.OneOf(THEMES))
    sector = fields.String(validate=validate.OneOf(BUILDING_SECTORS))
    province = fields.Integer(validate=ID)
    municipality = fields.Integer(validate=ID)
    status = fields.Enum(QuestionStatus, by_value=True)
    procurement = fields.Boolean()
    sort = fields.String(
        validate=validate.OneOf(["created", "start"]), metadata={"description": "Default: newest first."}
    )


class QuestionIn(ma.Schema):
    """As the web form takes it; ``organisation_id`` may be left out by a member of one organisation."""

    organisation_id = fields.Integer(validate=ID)
    title = fields.String(required=True)
    description = fields.String(required=True, metadata={"description": "Markdown"})
    theme = fields.String(required=True, validate=validate.OneOf(THEMES))
    sector = fields.String(allow_none=True, validate=validate.OneOf(BUILDING_SECTORS))
    transition_paths = fields.List(fields.Integer(validate=validate.OneOf(TRANSITION_PATHS)))
    municipality_id = fields.Integer(required=True, validate=ID)
    quantity = Quantity(allow_none=True, validate=QUANTITY)
    unit = fields.String(allow_none=True, validate=validate.OneOf(UNITS))
    budget_min = fields.Integer(allow_none=True, validate=EUROS)
    budget_max = fields.Integer(allow_none=True, validate=EUROS)
    desired_start = month_field(allow_none=True)
    valid_until = fields.Date(
        allow_none=True, metadata={"description": "Empty: six months after publishing."}
    )
    is_procurement = fields.Boolean()
    has_circular_criteria = fields.Boolean()
    circular_criteria = fields.String()
    visibility = fields.Enum(Visibility, by_value=True)
    contact_id = fields.Integer(allow_none=True, validate=ID)
    material_lines = material_lines_in()
    publish = fields.Boolean(metadata={"description": "Publish at once (the default) or keep a draft."})


class QuestionChange(QuestionIn):
    """Only the fields to change; ``status`` moves it as the page's buttons do."""

    class Meta:
        exclude = ("organisation_id", "publish")  # a question stays with its organisation

    status = fields.Enum(QuestionStatus, by_value=True)


# -- solutions ----------------------------------------------------------------------------------


class SolutionOut(_WithContact):
    id = fields.Integer(required=True)
    url = fields.Function(lambda s: public_url("solutions.detail", solution_id=s.id), required=True)
    title = fields.String(required=True)
    description = fields.String(required=True, metadata={"description": "Markdown"})
    themes = fields.List(fields.String(), required=True)
    organisation = fields.Nested(Ref, required=True)
    nationwide = fields.Boolean(required=True)
    provinces = fields.List(fields.Nested(Region), required=True)
    municipalities = fields.List(fields.Nested(Region), required=True)
    maturity = fields.Enum(Maturity, by_value=True, required=True)
    capacity = fields.String(required=True)
    certifications = fields.String(required=True)
    price_indication = fields.String(required=True)
    status = fields.Enum(SolutionStatus, by_value=True, required=True)
    material_lines = material_lines_field()
    created_at = Moment(required=True)
    updated_at = Moment(required=True)


class SolutionFilters(PageArgs):
    theme = fields.String(validate=validate.OneOf(THEMES))
    province = fields.Integer(validate=ID)
    municipality = fields.Integer(validate=ID)
    status = fields.Enum(SolutionStatus, by_value=True)
    maturity = fields.Enum(Maturity, by_value=True)


class SolutionIn(ma.Schema):
    organisation_id = fields.Integer(validate=ID)
    title = fields.String(required=True)
    description = fields.String(required=True, metadata={"description": "Markdown"})
    themes = fields.List(fields.String(validate=validate.OneOf(THEMES)), required=True)
    nationwide = fields.Boolean()
    province_ids = fields.List(fields.Integer(validate=ID))
    municipality_ids = fields.List(fields.Integer(validate=ID))
    maturity = fields.Enum(Maturity, by_value=True)
    capacity = fields.String()
    certifications = fields.String()
    price_indication = fields.String()
    contact_id = fields.Integer(allow_none=True, validate=ID)
    material_lines = material_lines_in()


class SolutionChange(SolutionIn):
    class Meta:
        exclude = ("organisation_id",)

    status = fields.Enum(SolutionStatus, by_value=True)


# -- building passports ------------------------------------------------------------------------


class PassportOut(ma.Schema):
    """A building and the materials in it, released at a planned renovation or demolition."""

    id = fields.Integer(required=True)
    url = fields.Function(lambda p: public_url("passports.detail", passport_id=p.id), required=True)
    name = fields.String(required=True)
    address = fields.String(required=True)
    organisation = fields.Nested(Ref, required=True)
    municipality = fields.Nested(Region, required=True)
    construction_year = fields.Integer(allow_none=True)
    floor_area = fields.Integer(allow_none=True, metadata={"description": "Gross floor area in m²"})
    intervention = fields.Enum(Intervention, by_value=True, allow_none=True)
    intervention_date = fields.Date(allow_none=True)
    published = fields.Boolean(
        required=True, metadata={"description": "False: only its organisation sees it"}
    )
    material_lines = material_lines_field()
    created_at = Moment(required=True)
    updated_at = Moment(required=True)


class PassportIn(ma.Schema):
    """As the web form takes it; ``organisation_id`` may be left out by a member of one owner."""

    organisation_id = fields.Integer(validate=ID)
    name = fields.String(required=True, validate=validate.Length(min=1, max=160))
    address = fields.String(validate=validate.Length(max=200))
    municipality_id = fields.Integer(required=True, validate=ID)
    construction_year = fields.Integer(allow_none=True, validate=validate.Range(min=1000, max=2100))
    floor_area = fields.Integer(allow_none=True, validate=validate.Range(min=1, max=10_000_000))
    intervention = fields.Enum(Intervention, by_value=True, allow_none=True)
    intervention_date = fields.Date(
        allow_none=True, metadata={"description": "Required with an intervention, and only then."}
    )
    published = fields.Boolean(metadata={"description": "Default false: only its organisation sees it."})
    material_lines = material_lines_in()


class PassportChange(PassportIn):
    """Only the fields to change; a building stays with its owner."""

    class Meta:
        exclude = ("organisation_id",)


class PassportFilters(PageArgs):
    municipality = fields.Integer(validate=ID)
    upcoming = fields.Boolean(
        metadata={
            "description": "Only buildings whose materials are still to come free, as the map counts them."
        }
    )


# -- organisations, regions, themes, search -----------------------------------------------------


class OrganisationOut(ma.Schema):
    id = fields.Integer(required=True)
    url = fields.Function(lambda o: public_url("organisations.profile", organisation_id=o.id), required=True)
    name = fields.String(required=True)
    kind = fields.Enum(OrganisationKind, by_value=True, required=True)
    municipality = fields.Nested(Region, required=True)
    website = fields.String(allow_none=True)
    description = fields.String(required=True)
    verified = fields.Boolean(required=True)


class OrganisationFilters(PageArgs):
    kind = fields.Enum(OrganisationKind, by_value=True)
    province = fields.Integer(validate=ID)
    q = fields.String(validate=validate.Length(max=200), metadata={"description": "Part of the name"})


class ProvinceOut(Region):
    municipalities = fields.List(fields.Nested(Region), required=True)


class MunicipalityOut(Region):
    province = fields.Nested(Region, required=True)


class MunicipalityFilters(ma.Schema):
    province = fields.Integer(validate=ID)


class ThemeOut(ma.Schema):
    key = fields.String(required=True)
    label = fields.String(required=True)


class SearchArgs(ma.Schema):
    q = fields.String(required=True, validate=validate.Length(min=1, max=200))
    kind = fields.String(validate=validate.OneOf(["question", "solution", "organisation"]))
    theme = fields.String(validate=validate.OneOf(THEMES))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1000))


class SearchHitOut(ma.Schema):
    kind = fields.String(required=True)
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    url = fields.String(required=True)
    score = fields.Float(required=True)


class SearchOut(ma.Schema):
    items = fields.List(fields.Nested(SearchHitOut), required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    total = fields.Integer(required=True)


# -- matches and bundles ------------------------------------------------------------------------


class MatchOut(ma.Schema):
    id = fields.Integer(required=True)
    question = fields.Nested(ItemRef, required=True)
    solution = fields.Nested(ItemRef, required=True)
    score = fields.Float(required=True, metadata={"description": "0 to 1"})
    terms = fields.List(fields.String(), required=True, metadata={"description": "Words that explain it"})
    status = fields.Enum(MatchStatus, by_value=True, required=True)
    question_feedback = fields.Enum(Feedback, by_value=True, allow_none=True)
    solution_feedback = fields.Enum(Feedback, by_value=True, allow_none=True)
    created_at = Moment(required=True)


class ExchangeLineOut(ma.Schema):
    """One material group exchanged, as recorded on the match page."""

    material_group = fields.String(attribute="line.material_group", required=True)
    material_group_name = fields.String(attribute="factor.name", required=True)
    tonnes = fields.Float(attribute="line.tonnes", allow_none=True)
    products = fields.Integer(attribute="line.products", allow_none=True)
    kg_per_product = fields.Float(attribute="line.kg_per_product", allow_none=True)
    weight_tonnes = fields.Float(
        attribute="line.weight_tonnes",
        allow_none=True,
        metadata={
            "description": "Tonnes given, or products times kg each; null for products without a weight."
        },
    )
    new_material = fields.Boolean(
        attribute="line.new_material",
        required=True,
        metadata={"description": "New material the deal still needed: only in the secondary share."},
    )
    co2_avoided_kg = fields.Float(attribute="co2_kg", allow_none=True)
    avoided_kg_per_tonne = fields.Float(attribute="factor.avoided_per_tonne", required=True, allow_none=True)
    factor_adjusted = fields.Boolean(
        attribute="factor.adjusted",
        required=True,
        metadata={"description": "The deployment's administrator changed the shipped emission factor."},
    )
    recorded_at = Moment(attribute="line.recorded_at", required=True)


class MatchImpactOut(ma.Schema):
    """What a completed deal exchanged and what it kept in use, as the region dashboard counts it."""

    match_id = fields.Integer(required=True)
    lines = fields.List(fields.Nested(ExchangeLineOut), required=True)
    tonnes_reused = fields.Float(attribute="sums.tonnes", required=True)
    co2_avoided_tonnes = fields.Float(attribute="sums.co2_tonnes", required=True)
    new_tonnes = fields.Float(attribute="sums.new_tonnes", required=True)
    secondary_share = fields.Float(
        attribute="sums.secondary_share", allow_none=True, metadata={"description": "0 to 1"}
    )


class MatchFilters(PageArgs):
    status = fields.Enum(MatchStatus, by_value=True)


class FeedbackIn(ma.Schema):
    feedback = fields.Enum(Feedback, by_value=True, required=True)


class BundleOut(ma.Schema):
    id = fields.Integer(required=True)
    label = fields.String(required=True)
    status = fields.Enum(BundleStatus, by_value=True, required=True)
    theme = fields.String(allow_none=True)
    province = fields.Nested(Region, allow_none=True)
    municipality = fields.Nested(Region, allow_none=True)
    questions = fields.List(fields.Nested(ItemRef), required=True)
    created_at = Moment(required=True)


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


class SupplyLineOut(MaterialLineOut):
    """A passport's material line in a supply bundle, with its building and when it comes free."""

    id = fields.Integer(required=True)
    passport = fields.Nested(Ref, required=True, metadata={"description": "The building it comes from"})
    available_from = fields.Function(
        lambda line: _iso(line_release(line)),
        required=True,
        allow_none=True,
        metadata={
            "type": ["string", "null"],
            "format": "date",
            "description": "The line's own date, else its building's planned intervention",
        },
    )


class SupplyBundleOut(ma.Schema):
    """Material lines of one Eural group in one province, from buildings of several owners, that
    come free in the same period: offered together, as demand is bought together."""

    id = fields.Integer(required=True)
    label = fields.String(required=True)
    status = fields.Enum(BundleStatus, by_value=True, required=True)
    material_group = fields.String(required=True, metadata={"example": "17 02"})
    province = fields.Nested(Region, required=True)
    tonnes = fields.Function(
        lambda bundle: float(summarise(bundle.lines).tonnes),
        required=True,
        metadata={"type": "number", "description": "Lines without a known weight are left out."},
    )
    lines = fields.List(fields.Nested(SupplyLineOut), required=True)
    created_at = Moment(required=True)


class TokenOut(ma.Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    scope = fields.Enum(TokenScope, by_value=True, required=True)
    user = fields.Nested(Ref, required=True)
