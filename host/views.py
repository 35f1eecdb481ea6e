"""How the host's answers are shown: in a `host.ask` reply, on the booth's topic
(`host.answered`) and to the booth's staff. Shared by live.py and routes.py."""

from __future__ import annotations

from typing import Any

from host.answer import Answer
from host.models import HostAnswer, HostFaq

# Who speaks: the host, never a person (no account, no display name of anyone).
HOST_AUTHOR = {"kind": "host", "name_zh": "AI 展位助手", "name_en": "AI booth host"}
DECLINE_TEXT = {
    "zh": "抱歉，展位资料中没有找到这个问题的答案。您可以排队，由工作人员为您解答。",
    "en": "Sorry, the booth's material does not answer that. Join the queue to ask a person.",
}


def sentences_of(answer: Answer) -> list[dict[str, Any]]:
    """Each sentence with its citation (document and page for a PDF's)."""
    return [
        {
            "text": s.text,
            "citation": {
                "kind": s.citation.kind.value,
                "id": s.citation.source_id,
                "title": s.citation.title,
                "page": s.citation.page,
                "label": s.citation.label(),
            },
        }
        for s in answer.sentences
    ]


def answer_view(row: HostAnswer, lang: str) -> dict[str, Any]:
    """What visitors see of one answer: its sentences, or a decline offering the queue."""
    return {
        "id": row.id,
        "booth": row.exhibitor_id,
        "question": row.question,
        "language": row.language,
        "declined": row.declined,
        "offer_queue": row.declined,
        "sentences": row.sentences,
        "message": DECLINE_TEXT["zh" if lang == "zh" else "en"] if row.declined else None,
        "author": HOST_AUTHOR,
        "created_at": row.created_at.isoformat(),
    }


def logged_view(row: HostAnswer) -> dict[str, Any]:
    """What the booth's staff see of one answer: also why it declined, how sure it was, and
    whether they corrected it."""
    return {
        **answer_view(row, row.language),
        "reason": row.reason,
        "confidence": round(row.confidence, 3),
        "corrected_by": row.corrected_by,
        "corrected_at": row.corrected_at.isoformat() if row.corrected_at else None,
        "faq_id": row.faq_id,
    }


def faq_view(row: HostFaq) -> dict[str, Any]:
    return {
        "id": row.id,
        "booth": row.exhibitor_id,
        "question": row.question,
        "answer": row.answer,
        "language": row.language,
        "created_by": row.created_by,
        "created_at": row.created_at.isoformat(),
    }
