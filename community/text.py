"""What people write, as the community shows it: plain text, clickable links and a little markdown.

markdown-it turns the text into HTML with only the syntax listed below switched on (raw HTML
stays text), and nh3 then keeps only the tags and link schemes we allow, whatever the
markdown produced: the sanitiser, not the parser, is what makes the result safe.
"""

from functools import lru_cache

import nh3
from markdown_it import MarkdownIt

# **bold**, *italics*, `code`, a line break where the writer pressed Enter, lists, bare links
# (example.com, someone@example.com) and backslash escapes. No [labelled](links): a link shows
# where it leads.
_MARKDOWN = MarkdownIt("zero", {"linkify": True, "breaks": True, "html": False}).enable(
    ["linkify", "emphasis", "backticks", "newline", "list", "escape"]
)

# Links in what members write earn the site's reputation nothing and open no door back to the page.
LINK_REL = "nofollow ugc noopener"

_CLEANER = nh3.Cleaner(
    tags={"p", "br", "strong", "em", "code", "ul", "ol", "li", "a"},
    attributes={"a": {"href"}, "ol": {"start"}},
    # Only whole addresses on the web or for email: no javascript:, data:, or relative paths.
    url_schemes={"http", "https", "mailto"},
    url_relative="deny",
    link_rel=LINK_REL,
    strip_comments=True,
)


# Bodies rendered lately, by their text: a page of posts shows the same bodies request after request.
# The HTML depends on the text alone, so a body is never shown from another text's HTML.
RENDERED_KEPT = 1024


@lru_cache(maxsize=RENDERED_KEPT)
def render_body(text: str) -> str:
    """Safe HTML for a post's, a comment's or a message's text."""
    return _CLEANER.clean(_MARKDOWN.render(text)).strip()
