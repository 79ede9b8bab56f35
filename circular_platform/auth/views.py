from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from circular_platform.accounts import services
from circular_platform.auth import tokens
from circular_platform.auth.forms import (
    EmailForm,
    JoinOrganisationForm,
    LoginForm,
    RegisterOrganisationForm,
    ResetPasswordForm,
)
from circular_platform.db import db
from circular_platform.errors import DomainError
from circular_platform.extensions import PASSWORD_RATE, limiter
from circular_platform.mail import send_mail
from circular_platform.models import Organisation, User
from circular_platform.urls import public_url, safe_next

bp = Blueprint("auth", __name__)


def _account_data(form) -> dict:
    return {
        "email": form.email.data,
        "name": form.name.data,
        "password": form.password.data,
        "language": form.language.data,
    }


def _send_confirmation(user: User) -> None:
    """The link carries a safe ``next`` along, so an invitation ends on the page it was about."""
    target = safe_next("")
    extra = {"next": target} if target else {}
    link = public_url("auth.confirm", token=tokens.confirmation_token(user), **extra)
    send_mail(db.session, user.email, "confirm", language=user.language, user=user, link=link)


def _warn_address_owner(email: str) -> None:
    """Someone registered with a known address: tell its owner, not the person registering."""
    user = services.user_by_email(db.session, email)
    if user is None:  # the address was taken a moment ago; nobody to tell
        return
    login_link, reset_link = public_url("auth.login"), public_url("auth.reset_request")
    send_mail(
        db.session,
        user.email,
        "account_exists",
        language=user.language,
        user=user,
        login_link=login_link,
        reset_link=reset_link,
    )


@bp.get("/register")
def register():
    return render_template("auth/register.html", form=RegisterOrganisationForm())


@bp.post("/register")
@limiter.limit(PASSWORD_RATE)
def register_post():
    form = RegisterOrganisationForm()
    if not form.validate():
        return render_template("auth/register.html", form=form), 400
    organisation = form.organisation.form.organisation_data()
    try:
        user = services.register_with_organisation(db.session, _account_data(form), organisation)
    except services.AddressTaken:
        db.session.rollback()
        _warn_address_owner(form.email.data)
        db.session.commit()
        return render_template("auth/check_mail.html", email=form.email.data)
    except DomainError as error:
        (form.organisation.form.name if error.field == "name" else form.email).errors.append(error.message)
        return render_template("auth/register.html", form=form), 400
    _send_confirmation(user)
    db.session.commit()
    return render_template("auth/check_mail.html", email=user.email)


@bp.get("/register/join")
def join():
    return render_template("auth/join.html", form=JoinOrganisationForm())


@bp.post("/register/join")
@limiter.limit(PASSWORD_RATE)
def join_post():
    form = JoinOrganisationForm()
    if not form.validate():
        return render_template("auth/join.html", form=form), 400
    organisation = form.organisation
    try:
        user = services.create_user(db.session, **_account_data(form))
        services.request_membership(db.session, user, organisation, form.message.data or "")
    except services.AddressTaken:
        db.session.rollback()
        _warn_address_owner(form.email.data)
        db.session.commit()
        return render_template("auth/check_mail.html", email=form.email.data, organisation=organisation)
    except DomainError as error:
        form.email.errors.append(error.message)
        return render_template("auth/join.html", form=form), 400
    _send_confirmation(user)
    _notify_organisation_admins(organisation, user)
    db.session.commit()
    return render_template("auth/check_mail.html", email=user.email, organisation=organisation)


def _notify_organisation_admins(organisation: Organisation, applicant: User) -> None:
    link = public_url("organisations.members", organisation_id=organisation.id)
    for admin in organisation.admins:
        send_mail(
            db.session,
            admin.email,
            "join_request",
            language=admin.language,
            admin=admin,
            applicant=applicant,
            organisation=organisation,
            link=link,
        )


