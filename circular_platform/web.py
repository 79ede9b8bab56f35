"""Binds extensions, blueprints, security headers, error pages and CLI commands to the app."""

from __future__ import annotations

from flask import Flask, request
from flask_babel import get_locale
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

from circular_platform import (
    api,
    arguments,
    cli,
    errors,
    formats,
    matches,
    notifications,
    permissions,
    search,
    taxonomy,
)
from circular_platform.db import db
from circular_platform.extensions import babel, bootstrap, csrf, limiter, login_manager
from circular_platform.history import FIELD_LABELS
from circular_platform.i18n import lazy_gettext as _l
from circular_platform.i18n import select_locale, template_translations
from circular_platform.markdown import plain_text, shorten
from circular_platform.materials import forms as material_forms
from circular_platform.materials import services as material_services
from circular_platform.models import Maturity, OrganisationKind, QuestionStatus, SolutionStatus
from circular_platform.urls import public_url

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)


def init_app(app: Flask) -> None:
    _trust_proxies(app)
    db.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    bootstrap.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    arguments.init_app(app)
    _init_login(app)
    _register_blueprints(app)
    api.init_app(app)
    search.init_app(app)
    matches.init_app(app)
    notifications.init_app(app)
    app.after_request(_security_headers)
    errors.init_app(app)
    app.context_processor(_template_globals)
    app.add_template_filter(plain_text, "plain_text")  # mails only; pages show the stored summary
    app.add_template_filter(shorten, "shorten")
    app.add_template_filter(formats.format_number, "number")
    app.add_template_filter(formats.format_share, "share")
    app.add_template_filter(formats.format_factor, "factor")
    app.add_template_filter(formats.display_month, "month")
    app.add_template_filter(formats.display_month_name, "month_name")
    app.add_template_global(public_url, "public_url")
    app.add_template_filter(formats.display_age, "age")
    app.add_template_global(material_services.eural_description, "eural_description")
    app.add_template_global(material_services.quantity_text, "material_quantity")
    app.add_template_global(material_forms.pad_lines, "pad_lines")
    cli.init_app(app)


def _trust_proxies(app: Flask) -> None:
    """Behind ``TRUSTED_PROXIES`` reverse proxies, take the client's address and scheme from them.

    Without this the rate limit counts every visitor as the proxy, and HSTS and https links are lost.
    Each proxy must set X-Forwarded-For and X-Forwarded-Proto; the Host header is passed on as is.
    """
    proxies = app.config["TRUSTED_PROXIES"]
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]


def _init_login(app: Flask) -> None:
    from circular_platform.accounts.services import user_by_session_token

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Log in om deze pagina te bekijken.")
    login_manager.login_message_category = "info"
    login_manager.user_loader(lambda token: user_by_session_token(db.session, token))


def _register_blueprints(app: Flask) -> None:
    from circular_platform.accounts.views import bp as accounts_bp
    from circular_platform.admin.views import bp as admin_bp
    from circular_platform.auth.views import bp as auth_bp
    from circular_platform.demand.views import bp as demand_bp
    from circular_platform.impact.views import bp as impact_bp
    from circular_platform.main.views import bp as main_bp
    from circular_platform.map.views import bp as map_bp
    from circular_platform.matches.views import bp as matches_bp
    from circular_platform.notifications.views import bp as notifications_bp
    from circular_platform.organisations.views import bp as organisations_bp
    from circular_platform.passports.views import bp as passports_bp
    from circular_platform.questions.views import bp as questions_bp
    from circular_platform.redirects import bp as redirects_bp
    from circular_platform.review.views import bp as review_bp
    from circular_platform.search.views import bp as search_bp
    from circular_platform.solutions.views import bp as solutions_bp
    from circular_platform.supply.views import bp as supply_bp
    from circular_platform.transfer.views import bp as transfer_bp

    blueprints = [main_bp, auth_bp, accounts_bp, organisations_bp, admin_bp, questions_bp, solutions_bp]
    blueprints += [
        transfer_bp,
        matches_bp,
        search_bp,
        demand_bp,
        review_bp,
        redirects_bp,
        notifications_bp,
        map_bp,
        passports_bp,
        impact_bp,
        supply_bp,
    ]
    for blueprint in blueprints:
        app.register_blueprint(blueprint)


def _security_headers(response):
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response


def _template_globals() -> dict:
    return {
        "can": permissions.RULES,
        "current_user": current_user,
        "current_locale": str(get_locale()),
        "taxonomy": taxonomy,
        # the enum vocabularies the list filters offer; each member carries its label
        "Maturity": Maturity,
        "OrganisationKind": OrganisationKind,
        "QuestionStatus": QuestionStatus,
        "SolutionStatus": SolutionStatus,
        "history_labels": FIELD_LABELS,
        **template_translations(),
    }
