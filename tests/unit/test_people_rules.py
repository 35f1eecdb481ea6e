"""The rules of people and invitations, without a server: roles, the last organiser, invitation
states and the rows of a bulk paste."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from expo.account_rules import check_assignment, check_keeps_an_organiser, like_pattern
from expo.errors import BadRequest, Conflict
from expo.invitation_rules import MAX_ROWS, check_rows, read_rows, state_of
from expo.models import Role

NOW = datetime(2026, 5, 26, 9, tzinfo=UTC)


def test_only_exhibitor_staff_name_an_exhibitor():
    check_assignment(Role.EXHIBITOR, 3)
    check_assignment(Role.SPEAKER, None)
    for role, exhibitor in ((Role.EXHIBITOR, None), (Role.MODERATOR, 3)):
        with pytest.raises(BadRequest) as refused:
            check_assignment(role, exhibitor)
        assert refused.value.code == "account.exhibitor"


def test_the_last_organiser_stays():
    check_keeps_an_organiser(was_organiser=True, stays=False, other_organisers=1)
    check_keeps_an_organiser(was_organiser=False, stays=False, other_organisers=0)
    check_keeps_an_organiser(was_organiser=True, stays=True, other_organisers=0)
    with pytest.raises(Conflict) as refused:
        check_keeps_an_organiser(was_organiser=True, stays=False, other_organisers=0)
    assert refused.value.code == "account.last_organiser"


def test_a_search_takes_wildcards_literally():
    assert like_pattern("50%_a\\b") == "%50\\%\\_a\\\\b%"


@pytest.mark.parametrize(
    ("accepted", "revoked", "expires", "state"),
    [
        (None, None, NOW + timedelta(days=1), "pending"),
        (None, None, NOW, "expired"),
        (NOW, None, NOW - timedelta(days=1), "accepted"),
        (None, NOW, NOW + timedelta(days=1), "revoked"),
        (NOW, NOW, NOW + timedelta(days=1), "accepted"),
    ],
)
def test_an_invitation_has_one_state(accepted, revoked, expires, state):
    assert state_of(accepted_at=accepted, revoked_at=revoked, expires_at=expires, now=NOW) == state


def checked(text: str, **known):
    rows = read_rows(text)
    return check_rows(
        rows,
        exhibitors=known.get("exhibitors", {"3": 3, "黔算云": 3, "qiansuan cloud": 3}),
        with_account=known.get("with_account", set()),
        invited=known.get("invited", set()),
    )


def test_rows_read_with_or_without_a_header_and_say_what_is_wrong():
    rows = checked(
        "Email,Role,Exhibitor\n"
        "\n"
        " Li@Example.cn ,Speaker,\n"
        "wang@example.cn,参展商,QianSuan Cloud,王工,EN\n"
        "li@example.cn,moderator,\n"
        "bad,speaker,\n"
        "zhao@example.cn,attendee,\n"
        "he@example.cn,speaker,3\n"
        "xu@example.cn,speaker,,,,extra\n",
    )
    assert [(r.line, r.errors) for r in rows] == [
        (3, []),
        (4, []),
        (5, ["invitation.duplicate"]),
        (6, ["invitation.bad_email"]),
        (7, ["invitation.bad_role"]),
        (8, ["invitation.exhibitor"]),
        (9, ["invitation.extra_columns"]),
    ]
    assert (rows[0].email, rows[0].role_value) == ("li@example.cn", Role.SPEAKER)
    assert (rows[1].exhibitor_id, rows[1].display_name, rows[1].language) == (3, "王工", "en")


def test_known_people_are_not_invited_again():
    rows = checked(
        "a@example.cn,speaker,\nb@example.cn,speaker,\n",
        with_account={"a@example.cn"},
        invited={"b@example.cn"},
    )
    assert [r.errors for r in rows] == [["invitation.has_account"], ["invitation.already_invited"]]


def test_controls_in_a_paste_are_dropped():
    [row] = checked("a@example.cn,speaker,,\u202eevil\u202c name\n")
    assert row.display_name == "evil name"


def test_a_paste_is_bounded_and_not_empty():
    with pytest.raises(BadRequest) as too_many:
        read_rows("".join(f"p{n}@example.cn,speaker,\n" for n in range(MAX_ROWS + 1)))
    with pytest.raises(BadRequest) as empty:
        read_rows(" \n\n")
    assert (too_many.value.code, empty.value.code) == (
        "invitation.too_many_rows",
        "invitation.no_rows",
    )
    assert len(read_rows("".join(f"p{n}@example.cn,speaker,\n" for n in range(MAX_ROWS)))) == 500
