"""The hall search's tokenizer and query rules (expo/hall/search_rules.py), without a database:
a query matches a text exactly when every query term is among (or, as a prefix, starts) the
text's tokens, which is what FTS5 and tsvector answer."""

from __future__ import annotations

import pytest

from expo.hall.search_rules import (
    MAX_QUERY_TOKENS,
    Term,
    document_tokens,
    fts5_match,
    like_words,
    query_terms,
    tsquery,
)


def matches(query: str, *texts: str) -> bool:
    """What the databases answer, computed from the tokens."""
    tokens = document_tokens(texts)
    terms = query_terms(query)
    return bool(terms) and all(
        any(t.startswith(term.token) if term.prefix else t == term.token for t in tokens)
        for term in terms
    )


def test_han_runs_are_indexed_as_bigrams_and_their_last_character():
    assert document_tokens(["全国一体化算力网络"]) == [
        *["全国", "国一", "一体", "体化", "化算", "算力", "力网", "网络"],
        "络",
    ]


def test_latin_words_are_lowercased_nfkc_and_without_accents():
    assert document_tokens(["Secure ＣＬＯＵＤ Café 5G网络"]) == [
        *["secure", "cloud", "cafe", "5g"],
        *["网络", "络"],
    ]


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("算力", True),  # two characters inside a longer run
        ("算力网络", True),
        ("一体化算力", True),
        ("算", True),  # one character: a prefix of a bigram
        ("络", True),  # one character that only ends the run
        ("力算", False),  # the same characters, not in this order
        ("算网", False),
        ("secu", True),  # a Latin word is a prefix
        ("SECURE", True),
        ("ecure", False),  # not inside a word
        ("cafe", True),
        ("café", True),
        ("5g", True),
        ("cloud 算力", True),  # every term
        ("cloud 存储", False),
    ],
)
def test_queries_find_what_a_person_would_expect(query: str, found: bool):
    assert matches(query, "全国一体化算力网络", "Secure Cloud café 5G") is found


def test_a_query_without_letters_or_digits_has_no_terms():
    assert query_terms(" !!! ，。 ") == []


def test_terms_are_deduplicated_and_bounded():
    assert query_terms("算力 算力 cloud cloud") == [
        Term("算力", prefix=False),
        Term("cloud", prefix=True),
    ]
    assert len(query_terms(" ".join(f"w{i}" for i in range(40)))) == MAX_QUERY_TOKENS


def test_match_strings_quote_every_term_and_hold_no_operator_of_the_user():
    # Quotes, operators and parentheses are not letters: they never reach the match string.
    terms = query_terms("算力\" OR x* NEAR(a) '; DROP")
    assert fts5_match(terms) == '"算力" AND "or"* AND "x"* AND "near"* AND "a"* AND "drop"*'
    assert tsquery(terms) == "'算力' & 'or':* & 'x':* & 'near':* & 'a':* & 'drop':*"


def test_the_like_baseline_splits_on_spaces():
    assert like_words(" Cloud  算力 ") == ["cloud", "算力"]
