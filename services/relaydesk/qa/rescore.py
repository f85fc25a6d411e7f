"""Replay: rebuild transcripts from the conversation topics read from their beginning and score them again
(after a rubric change), as `qa.scored` events with closed_by `rescore`. Reads only; the reply path is not
touched. Ids derive from each transcript's last event and the rubric version, so a second run is a no-op for
readers that dedupe."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from relaydesk.events import Envelope, QaScored, TenantConfig
from relaydesk.qa import core
from relaydesk.qa.rubric import Rubric
from relaydesk.qa.transcript import Transcript, apply_event, new_transcript

REPLAY_TOPICS_DOC = "turns.context, replies, handoffs, compliance.audit"


def fold(events: Iterable[Envelope], max_items: int = 200) -> dict[tuple[str, str], Transcript]:
    """Transcripts by (tenant, conversation); an event's own time stands for when it was seen."""
    transcripts: dict[tuple[str, str], Transcript] = {}
    for event in events:
        if not event.conversation_id:
            continue
        key = (event.tenant_id, event.conversation_id)
        t = transcripts.get(key) or new_transcript(event)
        if apply_event(t, event, event.occurred_at.timestamp(), max_items):
            transcripts[key] = t
    return transcripts


def rescore(
    transcripts: dict[tuple[str, str], Transcript],
    deps: core.QaDeps,
    since: datetime | None = None,
    rubric: Rubric | None = None,
    tenant: str | None = None,
    on_scored: Callable[[QaScored], None] | None = None,
) -> list[QaScored]:
    out: list[QaScored] = []
    for (tenant_id, _cid), t in sorted(transcripts.items()):
        if tenant is not None and tenant_id != tenant:
            continue
        if since is not None and float(t["last_seen"]) < since.timestamp():
            continue
        if not t["items"]:
            continue
        scored = core.score_transcript(t, deps, "rescore", str(t["last_event_id"]), rubric)
        out.append(scored)
        if on_scored is not None:
            on_scored(scored)
    return out


def apply_configs(configs: Iterable[TenantConfig], deps: core.QaDeps) -> None:
    latest: dict[str, TenantConfig] = {}
    for config in configs:
        if config.tenant_id not in latest or config.revision >= latest[config.tenant_id].revision:
            latest[config.tenant_id] = config
    for config in latest.values():
        core.apply_tenant_config(config, deps)
