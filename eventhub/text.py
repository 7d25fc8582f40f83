"""Text as search compares it: folded alike for the stored column and the typed words."""

import re
import unicodedata

WORD = re.compile(r"\w+")


def search_fold(text: str) -> str:
    """The spelling search compares: lower case without accents, so "CAFÉ", "Café" and "cafe" agree.

    NFKD splits accented letters into letter and mark (and compatibility letters
    into plain ones), upper then casefold joins the letters that lowercasing alone
    keeps apart (sharp s and "ss", dotless i and i), and the marks go. The stored
    column and the typed words are folded here alike, so SQLite and PostgreSQL
    compare the same strings and give the same answers.
    """
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).upper().casefold())
    return "".join(char for char in folded if not unicodedata.combining(char))


def search_words(text: str) -> list[str]:
    """The folded words of ``text``, punctuation left out: what search stores and what it looks for."""
    return WORD.findall(search_fold(text))
