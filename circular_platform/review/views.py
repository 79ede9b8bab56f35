"""The coordinators' review of proposed matches, the pipeline after an introduction, and its figures."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from circular_platform import audit, permissions
from circular_platform.db import db, writes
from circular_platform.forms import domain_errors_on, flash_errors
from circular_platform.impact import factors as impact_factors
from circular_platform.impact import services as impact_services
from circular_platform.impact.forms import ExchangeForm
from circular_platform.marketplace import filter_options, list_filters
from circular_platform.models import AuditAction, ExchangeLine, Match, MatchStatus, Question
from circular_platform.models._types import utcnow
from circular_platform.notifications import escalation
from circular_platform.pagination import paginate
from circular_platform.review import quality, queries, services
from circular_platform.review.forms import (
    IntroduceForm,
    InviteCompanyForm,
    MoveForm,
    NoteForm,
    RejectForm,
    SnoozeForm,
)
from circular_platform.urls import public_url, safe_next

bp = Blueprint("review", __name__, url_prefix="/coordination")
QUEUE_FILTERS = ("theme", "province", "strength", "age")
STALLED_SHOWN = 20  # the oldest stalled introductions on the coordination page; the pipeline lists all
PIPELINE_STATUSES = tuple(s for s in MatchStatus if s not in (MatchStatus.PROPOSED, MatchStatus.REJECTED))


@bp.context_processor
def _labels() -> dict:
    """The reasons translated once per page: the queue lists them with every pair."""
    return {"reject_reasons": {key: str(label) for key, label in services.REJECT_REASONS.items()}}


def _require_coordinator() -> None:
    permissions.require(permissions.can_review_matches(current_user))


def load_visible(match_id: int) -> Match:
    """The match, or 404 also when the user may not see it."""
    match = db.session.get(Match, match_id)
    if match is None or not permissions.can_see_match(current_user, match):
        abort(404)
    return match


# -- the Monday-morning view ------------------------------------------------------------------------


@bp.get("/")
@login_required
def index():
    _require_coordinator()
    filters = list_filters(*QUEUE_FILTERS)
    return render_template(
        "review/index.html",
        page=paginate(
            db.session,
            queries.queue_query(filters).options(*queries.QUEUE_CARDS),
            per_page=10,
            limit=queries.QUEUE_COUNT_UP_TO,
        ),
        filters=filters,
        counts=queries.counts(db.session),
        stalled=queries.stalled(db.session, limit=STALLED_SHOWN),
        stalled_count=queries.stalled_count(db.session),
        snooze_default=SnoozeForm().until.data,
        **filter_options(),
    )


@bp.get("/matches/<int:match_id>")
@login_required
def match_detail(match_id: int):
    return _render_match(load_visible(match_id))


def _render_match(match: Match, reject_form: RejectForm | None = None) -> str:
    """The match page; a refused ``reject_form`` shows open, with what was chosen and why it failed."""
    return render_template(
        "review/match.html",
        match=match,
        events=queries.events_of(db.session, match),
        next_statuses=services.next_statuses(match),
        move_form=MoveForm(services.next_statuses(match)),
        note_form=NoteForm(),
        reject_form=reject_form,
        snooze_default=SnoozeForm().until.data,
        back=safe_next(url_for("review.match_detail", match_id=match.id)),
        **_impact_of(match),
    )


def _impact_of(match: Match) -> dict:
    """What a completed deal exchanged and the form to record it; nothing before completion."""
    if not permissions.can_record_impact(current_user, match):
        return {}
    lines = impact_services.exchange_lines(db.session, match)
    form = ExchangeForm(data={"lines": [*map(_line_data, lines), {}]})  # and one empty row
    return {"exchange_lines": lines, "exchange_form": form, "emission_factors": impact_factors.shipped()}


def _line_data(line: ExchangeLine) -> dict:
    names = ("material_group", "tonnes", "products", "kg_per_product", "new_material")
    return {name: getattr(line, name) for name in names}


# -- coordinators' decisions on a proposal ----------------------------------------------------------


@bp.post("/matches/<int:match_id>/introduce")
@login_required
def introduce(match_id: int):
    _require_coordinator()
    match = load_visible(match_id)
    form = IntroduceForm()
    if form.validate_on_submit():
        with domain_errors_on(form):
            sent = services.introduce(db.session, match, current_user, form.note.data or "")
            recipients = ", ".join(message.recipient for message in sent)
            db.session.commit()
            flash(_("De introductie is verstuurd aan %(recipients)s.", recipients=recipients), "success")
    flash_errors(form)
    return redirect(safe_next(url_for("review.index")))


@bp.post("/matches/<int:match_id>/reject")
@login_required
def reject(match_id: int):
    _require_coordinator()
    match = load_visible(match_id)
    form = RejectForm()
    if form.validate_on_submit():
        with domain_errors_on(form):
            services.reject(db.session, match, current_user, form.reason.data, form.text.data or "")
            db.session.commit()
            flash(_("De match is afgewezen en verdwijnt uit de wachtrij."), "success")
            return redirect(safe_next(url_for("review.index")))
    return _render_match(match, reject_form=form), 400


@bp.post("/matches/<int:match_id>/snooze")
@login_required
def snooze(match_id: int):
    _require_coordinator()
    match = load_visible(match_id)
    form = SnoozeForm()
    if form.validate_on_submit() and form.until.data is not None:  # a date once valid: it is required
        with domain_errors_on(form):
            services.snooze(db.session, match, current_user, form.until.data)
            db.session.commit()
            until = form.until.data.strftime("%d-%m-%Y")
            flash(_("De match komt op %(date)s terug in de wachtrij.", date=until), "success")
    flash_errors(form)
    return redirect(safe_next(url_for("review.index")))


# -- the pipeline, for coordinators and both parties ------------------------------------------------


@bp.post("/matches/<int:match_id>/move")
@login_required
def move(match_id: int):
    match = load_visible(match_id)
    permissions.require(permissions.can_move_match(current_user, match))
    form = MoveForm(services.next_statuses(match))
    if form.validate_on_submit():
        with domain_errors_on(form):
            status = MatchStatus(form.status.data)
            services.move(
                db.session, match, current_user, status, form.note.data or "", form.reason.data or ""
            )
            db.session.commit()
            flash(_("De fase is gewijzigd in: %(status)s.", status=status.label), "success")
    flash_errors(form)
    return redirect(safe_next(url_for("review.match_detail", match_id=match.id)))


@bp.post("/matches/<int:match_id>/note")
@login_required
def add_note(match_id: int):
    match = load_visible(match_id)
    permissions.require(permissions.can_move_match(current_user, match))
    form = NoteForm()
    if form.validate_on_submit():
        with domain_errors_on(form):
            services.add_note(db.session, match, current_user, form.note.data)
            db.session.commit()
            flash(_("Uw notitie is toegevoegd."), "success")
    flash_errors(form)
    return redirect(safe_next(url_for("review.match_detail", match_id=match.id)))


@bp.get("/pipeline")
@login_required
def pipeline():
    """Every introduced match; ``?status=`` narrows to one phase."""
    _require_coordinator()
    status = request.args.get("status", "")
    statuses = (MatchStatus(status),) if status in PIPELINE_STATUSES else PIPELINE_STATUSES
    page = paginate(db.session, queries.pipeline_query(statuses))
    return render_template("review/pipeline.html", page=page, status=status, statuses=PIPELINE_STATUSES)


@bp.get("/mine")
@login_required
def my_matches():
    """The introduced matches of the user's organisations."""
    organisation_ids = [o.id for o in current_user.organisations]
    page = paginate(db.session, queries.pipeline_query(PIPELINE_STATUSES, organisation_ids))
    return render_template("review/mine.html", page=page)


