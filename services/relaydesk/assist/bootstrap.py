"""Wires agent assist: the hold table, the model service (generation's Serve app over HTTP) and the sink."""

from __future__ import annotations

from relaydesk.assist.config import AssistSettings
from relaydesk.assist.core import AssistDeps, SuggestionSink
from relaydesk.generation.config import GenerationSettings
from relaydesk.generation.holds import ConversationHolds
from relaydesk.generation.ports import TextGenerator


def build_deps(
    holds: ConversationHolds,
    settings: AssistSettings | None = None,
    *,
    generator: TextGenerator | None = None,
    sink: SuggestionSink | None = None,
) -> AssistDeps:
    """`generator`: default, the generation Serve app at `RELAYDESK_GENERATION_SERVE_URL` (when drafting is on)."""
    settings = settings or AssistSettings()
    if generator is None and settings.generate:
        from relaydesk.generation.adapters.serve_client import ServeHttpGenerator

        gen = GenerationSettings()
        generator = ServeHttpGenerator(
            gen.serve_url,
            route_prefix=gen.route_prefix,
            connect_timeout_s=gen.connect_timeout_s,
            read_timeout_s=settings.draft_timeout_s,
        )
    return AssistDeps(holds=holds, generator=generator, sink=sink, settings=settings)
