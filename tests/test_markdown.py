from circular_platform.markdown import plain_text, render_markdown


def test_list_right_under_a_sentence_becomes_a_list():
    html = render_markdown("We zoeken:\n- kozijnen\n- isolatie")
    assert "<ul>" in html
    assert "<li>kozijnen</li>" in html


def test_dangerous_html_and_links_are_removed():
    html = render_markdown('<img src=x onerror=alert(1)> [klik](javascript:alert(1)) <iframe src="x">')
    assert "onerror" not in html
    assert "javascript:" not in html
    assert "<iframe" not in html


def test_plain_text_cuts_at_a_word():
    assert plain_text("**Hennep** isolatie voor woningen", limit=18) == "Hennep isolatie …"