# -- questions nobody found a fit for ----------------------------------------------------------------


def _unanswered_page(invite_form: InviteCompanyForm | None = None, invited_for: int | None = None):
    questions = escalation.questions_without_fit(db.session, None, utcnow())
    return render_template(
        "review/unanswered.html",
        questions=questions,
        candidates=escalation.best_candidates(db.session, questions),
        invite_form=invite_form or InviteCompanyForm(),
        invited_for=invited_for,
    )


@bp.get("/unanswered")
@login_required
def unanswered():
    """Vragen zonder passend aanbod: open for 30 days, nothing marked interesting, no introduction."""
    _require_coordinator()
    return _unanswered_page()


@bp.post("/unanswered/<int:question_id>/invite")
@login_required
def invite_company(question_id: int):
    _require_coordinator()
    question = db.session.get(Question, question_id) or abort(404)
    form = InviteCompanyForm()
    if not form.validate_on_submit():
        return _unanswered_page(form, question.id), 400
    link = public_url("auth.register", next=url_for("questions.detail", question_id=question.id))
    escalation.invite_company(
        db.session, question, current_user, form.email.data, form.name.data or "", form.note.data or "", link
    )
    db.session.commit()
    flash(_("De uitnodiging is verstuurd naar %(email)s.", email=form.email.data), "success")
    return redirect(url_for("review.unanswered"))


# -- matching quality --------------------------------------------------------------------------------


@bp.get("/quality")
@login_required
def quality_report():
    _require_coordinator()
    figures = quality.quality(db.session)
    return render_template("review/quality.html", figures=figures, stages=quality.STAGES)


@bp.get("/quality/funnel.svg")
@login_required
def funnel_chart():
    _require_coordinator()
    svg = quality.funnel_svg(quality.quality(db.session))
    # pygal styles the chart with a <style> element; the chart holds no script and opened on its
    # own it should still look like the chart, so this one resource allows inline styles only.
    headers = {"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"}
    return Response(svg, mimetype="image/svg+xml", headers=headers)


@bp.get("/quality.csv")
@writes
@login_required
def quality_csv():
    _require_coordinator()
    return _csv_download(quality.quality_csv(quality.quality(db.session)), "matchkwaliteit.csv")


@bp.get("/quality/funnel.csv")
@writes
@login_required
def funnel_csv():
    _require_coordinator()
    data = quality.funnel_csv(quality.quality(db.session))
    return _csv_download(data, "matchtrechter.csv")


def _csv_download(data: bytes, filename: str) -> Response:
    """The file, with its download recorded: the view is marked ``@writes``."""
    audit.record(db.session, AuditAction.DATA_EXPORTED, file=filename)
    db.session.commit()
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    return Response(data, mimetype="text/csv", headers=headers)