@bp.get("/confirm/<token>")
def confirm(token: str):
    user = tokens.user_from_confirmation_token(db.session, token)
    if user is None:
        flash(
            _("Deze bevestigingslink is ongeldig of verlopen. Log in om een nieuwe aan te vragen."), "danger"
        )
        return redirect(url_for("auth.login"))
    services.confirm_email(db.session, user)
    db.session.commit()
    flash(_("Uw e-mailadres is bevestigd. U kunt nu inloggen."), "success")
    return redirect(url_for("auth.login", next=safe_next("") or None))


@bp.get("/login")
def login():
    return render_template("auth/login.html", form=LoginForm())


@bp.post("/login")
@limiter.limit(PASSWORD_RATE)
def login_post():
    form = LoginForm()
    if not form.validate():
        return render_template("auth/login.html", form=form), 400
    user = services.authenticate(db.session, form.email.data, form.password.data)
    if user is None or not user.active:
        form.password.errors.append(_("E-mailadres of wachtwoord klopt niet."))
        return render_template("auth/login.html", form=form), 400
    if user.confirmed_at is None:
        _send_confirmation(user)
        db.session.commit()
        form.email.errors.append(_("Bevestig eerst uw e-mailadres. We hebben de link opnieuw gestuurd."))
        return render_template("auth/login.html", form=form), 400
    session.clear()  # a fresh session on login
    services.end_sessions(db.session, user)  # cookies from before this login no longer work
    login_user(user, remember=form.remember.data, duration=current_app.config["REMEMBER_COOKIE_DURATION"])
    db.session.commit()
    return redirect(safe_next(url_for("main.dashboard")))


@bp.post("/logout")
@login_required
def logout():
    """End the session on the server too: a session or "remember me" cookie copied before
    stops working. ``logout_user`` after ``session.clear`` so it can still remove the cookie."""
    services.end_sessions(db.session, current_user._get_current_object())
    db.session.commit()
    session.clear()
    logout_user()
    flash(_("U bent uitgelogd."), "info")
    return redirect(url_for("main.home"))


@bp.get("/reset")
def reset_request():
    return render_template("auth/reset_request.html", form=EmailForm())


@bp.post("/reset")
@limiter.limit(PASSWORD_RATE)
def reset_request_post():
    form = EmailForm()
    if not form.validate():
        return render_template("auth/reset_request.html", form=form), 400
    user = services.user_by_email(db.session, form.email.data)
    if user is not None and user.active:
        link = public_url("auth.reset_password", token=tokens.reset_token(user))
        send_mail(db.session, user.email, "reset_password", language=user.language, user=user, link=link)
        db.session.commit()
    # The same answer whether or not the address is known: no account discovery.
    return render_template("auth/check_mail.html", email=form.email.data, reset=True)


@bp.get("/reset/<token>")
def reset_password(token: str):
    user = tokens.user_from_reset_token(db.session, token)
    if user is None:
        return _invalid_reset_link()
    return render_template("auth/reset_password.html", form=ResetPasswordForm(user))


@bp.post("/reset/<token>")
@limiter.limit(PASSWORD_RATE)
def reset_password_post(token: str):
    user = tokens.user_from_reset_token(db.session, token)
    if user is None:
        return _invalid_reset_link()
    form = ResetPasswordForm(user)
    if not form.validate():
        return render_template("auth/reset_password.html", form=form), 400
    services.set_password(db.session, user, form.password.data)
    services.confirm_email(db.session, user)  # the reset mail proved the address
    db.session.commit()
    if current_user.is_authenticated:
        logout_user()
    flash(_("Uw wachtwoord is gewijzigd. Log in met uw nieuwe wachtwoord."), "success")
    return redirect(url_for("auth.login"))


def _invalid_reset_link():
    flash(
        _(
            "Deze link om uw wachtwoord te herstellen is ongeldig, al gebruikt of verlopen. Vraag een nieuwe aan."  # noqa: E501
        ),
        "danger",
    )
    return redirect(url_for("auth.reset_request"))
