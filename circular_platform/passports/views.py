from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from circular_platform import permissions
from circular_platform.arguments import int_arg
from circular_platform.db import db
from circular_platform.forms import domain_errors_on
from circular_platform.matches import future
from circular_platform.models import BuildingPassport, Municipality, Organisation
from circular_platform.pagination import paginate
from circular_platform.passports import inventory, services
from circular_platform.passports.forms import InventoryImportForm, PassportForm
from circular_platform.transfer.csvfile import FileError

bp = Blueprint("passports", __name__, url_prefix="/passports")


def load_visible(passport_id: int) -> BuildingPassport:
    """The passport, or 404 also when the user may not see it."""
    passport = db.session.get(BuildingPassport, passport_id)
    if passport is None or not permissions.can_view_passport(current_user, passport):
        abort(404)
    return passport


def load_editable(passport_id: int) -> BuildingPassport:
    passport = load_visible(passport_id)
    permissions.require(permissions.can_edit_passport(current_user, passport))
    return passport


def owners() -> list[Organisation]:
    if permissions.is_coordinator(current_user):
        return list(db.session.scalars(select(Organisation).order_by(Organisation.name)))
    return permissions.passport_organisations(current_user)


@bp.get("/")
def index():
    """Open to visitors too (they see the published passports): the map links here."""
    municipality, upcoming = _filters()
    query = services.list_query(current_user, municipality.id if municipality else None, upcoming)
    page = paginate(db.session, query)
    return render_template("passports/index.html", page=page, municipality=municipality, upcoming=upcoming)


@bp.get("/export.csv")
def export():
    """The list as it is filtered, a row per material line."""
    municipality, upcoming = _filters()
    query = services.list_query(current_user, municipality.id if municipality else None, upcoming)
    headers = {"Content-Disposition": 'attachment; filename="gebouwen.csv"', "Cache-Control": "no-store"}
    return Response(services.export_csv(db.session, query), mimetype="text/csv", headers=headers)


def _filters() -> tuple[Municipality | None, bool]:
    return db.session.get(Municipality, int_arg("municipality") or 0), request.args.get("upcoming") == "1"


@bp.get("/<int:passport_id>")
def detail(passport_id: int):
    return _detail_page(load_visible(passport_id), InventoryImportForm())


def _detail_page(passport: BuildingPassport, import_form: InventoryImportForm, problems=()) -> str:
    groups = inventory.group_lines(passport.material_lines)
    return render_template(
        "passports/detail.html",
        passport=passport,
        groups=groups,
        total=inventory.total_tonnes(groups),
        supply=future.supply_for_passport(db.session, passport, current_user),
        import_form=import_form,
        import_problems=problems,
    )


@bp.get("/new")
@login_required
def new():
    permissions.require(permissions.can_register_passport(current_user))
    organisations = owners()
    home = organisations[0].municipality_id if organisations else None
    form = PassportForm(organisations, municipality_id=home)
    return render_template("passports/form.html", form=form, passport=None)


@bp.post("/new")
@login_required
def create():
    permissions.require(permissions.can_register_passport(current_user))
    form = PassportForm(owners())
    if form.add_line.data:  # only one more empty row: nothing is checked or saved yet
        return render_template("passports/form.html", form=form, passport=None)
    if form.validate_on_submit():
        with domain_errors_on(form):
            passport = services.register_passport(db.session, form.organisation, form.data_for_service())
            db.session.commit()
            flash(_("Het gebouw is geregistreerd."), "success")
            return redirect(url_for("passports.detail", passport_id=passport.id))
    return render_template("passports/form.html", form=form, passport=None), 400


@bp.get("/<int:passport_id>/edit")
@login_required
def edit(passport_id: int):
    passport = load_editable(passport_id)
    form = PassportForm([passport.organisation], obj=passport)
    form.intervention.data = passport.intervention.value if passport.intervention else ""
    return render_template("passports/form.html", form=form, passport=passport)


@bp.post("/<int:passport_id>/edit")
@login_required
def update(passport_id: int):
    passport = load_editable(passport_id)
    form = PassportForm([passport.organisation])
    if form.add_line.data:
        return render_template("passports/form.html", form=form, passport=passport)
    if form.validate_on_submit():
        with domain_errors_on(form):
            services.update_passport(db.session, passport, form.data_for_service())
            db.session.commit()
            flash(_("De wijzigingen zijn opgeslagen."), "success")
            return redirect(url_for("passports.detail", passport_id=passport.id))
    return render_template("passports/form.html", form=form, passport=passport), 400


@bp.post("/<int:passport_id>/import")
@login_required
def import_inventory(passport_id: int):
    passport = load_editable(passport_id)
    form = InventoryImportForm()
    problems: list[str] = []
    if form.validate_on_submit():
        try:
            problems = services.import_inventory(db.session, passport, form.file.data.read())
        except FileError as error:
            problems = [str(error.message)]
        if not problems:
            db.session.commit()
            flash(_("De inventarisatie is toegevoegd."), "success")
            return redirect(url_for("passports.detail", passport_id=passport.id))
        db.session.rollback()
    return _detail_page(passport, form, problems), 400
