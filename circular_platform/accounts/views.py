from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from circular_platform import audit, permissions
from circular_platform.accounts import privacy, services
from circular_platform.accounts.forms import (
    ApiTokenForm,
    ChangePasswordForm,
    DeleteAccountForm,
    EndSessionsForm,
    ProfileForm,
    RevokeApiTokenForm,
    SaveSearchForm,
    notifications_form,
)
from circular_platform.api import tokens
from circular_platform.db import db, writes
from circular_platform.extensions import PASSWORD_RATE, limiter
from circular_platform.forms import domain_errors_on, flash_errors
from circular_platform.models import ApiToken, AuditAction, SavedSearch, TokenScope
from circular_platform.notifications import settings
from circular_platform.search.views import facet_labels

bp = Blueprint("accounts", __name__, url_prefix="/account")


def _page(new_secret: str | None = None, **forms):
    """The account page with ``forms`` as posted; the others empty (``formdata=None``: the token's
    name must not fill in the profile's name field of the same name)."""
    forms.setdefault("profile_form", ProfileForm(formdata=None, obj=current_user))
    forms.setdefault("password_form", ChangePasswordForm(formdata=None))
    forms.setdefault("delete_form", DeleteAccountForm(formdata=None))
    forms.setdefault("sessions_form", EndSessionsForm(formdata=None))
    forms.setdefault("token_form", ApiTokenForm(formdata=None))
    forms.setdefault("revoke_form", RevokeApiTokenForm(formdata=None))
    api_tokens = tokens.tokens_of(db.session, current_user)
    return render_template("accounts/account.html", api_tokens=api_tokens, new_secret=new_secret, **forms)


@bp.get("/")
@login_required
def account():
    return _page()


@bp.post("/profile")
@login_required
def update_profile():
    form = ProfileForm()
    if form.validate_on_submit():
        with domain_errors_on(form):
            services.update_profile(db.session, current_user, form.name.data, form.language.data)
            db.session.commit()
            flash(_("Uw gegevens zijn opgeslagen."), "success")
            return redirect(url_for("accounts.account"))
    return _page(profile_form=form), 400


@bp.post("/password")
@login_required
@limiter.limit(PASSWORD_RATE)
def change_password():
    form = ChangePasswordForm()
    if not form.validate_on_submit():
        return _page(password_form=form), 400
    user = current_user._get_current_object()
    services.set_password(db.session, user, form.password.data)
    db.session.commit()
    login_user(user)  # stay logged in here; other sessions end with the new token
    flash(_("Uw wachtwoord is gewijzigd."), "success")
    return redirect(url_for("accounts.account"))


@bp.get("/export")
@writes
@login_required
def export_data():
    body = json.dumps(privacy.export_personal_data(db.session, current_user), indent=2, ensure_ascii=False)
    audit.record(db.session, AuditAction.PERSONAL_DATA_EXPORTED, current_user)
    db.session.commit()
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": "attachment; filename=mijn-gegevens.json"},
    )


@bp.post("/sessions/end")
@login_required
def end_sessions():
    """Log out on every device, this one included."""
    if not EndSessionsForm().validate_on_submit():
        abort(400)
    services.end_sessions(db.session, current_user._get_current_object())
    db.session.commit()
    session.clear()
    logout_user()
    flash(_("U bent op alle apparaten uitgelogd."), "info")
    return redirect(url_for("auth.login"))


@bp.post("/delete")
@login_required
@limiter.limit(PASSWORD_RATE)
def delete_account():
    form = DeleteAccountForm()
    if form.validate_on_submit():
        with domain_errors_on(form):
            services.delete_account(db.session, current_user._get_current_object())
            db.session.commit()
            logout_user()
            flash(_("Uw account en persoonsgegevens zijn verwijderd."), "info")
            return redirect(url_for("main.home"))
    return _page(delete_form=form), 400


# -- personal API tokens --------------------------------------------------------------------------


@bp.post("/tokens")
@login_required
def create_token():
    """The secret is shown on the page this once, not flashed: the session cookie is signed, not secret."""
    form = ApiTokenForm()
    if form.validate_on_submit():
        with domain_errors_on(form):
            user = current_user._get_current_object()
            _token, secret = tokens.create_token(
                db.session, user, form.name.data, TokenScope(form.scope.data)
            )
            db.session.commit()
            return _page(new_secret=secret)
    return _page(token_form=form), 400


@bp.post("/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    token = db.session.get(ApiToken, token_id)
    if token is None or not permissions.can_revoke_api_token(current_user, token):
        abort(404)  # someone else's token does not exist for you
    if not RevokeApiTokenForm().validate_on_submit():
        abort(400)
    tokens.revoke_token(db.session, token)
    db.session.commit()
    flash(_("De API-sleutel is ingetrokken: wie hem nog gebruikt, krijgt geen toegang meer."), "success")
    return redirect(url_for("accounts.account", _anchor="api-h"))


# -- Meldingen: how often mail comes, and saved searches ------------------------------------------


def _notifications_page(form=None):
    user = current_user._get_current_object()
    return render_template(
        "accounts/notifications.html",
        form=form or notifications_form(user, settings.frequencies_of(db.session, user)),
        saved_searches=settings.saved_searches_of(db.session, user),
        filter_labels=facet_labels(),
    )


@bp.get("/notifications")
@login_required
def notifications():
    return _notifications_page()


@bp.post("/notifications")
@login_required
def update_notifications():
    user = current_user._get_current_object()
    form = notifications_form(user, settings.frequencies_of(db.session, user))
    if form.validate_on_submit():
        with domain_errors_on(form):
            settings.set_frequencies(db.session, user, form.chosen())
            db.session.commit()
            flash(_("Uw keuze voor meldingen is opgeslagen."), "success")
            return redirect(url_for("accounts.notifications"))
    return _notifications_page(form), 400


@bp.post("/saved-searches")
@login_required
def save_search():
    form = SaveSearchForm()
    if form.validate_on_submit():
        with domain_errors_on(form):
            settings.save_search(db.session, current_user, form.q.data, form.filters())
            db.session.commit()
            flash(_("De zoekopdracht is bewaard. Nieuwe resultaten komen in uw meldingen."), "success")
    flash_errors(form)
    search: dict[str, Any] = {"q": form.q.data, **form.filters()}
    return redirect(url_for("search.results", **search))


@bp.post("/saved-searches/<int:saved_id>/delete")
@login_required
def delete_saved_search(saved_id: int):
    saved = db.session.get(SavedSearch, saved_id)
    if saved is None or not permissions.can_delete_saved_search(current_user, saved):
        abort(404)  # someone else's saved search does not exist for you
    settings.delete_saved_search(db.session, saved)
    db.session.commit()
    flash(_("De zoekopdracht is verwijderd."), "success")
    return redirect(url_for("accounts.notifications"))
