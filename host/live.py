"""The host's websocket command: a visitor asks a booth's host.

    => {"type": "host.ask", "id": "h1", "data": {"booth": 1, "text": "PUE 是多少？", "lang": "zh"}}
    <- {"type": "ok", "id": "h1", "data": {"answer": {"sentences": [...], ...}, "seq": 7}}
    <= {"type": "host.answered", "topic": "booth:1", "seq": 7, "data": {"answer": {...}}}
    <- {"type": "ok", "id": "h2", "data": {"answer": {"declined": true, "offer_queue": true, ...}}}
    <- {"type": "error", "id": "h3", "error": {"code": "host.off", ...}}

An answer is stored, then announced on the booth's topic as the host's (never a person's): the
booth's chat panel shows it beside the chat. A booth's chat messages are the hall's rows, each
written by an account, so the host does not post into them; it has its own event. A decline is
the asker's alone (it offers them the booth's queue) and is not announced.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from expo.chat_rules import CHAT_RATE, clean_chat_text
from expo.errors import Conflict, NotFound
from expo.hall.public import booth_topic, exhibitor_card, refuse_chat_sanctioned
from expo.permissions import SIGNED_IN
from expo.realtime.gateway import CommandContext, CommandSpec, Strict
from host import store
from host.answer import MAX_QUESTION_CHARS, answer
from host.indexes import indexes
from host.models import HostAnswer
from host.views import answer_view, sentences_of

HOST_ANSWERED = "host.answered"
Id = Annotated[int, Field(gt=0, lt=2**31)]


class HostAsk(Strict):
    booth: Id
    text: str = Field(max_length=4 * MAX_QUESTION_CHARS)
    lang: Literal["zh", "en"] | None = None  # the asker's page; the answer follows the question


async def host_ask(ctx: CommandContext, data: HostAsk) -> dict[str, Any]:
    who = ctx.require_principal()
    svc = ctx.services
    question = clean_chat_text(data.text)  # chat.empty, chat.too_long
    async with svc.read() as db:
        setting = await store.setting_of(db, data.booth)
        if setting is None and await exhibitor_card(db, data.booth) is None:
            raise NotFound("exhibitor.unknown", f"There is no exhibitor {data.booth}.")
    if setting is None or not setting.enabled:
        raise Conflict("host.off", "This booth's host is switched off.")
    await refuse_chat_sanctioned(svc, who, data.booth)
    await svc.hub.announcer.ready()  # a broker that is down refuses it before it is stored
    said = answer(await indexes(svc).of(svc, data.booth), question)
    async with svc.db() as db:
        row = await store.add_answer(
            db,
            HostAnswer(
                exhibitor_id=data.booth,
                account_id=who.account_id,
                question=question[:MAX_QUESTION_CHARS],
                language=said.language,
                sentences=sentences_of(said),
                declined=said.declined,
                reason=said.reason.value if said.reason else None,
                confidence=said.confidence,
            ),
        )
    view = answer_view(row, data.lang or said.language)
    seq = None
    if not row.declined:
        [event] = await svc.hub.publish_stored(
            [(booth_topic(data.booth), HOST_ANSWERED, {"answer": answer_view(row, row.language)})]
        )
        seq = event.seq if event else None
    return {"answer": view, "seq": seq}


commands = {"host.ask": CommandSpec(host_ask, HostAsk, action="host.ask", rate=CHAT_RATE)}

permissions = {"host.ask": SIGNED_IN}
