from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from circular_platform.auth.views import safe_next
from circular_platform.db import db
from circular_platform.main import services

bp = Blueprint("main", __name__)


@bp.get("/")
def home():
    return render_template(
        "main/home.html",
        provinces=services.northern_provinces(db.session),
        organisations=services.organisations_per_province(db.session),
    )


@bp.get("/dashboard")
@login_required
def dashboard():
    return render_template("main/dashboard.html")


@bp.get("/about/themes")
def themes():
    return render_template("main/themes.html")


@bp.post("/language")
def set_language():
    language = request.form.get("language")
    if not FlaskForm().validate() or language not in current_app.config["LANGUAGES"]:
        abort(400)
    session["language"] = language
    if current_user.is_authenticated:
        current_user.language = language
        db.session.commit()
    return redirect(safe_next(url_for("main.home")))
