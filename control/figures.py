"""The figures of one second, composed from what was gathered (no I/O here): every room's air,
stream health, audience, programme standing and activity; the hall; the processes; the alerts.
The shape is the `control.figures` event's data (docs/control.md, docs/protocol.md)."""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from control.config import ControlConfig
from control.reports import Report
from control.rules import (
    Lateness,
    ProcessSeen,
    QueueFacts,
    Sample,
    Scheduled,
    StageAir,
    StageFacts,
    alerts,
    bitrate_alert,
    lateness,
    per_minute,
    silent_processes,
)
from control.store import Booth, Room, Session
from expo.industries import industry_label
from matchmaking.control_figures import QueueTotals
from streams.public import RoomAir, StreamStat

SAMPLES_KEPT = 90.0  # seconds of bitrate readings kept per room
MODERATION_SPAN = 600  # "recently", for mutes and bans: the last ten minutes


@dataclass
class Memory:
    """What the aggregating process remembers between two seconds (a new aggregator starts
    afresh: bitrate baselines build up again within a minute)."""

    samples: dict[int, deque[Sample]] = field(default_factory=dict)
    raised: dict[str, str] = field(default_factory=dict)  # alert id -> when first raised (ISO)

    def sample(self, forum: int, at: float, kbps: float | None) -> list[Sample]:
        kept = self.samples.setdefault(forum, deque())
        kept.append(Sample(at, kbps))
        while kept and kept[0].at < at - SAMPLES_KEPT:
            kept.popleft()
        return list(kept)

    def forget_samples(self, forum: int) -> None:
        self.samples.pop(forum, None)


@dataclass(frozen=True, slots=True)
class Facts:
    now: datetime
    mono: float  # the aggregator's monotonic clock, for bitrate samples
    rooms: Sequence[Room]
    airs: Mapping[int, RoomAir]
    sessions: Mapping[int, Sequence[Session]]
    open_polls: Mapping[int, int]
    stat: Mapping[str, StreamStat] | None  # None: nginx's statistics could not be read
    viewers: Mapping[int, int]
    peaks: Mapping[int, int]
    reports: Sequence[Report]
    booths: Sequence[Booth]
    visitors: Mapping[int, int]  # booth -> visitors now
    staff: Mapping[int, int]  # booth -> staff online
    queues: QueueTotals
    meetings_now: int
    leader: str


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at else None


def _session(session: Session | None) -> dict[str, Any] | None:
    if session is None:
        return None
    return {
        "id": session.id,
        "title": {"zh": session.title_zh, "en": session.title_en},
        "starts_at": session.starts_at.isoformat(),
        "ends_at": session.ends_at.isoformat(),
    }


