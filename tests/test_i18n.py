from __future__ import annotations

from flask import render_template_string
from flask_babel import force_locale

from circular_platform.models import SolutionStatus


def test_dutch_is_the_default(client):
    response = client.get("/")
    assert '<html lang="nl">' in response.text
    assert "Meld uw organisatie aan" in response.text


def test_switch_to_english(client):
    response = client.post("/language?next=/", data={"language": "en"}, follow_redirects=True)
    assert '<html lang="en">' in response.text
    assert "Register your organisation" in response.text


def test_browser_language_english(client):
    response = client.get("/login", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert "Forgot your password?" in response.text


def test_unknown_language_is_refused(client):
    assert client.post("/language", data={"language": "fr"}).status_code == 400


def test_the_login_prompt_speaks_the_readers_language(client):
    page = client.get("/dashboard", follow_redirects=True).text
    assert "Log in om deze pagina te bekijken." in page
    client.post("/language", data={"language": "en"})
    assert "Please log in to see this page." in client.get("/dashboard", follow_redirects=True).text


def test_templates_follow_a_locale_forced_within_the_request(app):
    """A mail to an English reader rendered while a Dutch page is served is English, and the
    page's own strings stay Dutch before and after it."""
    template = app.jinja_env.from_string("{{ _('Reden') }}")
    with app.test_request_context("/", headers={"Accept-Language": "nl"}):
        assert template.render() == "Reden"
        with force_locale("en"):
            assert template.render() == "Reason"
        assert template.render() == "Reden"


def test_pages_translate_with_the_catalogue_of_the_moment_and_escape_what_is_put_in(app):
    """Pages bind the translations to the request's catalogue (i18n.template_translations): they
    still follow a forced locale, escape the values put into a sentence, and read ``%%`` as ``%``."""
    sentence = "{{ _('Reden') }} | {{ _('Zoekresultaten voor %(query)s', query=query) }} | {{ _('100%%') }}"
    plural = "{{ ngettext('%(num)d vraag gevonden', '%(num)d vragen gevonden', 2) }}"
    named = (
        "{{ ngettext('%(num)s vraag', '%(num)s vragen', 2500, num='2.500') }} {{ _('%(string)s', string=1) }}"
    )
    with app.test_request_context("/", headers={"Accept-Language": "nl"}):
        page = render_template_string(sentence, query="<b>hout</b>")
        assert page == "Reden | Zoekresultaten voor &lt;b&gt;hout&lt;/b&gt; | 100%"
        assert render_template_string(plural) == "2 vragen gevonden"
        assert render_template_string(named) == "2.500 vragen 1"  # values may be called num or string
        with force_locale("en"):
            assert render_template_string(sentence, query="<b>wood</b>").startswith("Reason | ")
            assert render_template_string(plural) == "2 questions found"


def test_labels_follow_a_locale_forced_within_the_request(app):
    """Lazy labels (statuses, themes) are translated when shown, in the locale of that moment;
    outside a request (a CLI command) they are the Dutch source."""
    label = SolutionStatus.ACTIVE.label
    assert str(label) == "Actief"
    with app.test_request_context("/", headers={"Accept-Language": "nl"}):
        assert str(label) == "Actief"
        with force_locale("en"):
            assert str(label) == "Active"
        assert str(label) == "Actief"
