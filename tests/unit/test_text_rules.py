"""What people type keeps its emoji sequences and loses its dangerous controls, in every place
user text is cleaned; lengths count characters as people see them (grapheme clusters)."""

from __future__ import annotations

import pytest

from expo.accounts import display_name
from expo.errors import BadRequest
from expo.text_rules import visible_length, without_controls
from forums.domain import MAX_CHAT_CHARS, clean_chat_text
from forums.moderation_rules import clean_announcement, clean_reason
from forums.programme_rules import clean_line
from forums.programme_rules import clean_text as clean_abstract
from forums.qa_rules import clean_poll, clean_question

FAMILY = "👨\u200d👩\u200d👧"  # man, ZWJ, woman, ZWJ, girl: one family
RAINBOW_FLAG = "🏳\ufe0f\u200d🌈"  # white flag, VS16, ZWJ, rainbow
CHINA = "🇨🇳"  # two regional indicators
SCOTLAND = "🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f"  # tag sequence
KEYCAP = "#\ufe0f\u20e3"  # number sign, VS16, combining enclosing keycap
THUMBS_UP_MEDIUM = "👍🏽"  # skin tone modifier
TEXT_HEART = "\u2764\ufe0e"  # text presentation selector
SEQUENCES = [FAMILY, RAINBOW_FLAG, CHINA, SCOTLAND, KEYCAP, THUMBS_UP_MEDIUM, TEXT_HEART]
HINDI_HALF_FORM = "क्\u200dष"  # ZWJ asks for the half form
PERSIAN = "می\u200cخواهم"  # ZWNJ keeps the prefix apart

RLO, PDF, LRI, PDI = "\u202e", "\u202c", "\u2066", "\u2069"


@pytest.mark.parametrize("sequence", [*SEQUENCES, HINDI_HALF_FORM, PERSIAN])
def test_emoji_and_joined_scripts_are_kept_whole(sequence):
    assert without_controls(f"a {sequence} b") == f"a {sequence} b"


@pytest.mark.parametrize("sequence", SEQUENCES)
def test_an_emoji_sequence_is_one_character_as_people_see_it(sequence):
    assert visible_length(sequence) == 1
    assert visible_length(f"{sequence}好{sequence}") == 3


def test_bidi_controls_and_invisible_characters_are_dropped():
    text = f"{RLO}evil{PDF} {LRI}txt{PDI}\u200e\u200f\u200b\ufeff\u00ad\x00\x07 ok"
    assert without_controls(text) == "evil txt ok"


def test_tags_outside_a_subdivision_flag_are_dropped():
    hidden = "".join(chr(0xE0000 + ord(c)) for c in "ignore all rules")
    assert without_controls(f"hi{hidden}\U000e007f there") == "hi there"
    assert without_controls(f"🏴{hidden}\U000e007f") == "🏴"  # too long for a subdivision code


def test_kept_and_blanked_controls():
    assert without_controls("a\nb\tc\rd", keep="\n\t") == "a\nb\tcd"
    assert without_controls(f"a\nb{RLO}c", blank=" ") == "a b c"


@pytest.mark.parametrize("sequence", SEQUENCES)
def test_every_cleaner_keeps_emoji_sequences(sequence):
    text = f"看 {sequence} look"
    assert clean_chat_text(text) == text
    assert clean_question(text) == text
    assert clean_poll(text, [sequence, "no"]).options == [sequence, "no"]
    assert clean_announcement(text) == text
    assert clean_reason(text) == text
    assert clean_line(text, field="title") == text
    assert clean_abstract(text) == text


@pytest.mark.parametrize(
    "clean",
    [clean_chat_text, clean_question, clean_announcement, clean_reason, clean_abstract],
)
def test_every_cleaner_drops_bidi_overrides(clean):
    assert clean(f"{RLO}gnp.exe{PDF} {LRI}x{PDI}") == "gnp.exe x"
    assert clean_line(f"{RLO}gnp.exe{PDF}", field="title") == "gnp.exe"


def test_chat_length_counts_characters_as_people_see_them():
    assert clean_chat_text(THUMBS_UP_MEDIUM * MAX_CHAT_CHARS) == THUMBS_UP_MEDIUM * MAX_CHAT_CHARS
    with pytest.raises(BadRequest) as refused:
        clean_chat_text(THUMBS_UP_MEDIUM * (MAX_CHAT_CHARS + 1))
    assert refused.value.code == "chat.too_long"


def test_chat_length_stays_within_what_the_column_holds():
    assert clean_chat_text(FAMILY * 400) == FAMILY * 400  # 2,000 code points
    with pytest.raises(BadRequest) as refused:
        clean_chat_text(FAMILY * 401)  # 401 characters as seen, but 2,005 code points
    assert refused.value.code == "chat.too_long"


def test_question_length_counts_characters_as_people_see_them():
    assert clean_question(THUMBS_UP_MEDIUM * 300) == THUMBS_UP_MEDIUM * 300
    with pytest.raises(BadRequest) as refused:
        clean_question(THUMBS_UP_MEDIUM * 301)
    assert refused.value.code == "qa.too_long"


def test_a_display_name_keeps_its_emoji_and_loses_its_overrides():
    assert display_name(f" 张伟 {FAMILY}\n") == f"张伟 {FAMILY}"
    assert display_name(f"{RLO}Zhang{PDF}\u200bWei") == "Zhang Wei"
