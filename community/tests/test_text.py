"""What people write renders as safe HTML: links and a little markdown work, every XSS attempt is inert."""

import re

import pytest

from community.text import RENDERED_KEPT, render_body

ATTACKS = {
    "script tag": "<script>alert(1)</script>",
    "script split by markdown": "<scr**ipt**>alert(1)</script>",
    "img onerror": '<img src=x onerror="alert(1)">',
    "svg onload": "<svg/onload=alert(1)>",
    "iframe": '<iframe src="https://evil.example"></iframe>',
    "anchor with javascript": '<a href="javascript:alert(1)">x</a>',
    "bare javascript url": "javascript:alert(document.cookie)",
    "mixed case javascript url": "JaVaScRiPt:alert(1)",
    "markdown link to javascript": "[click me](javascript:alert(1))",
    "markdown link with entity": "[x](jav&#x09;ascript:alert(1))",
    "markdown autolink to javascript": "<javascript:alert(1)>",
    "markdown image with onerror": '![x](x" onerror="alert(1))',
    "markdown image of data url": "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "data url": "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "quote breaking out of a link": 'https://example.com/"onmouseover="alert(1)',
    "style attribute": '<p style="background:url(javascript:alert(1))">x</p>',
    "html comment": "<!--<script>alert(1)</script>-->",
    "code span hiding a tag": "`</code><script>alert(1)</script>`",
}

# Anything that could run: a tag that is not ours, an event handler, or a dangerous link target.
ALLOWED_TAGS = {"p", "br", "strong", "em", "code", "ul", "ol", "li", "a"}


def tags(html: str) -> set[str]:
    return {name.lower() for name in re.findall(r"<\s*/?\s*([a-zA-Z][\w-]*)", html)}


def hrefs(html: str) -> list[str]:
    return re.findall(r'<a\s[^>]*?href="([^"]*)"', html)


@pytest.mark.parametrize("text", ATTACKS.values(), ids=ATTACKS.keys())
def test_an_xss_attempt_renders_inert(text):
    html = render_body(text)

    assert tags(html) <= ALLOWED_TAGS, html
    assert not re.search(r"<[^>]*\son\w+\s*=", html, re.IGNORECASE), html  # no event handler attribute
    assert not re.search(r"<[^>]*\sstyle\s*=", html, re.IGNORECASE), html
    assert all(href.startswith(("http://", "https://", "mailto:")) for href in hrefs(html)), html


def test_raw_html_shows_as_text():
    assert render_body("<b>hi</b>") == "<p>&lt;b&gt;hi&lt;/b&gt;</p>"


def test_a_markdown_link_shows_as_typed_and_leads_nowhere():
    html = render_body("[your bank](https://evil.example)")

    assert "[your bank](" in html  # the label never hides where the link goes
    assert hrefs(html) == ["https://evil.example"]


def test_bare_links_and_addresses_become_links_that_pass_no_reputation():
    html = render_body("See https://example.com/a?b=1 or www.example.org, or write to ada@example.com")

    assert hrefs(html) == ["https://example.com/a?b=1", "http://www.example.org", "mailto:ada@example.com"]
    assert html.count('rel="nofollow ugc noopener"') == 3


def test_a_protocol_relative_address_is_not_a_link():
    assert hrefs(render_body("//evil.example/path")) == []


def test_bold_italics_code_and_line_breaks():
    html = render_body("**bold** and *italics* and `x < y`\nnext line")

    assert html == (
        "<p><strong>bold</strong> and <em>italics</em> and <code>x &lt; y</code><br>\nnext line</p>"
    )


def test_lists():
    assert render_body("- one\n- two") == "<ul>\n<li>one</li>\n<li>two</li>\n</ul>"
    assert render_body("3. three\n4. four") == '<ol start="3">\n<li>three</li>\n<li>four</li>\n</ol>'


def test_headings_quotes_and_images_stay_plain_text():
    html = render_body("# Big\n> quoted\n![alt](https://example.com/i.png)")

    assert tags(html) <= {"p", "br", "a"}
    assert "# Big" in html and "&gt; quoted" in html and "![alt](" in html


def test_an_escaped_star_stays_a_star():
    assert render_body(r"\*not italic\*") == "<p>*not italic*</p>"


def test_a_remembered_body_is_always_the_html_of_its_own_text():
    texts = ["**a**", "*a*", "**a** ", "`a`", "- a", "a\nb", "https://a.example", "**a**"]

    first = [render_body(text) for text in texts]
    again = [render_body(text) for text in reversed(texts)]

    assert first == [render_body.__wrapped__(text) for text in texts]
    assert again[::-1] == first


def test_rendered_bodies_are_remembered_within_a_bound():
    render_body.cache_clear()
    render_body("Remembered")
    render_body("Remembered")

    assert render_body.cache_info().hits == 1
    assert render_body.cache_info().maxsize == RENDERED_KEPT
