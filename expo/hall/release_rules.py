"""The rules of releases, with no I/O: which move a release may make from which state, for whom,
and what a release's texts may be.

    draft ──submit──▶ pending ──approve──▶ published ──withdraw──▶ withdrawn
      │   (approval     │  └──reject──▶ rejected                      │
      │    required)    └──withdraw──▶ withdrawn                      │
      └──submit (no approval required) / publish (organisers)──▶ published
    rejected, withdrawn ──edit──▶ draft (staff)   ──submit / publish──▶ as from draft

Staff of the release's exhibitor write, submit and withdraw their own; organisers do all of it
to any release, and approve, reject (with a reason) and publish directly. A staff member's edit
of a pending, rejected or withdrawn release makes it a draft again (it is submitted anew); an
organiser's edit leaves the state as it is (a published release changes in place).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from expo.errors import BadRequest, Conflict, Forbidden
from expo.hall.models import ReleaseKind, ReleaseState
from expo.text_rules import too_long, without_controls

S = ReleaseState

MAX_TITLE_ZH = 60
MAX_TITLE_EN = 160
MAX_SUMMARY_ZH = 200
MAX_SUMMARY_EN = 500
MAX_BODY_ZH = 10_000
MAX_BODY_EN = 20_000
MAX_REASON = 300
MAX_IMAGES = 8
MAX_DOCUMENTS = 8
REQUIRE_APPROVAL = "require_release_approval"
KINDS = frozenset(ReleaseKind)


class Move(StrEnum):
    EDIT = "edit"
    SUBMIT = "submit"
    APPROVE = "approve"
    REJECT = "reject"
    PUBLISH = "publish"
    WITHDRAW = "withdraw"


# Moves only organisers make.
ORGANISER_MOVES = frozenset({Move.APPROVE, Move.REJECT, Move.PUBLISH})

# From which states each move may start.
FROM: dict[Move, frozenset[ReleaseState]] = {
    Move.EDIT: frozenset(S),
    Move.SUBMIT: frozenset({S.DRAFT, S.REJECTED, S.WITHDRAWN}),
    Move.APPROVE: frozenset({S.PENDING}),
    Move.REJECT: frozenset({S.PENDING}),
    Move.PUBLISH: frozenset({S.DRAFT, S.PENDING, S.REJECTED, S.WITHDRAWN}),
    Move.WITHDRAW: frozenset({S.PENDING, S.PUBLISHED}),
}


@dataclass(frozen=True, slots=True)
class Decision:
    state: ReleaseState
    announce: str | None  # "release.published" / "release.withdrawn" on the hall, or None
    keep_reason: bool  # the rejection reason stays shown (it is cleared once submitted anew)


def decide(state: str, move: Move, *, organiser: bool, approval_required: bool) -> Decision:
    """The state after `move`, or the refusal (`release.not_allowed`, `release.bad_state`).

    Who may touch this release at all (its exhibitor's staff, organisers) is the permission
    table's object rule; this decides what they may do to it in its state."""
    current = ReleaseState(state)
    if move in ORGANISER_MOVES and not organiser:
        raise Forbidden("release.organisers_only", f"Only organisers may {move} a release.")
    if current not in FROM[move]:
        raise Conflict("release.bad_state", f"A {current} release cannot be {move}ed.")
    if move is Move.EDIT:
        if current is S.PUBLISHED and not organiser:
            raise Conflict(
                "release.bad_state",
                "A published release is changed by organisers; withdraw it to rewrite it.",
            )
        if organiser or current is S.DRAFT:
            return Decision(current, _live(current), keep_reason=True)
        return Decision(S.DRAFT, _down(current), keep_reason=current is S.REJECTED)
    if move is Move.SUBMIT:
        if approval_required and not organiser:
            return Decision(S.PENDING, None, keep_reason=False)
        return Decision(S.PUBLISHED, "release.published", keep_reason=False)
    if move in (Move.APPROVE, Move.PUBLISH):
        return Decision(S.PUBLISHED, "release.published", keep_reason=False)
    if move is Move.REJECT:
        return Decision(S.REJECTED, None, keep_reason=True)
    # Withdraw: a published one disappears from every feed at once.
    return Decision(S.WITHDRAWN, _down(current), keep_reason=False)


def _live(state: ReleaseState) -> str | None:
    """An edit of a published release is announced again, with its new version."""
    return "release.published" if state is S.PUBLISHED else None


def _down(state: ReleaseState) -> str | None:
    return "release.withdrawn" if state is S.PUBLISHED else None


def clean_text(
    text: str, limit: int, field: str, *, lines: bool = False, required: bool = False
) -> str:
    """Controls dropped (newlines kept in bodies), spaces trimmed, length checked in what
    people see; paragraphs of a body are kept, runs of blank lines become one."""
    cleaned = without_controls(text.replace("\r\n", "\n"), keep="\n" if lines else "", blank=" ")
    if lines:
        paragraphs = [" ".join(p.split()) for p in cleaned.split("\n")]
        out: list[str] = []
        for p in paragraphs:
            if p or (out and out[-1]):
                out.append(p)
        cleaned = "\n".join(out).strip("\n")
    else:
        cleaned = " ".join(cleaned.split())
    if required and not cleaned:
        raise BadRequest("release.empty", f"`{field}` is required.", details=_field(field, "empty"))
    if too_long(cleaned, limit, stored=limit * 2):
        raise BadRequest(
            "release.too_long",
            f"`{field}` is limited to {limit} characters.",
            details=_field(field, "too_long"),
        )
    return cleaned


def _field(field: str, reason: str) -> list[dict[str, str]]:
    return [{"field": field, "reason": reason}]


def paragraphs(body: str) -> list[str]:
    """A body as the page shows it: one paragraph per line, blank lines dropped."""
    return [p for p in body.split("\n") if p.strip()]


def clean_ids(ids: list[int], limit: int, field: str) -> list[int]:
    """Upload ids in order, each once."""
    seen: list[int] = []
    for i in ids:
        if i not in seen:
            seen.append(i)
    if len(seen) > limit:
        raise BadRequest(
            "release.too_many", f"At most {limit} {field}.", details=_field(field, "too_many")
        )
    return seen
