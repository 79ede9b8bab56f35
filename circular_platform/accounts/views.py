from __future__ import annotations

import json

from flask import Blueprint, Response, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from circular_platform.accounts import services
from circular_platform.accounts.forms import ChangePasswordForm, DeleteAccountForm, ProfileForm
from circular_platform.db import db
from circular_platform.errors import DomainError
from circular_platform.passwords import verify_password

bp = Blueprint("accounts", __name__, url_prefix="/account")


def _page(**forms):
    forms.setdefault("profile_form", ProfileForm(obj=current_user))
    forms.setdefault("password_form", ChangePasswordForm())
    forms.setdefault("delete_form", DeleteAccountForm())
    return render_template("accounts/account.html", **forms)


@bp.get("/")
@login_required
def account():
    return _page()


@bp.post("/profile")
@login_required
def update_profile():
    form = ProfileForm()
    if not form.validate():
        return _page(profile_form=form), 400
    current_user.name = form.name.data.strip()
    current_user.language = form.language.data
    db.session.commit()
    flash(_("Uw gegevens zijn opgeslagen."), "success")
    return redirect(url_for("accounts.account"))


@bp.post("/password")
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate() and not verify_password(current_user.password_hash, form.current_password.data):
        form.current_password.errors.append(_("Dit is niet uw huidige wachtwoord."))
    if form.errors:
        return _page(password_form=form), 400
    user = current_user._get_current_object()
    services.set_password(db.session, user, form.password.data)
    db.session.commit()
    login_user(user)  # stay logged in here; other sessions end with the new token
    flash(_("Uw wachtwoord is gewijzigd."), "success")
    return redirect(url_for("accounts.account"))


@bp.get("/export")
@login_required
def export_data():
    body = json.dumps(services.export_personal_data(current_user), indent=2, ensure_ascii=False)
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": "attachment; filename=mijn-gegevens.json"},
    )


@bp.post("/delete")
@login_required
def delete_account():
    form = DeleteAccountForm()
    if form.validate() and not verify_password(current_user.password_hash, form.current_password.data):
        form.current_password.errors.append(_("Dit is niet uw huidige wachtwoord."))
    if form.errors:
        return _page(delete_form=form), 400
    user = current_user._get_current_object()
    try:
        services.delete_account(db.session, user)
    except DomainError as error:
        form.current_password.errors.append(error.message)
        return _page(delete_form=form), 400
    db.session.commit()
    logout_user()
    flash(_("Uw account en persoonsgegevens zijn verwijderd."), "info")
    return redirect(url_for("main.home"))