def compose(facts: Facts, memory: Memory, cfg: ControlConfig) -> dict[str, Any]:
    counts = [r.data.get("counts") or {} for r in facts.reports]
    stages: list[dict[str, Any]] = []
    stage_facts: list[StageFacts] = []
    for room in facts.rooms:
        air = facts.airs.get(room.id)
        sessions = facts.sessions.get(room.id, [])
        by_id = {s.id: s for s in sessions}
        stage_air = StageAir(
            air.state if air else "offline",
            air.since if air else None,
            air.interrupted_since if air else None,
            external=air.external if air else False,
        )
        standing: Lateness = lateness(
            [Scheduled(s.id, s.starts_at, s.ends_at) for s in sessions], stage_air, facts.now
        )
        # An external URL wins over the ingest: its health is not the ingest's to judge.
        on_air = air.on_air_name if air and not air.external else None
        stat = facts.stat.get(on_air) if on_air and facts.stat is not None else None
        bitrate = None
        if on_air and facts.stat is not None:
            samples = memory.sample(room.id, facts.mono, stat.kbps if stat else None)
            bitrate = bitrate_alert(samples, facts.mono, ratio=cfg.limits.bitrate_ratio)
        elif not on_air:
            memory.forget_samples(room.id)
        key = str(room.id)
        deletions = per_minute(counts, "chat_delete", key)
        sanctions = per_minute(counts, "mute", key, MODERATION_SPAN) + per_minute(
            counts, "ban", key, MODERATION_SPAN
        )
        stage_facts.append(StageFacts(room.id, standing, bitrate, deletions, sanctions))
        stages.append(
            {
                "forum": room.id,
                "slug": room.slug,
                "kind": room.kind,
                "title": {"zh": room.title_zh, "en": room.title_en},
                "state": stage_air.state,
                "since": _iso(stage_air.since),
                "interrupted_since": _iso(stage_air.interrupted_since),
                "publisher": air.publisher if air else None,
                "external": stage_air.external,
                "version": air.version if air else 0,
                "kbps": round(stat.kbps) if stat else None,
                "fps": round(stat.fps, 1) if stat and stat.fps is not None else None,
                "width": stat.width if stat else None,
                "height": stat.height if stat else None,
                "viewers": facts.viewers.get(room.id, 0),
                "peak": max(facts.peaks.get(room.id, 0), facts.viewers.get(room.id, 0)),
                "status": standing.status.value,
                "status_seconds": int(standing.by.total_seconds()) if standing.by else None,
                "session": _session(by_id.get(standing.session.id) if standing.session else None),
                "next": _session(by_id.get(standing.next.id) if standing.next else None),
                "chat_per_min": per_minute(counts, "chat", key),
                "questions_per_min": per_minute(counts, "question", key),
                "reactions_per_min": per_minute(counts, "reaction", key),
                "deletions_per_min": deletions,
                "sanctions_recent": sanctions,
                "open_polls": facts.open_polls.get(room.id, 0),
            }
        )
    seen = [ProcessSeen(r.process, r.age) for r in facts.reports]
    silent = silent_processes(seen, stale_after=cfg.process_stale, forget_after=cfg.process_forget)
    queue_facts = [
        QueueFacts(q.exhibitor_id, max(facts.now - q.waiting_since, timedelta(0)))
        for q in facts.queues.longest
    ]
    stat_unreachable = facts.stat is None and any(
        a.state == "live" and not a.external for a in facts.airs.values()
    )
    raised = alerts(
        stage_facts, queue_facts, silent, limits=cfg.limits, stat_unreachable=stat_unreachable
    )
    now_iso = facts.now.isoformat()
    memory.raised = {a.id: memory.raised.get(a.id, now_iso) for a in raised}
    return {
        "at": now_iso,
        "stages": stages,
        "hall": _hall(facts, queue_facts),
        "processes": [
            {
                "id": r.process,
                "sockets": int(r.data.get("sockets") or 0),
                "age": round(r.age, 1),
                "silent": r.age > cfg.process_stale,
                "leader": r.process == facts.leader,
            }
            for r in facts.reports
        ],
        "alerts": [a.view() | {"since": memory.raised[a.id]} for a in raised],
        "stat_ok": facts.stat is not None,
    }


def _hall(facts: Facts, queue_facts: Sequence[QueueFacts]) -> dict[str, Any]:
    names = {b.id: b for b in facts.booths}
    sections: dict[str, dict[str, Any]] = {}
    for booth in facts.booths:
        section = sections.get(booth.industry)
        if section is None:
            section = sections[booth.industry] = {
                "industry": booth.industry,
                "label": industry_label(booth.industry),
                "booths": 0,
                "staffed": 0,
                "visitors": 0,
            }
        section["booths"] += 1
        section["staffed"] += 1 if facts.staff.get(booth.id, 0) else 0
        section["visitors"] += facts.visitors.get(booth.id, 0)
    waits = {q.exhibitor: q.wait for q in queue_facts}
    return {
        "booths": len(facts.booths),
        "staffed": sum(1 for b in facts.booths if facts.staff.get(b.id, 0)),
        "staff_online": sum(facts.staff.get(b.id, 0) for b in facts.booths),
        "visitors": sum(facts.visitors.get(b.id, 0) for b in facts.booths),
        "meetings_now": facts.meetings_now,
        "queue_people": facts.queues.people,
        "queues": facts.queues.queues,
        "sections": sorted(sections.values(), key=lambda s: (-s["visitors"], s["industry"])),
        "longest_queues": [
            {
                "exhibitor": q.exhibitor_id,
                "name": {
                    "zh": names[q.exhibitor_id].name_zh if q.exhibitor_id in names else "",
                    "en": names[q.exhibitor_id].name_en if q.exhibitor_id in names else "",
                },
                "length": q.length,
                "wait_seconds": int(waits[q.exhibitor_id].total_seconds()),
                "state": q.state,
            }
            for q in facts.queues.longest
        ],
    }
