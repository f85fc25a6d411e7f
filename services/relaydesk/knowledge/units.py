"""A document's small retrieval units: its title, its section headings and the sentences of each chunk.

Chunks are what a reply quotes; units are what retrieval's second stage scores. A long chunk's one vector
blurs the sentence that answers; the best-matching sentence of a chunk (max-sim) does not. Each unit is
embedded as a passage with the document title in front ("Title: sentence"), so a sentence keeps its topic,
and the title and headings are units of their own (the title and heading fields).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from relaydesk.common.list_items import strip_list_marker
from relaydesk.knowledge.chunking import Chunk

UnitKind = Literal["title", "heading", "sentence"]
KINDS: tuple[UnitKind, ...] = ("title", "heading", "sentence")

# Sentence ends in spaced and CJK scripts; list items and lines are units too.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|(?<=[。！？])")
MIN_UNIT_CHARS = 2


@dataclass(frozen=True)
class Unit:
    no: int
    kind: UnitKind
    chunk_no: int  # the chunk a sentence or heading comes from; the title belongs to chunk 0
    text: str  # the unit as written
    embed: str  # what is embedded: the title, a heading, or "title: sentence"


def unit_embed_text(kind: str, title: str, text: str) -> str:
    """What a unit's vector is computed from (also how a restarted backfill rebuilds it from the payload)."""
    return f"{title}: {text}" if kind == "sentence" and title else text


def sentences(text: str) -> list[str]:
    out = []
    for line in text.split("\n"):
        line = strip_list_marker(line.strip())
        for piece in _SENTENCE_END.split(line):
            piece = piece.strip()
            if len(piece) >= MIN_UNIT_CHARS:
                out.append(piece)
    return out


def document_units(title: str, chunks: Sequence[Chunk], section_headings: Sequence[str] = ()) -> list[Unit]:
    """Title first, then per chunk its headings and its sentences, each once per document (a chunk's overlap
    repeats the tail of the one before). `section_headings` names the heading lines a chunk of several small
    sections holds (`chunking.headings`); without it only each chunk's first heading is known."""
    units: list[Unit] = []
    seen: set[tuple[str, str]] = set()

    def add(kind: UnitKind, chunk_no: int, text: str) -> None:
        if (kind, text) in seen:
            return
        seen.add((kind, text))
        units.append(Unit(len(units), kind, chunk_no, text, unit_embed_text(kind, title, text)))

    if title.strip():
        add("title", 0, title.strip())
    known = set(section_headings)
    for chunk in chunks:
        if chunk.heading:
            add("heading", chunk.no, chunk.heading)
        for line in chunk.text.split("\n"):
            if line.strip() in known:
                add("heading", chunk.no, line.strip())
                continue
            for sentence in sentences(line):
                if sentence != chunk.heading:
                    add("sentence", chunk.no, sentence)
    return units
