"""Intent and emotion in one process (`relaydesk worker nlu`): turns.guarded -> intent core -> emotion core
-> turns.emotion, one consumer and one hop fewer than two workers.

The two stages already share one turn vector (intent publishes it, emotion reuses it), so one process with one
embedder does the same work with one poller, one embedder in memory and no turns.intent hop in between. The
cores stay separate (each its own module, its own deps); only this adapter chains them. The emotion trend
table has the emotion worker's name but this app's changelog: trends do not carry over a switch of layout.
`relaydesk up` runs this instead of the intent and emotion workers when RELAYDESK_STACK_COMBINED_NLU=1.

`relaydesk worker guard-nlu` (`build_app(guard=True)`) puts the guard core in front as well: turns.raw -> guard
-> intent -> emotion -> turns.emotion, with the guard's audit, consent and raw-archive outputs routed as its own
worker routes them. That is one more hop fewer (turns.guarded) and one process fewer; the local stack runs it
unless RELAYDESK_STACK_GUARD_IN_NLU=0. Event ids are the same in every layout: each core derives them from its
input, which is the same event whether it came over a topic or from the core before it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import faust

from relaydesk.common.settings import KafkaSettings
from relaydesk.common.stage import Stage, install_stage
from relaydesk.common.tables import BufferedTable
from relaydesk.common.topics import Topics
from relaydesk.common.worker import build_worker, route_by_type, splice
from relaydesk.emotion import core as emotion_core
from relaydesk.emotion.app import TableTrendStore
from relaydesk.emotion.bootstrap import build_deps as build_emotion_deps
from relaydesk.emotion.config import EmotionSettings
from relaydesk.events import ConversationTurn, Envelope, TurnAnnotated
from relaydesk.guard.app import GuardAdapter
from relaydesk.intent import core as intent_core
from relaydesk.intent.bootstrap import build_deps as build_intent_deps
from relaydesk.intent.config import IntentSettings


def chain(events: Sequence[Envelope], first: Any, second: Any) -> list[list[Envelope]]:
    """`first(events)` then `second` over the annotated turns it returned; one output list per input, in order.
    Anything `first` emits that is not a turn passes through as it is."""
    firsts = first(events)
    turns = [out for outs in firsts for out in outs if isinstance(out, TurnAnnotated)]
    return splice(firsts, TurnAnnotated, iter(second(turns)) if turns else iter(()))


def build_app(kafka: KafkaSettings | None = None, *, guard: bool = False) -> faust.App:
    """The NLU worker; with `guard`, the guard-nlu worker (the guard core first, on turns.raw)."""
    kafka_settings = kafka or KafkaSettings()
    intent_settings = IntentSettings()
    emotion_settings = EmotionSettings()
    intent_deps = build_intent_deps(intent_settings)
    front = GuardAdapter(kafka_settings) if guard else None
    name = "guard-nlu" if guard else "nlu"

    def stages(app: faust.App, kafka: KafkaSettings) -> list[Any]:
        table = BufferedTable(app.Table("emotion-trend", default=list, partitions=kafka.partitions, key_type=str))
        # One embedder (and its cache) for both: emotion embeds only turns that arrive without intent's vector.
        emotion_deps = build_emotion_deps(
            emotion_settings, embedder=intent_deps.encoder.embedder, trend_store=TableTrendStore(table)
        )

        def nlu_batch(events: Sequence[Envelope]) -> list[list[Envelope]]:
            return chain(
                events,
                lambda evs: intent_core.handle_batch(evs, intent_deps),
                lambda evs: emotion_core.handle_batch(evs, emotion_deps),
            )

        def after_record(record: Any, event: Envelope, outputs: Sequence[Envelope]) -> None:
            table.flush(record, event.conversation_id or "")

        stage = Stage(
            name=name,
            input_topic=Topics.TURNS_GUARDED if front is None else Topics.TURNS_RAW,
            input_type=TurnAnnotated if front is None else ConversationTurn,
            handle_batch=nlu_batch if front is None else lambda events: chain(events, front.handle_batch, nlu_batch),
            route=(route_by_type({TurnAnnotated: Topics.TURNS_EMOTION}) if front is None
                   else lambda event: front.route(event, Topics.TURNS_EMOTION)),
            batch_size=intent_settings.batch_size,
            batch_within_s=intent_settings.batch_within_s,
            after_record=after_record,
        )
        return [install_stage(app, stage, kafka)]

    def apply_config(config: Any) -> None:
        if front is not None:
            front.apply_config(config)
        intent_core.apply_tenant_config(config, intent_deps)

    return build_worker(
        name,
        stages,
        apply_config=apply_config,
        with_tables=True,
        kafka=kafka_settings,
    )
