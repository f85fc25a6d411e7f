"""Split a help-centre document into retrievable chunks by its structure.

Sections (Markdown headings) are the first boundary: small neighbouring sections share a chunk, a large
section is split at paragraphs, then sentences, then (for a run-on sentence) a character window, and each
piece after the first repeats the tail of the one before (overlap) so a fact cut at a boundary survives
whole in one of them. Every chunk starts with its section heading. Sizes are in characters, with a smaller
budget for languages written without spaces (zh, ja), where one character carries about a word.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from relaydesk.knowledge.langs import is_unspaced

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_EMPHASIS = re.compile(r"(\*\*|__|`)")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|(?<=[。！？])")


@dataclass(frozen=True)
class ChunkingConfig:
    max_chars: int = 900
    overlap_chars: int = 160
    max_chars_unspaced: int = 420
    overlap_chars_unspaced: int = 60
    # A piece shorter than this fraction of the budget joins a neighbour, which may then run up to
    # `stretch` times the budget: a one-line intro or a two-line closing section is not worth a chunk.
    min_fraction: float = 0.25
    stretch: float = 1.3

    def budget(self, lang: str | None) -> tuple[int, int]:
        if is_unspaced(lang):
            return self.max_chars_unspaced, self.overlap_chars_unspaced
        return self.max_chars, self.overlap_chars


@dataclass(frozen=True)
class Chunk:
    no: int
    heading: str  # the section heading the chunk starts in ("" before the first heading)
    text: str  # what a reader sees: the heading line, then the content

    def embed_text(self, title: str) -> str:
        return embed_text(title, self.text)


def embed_text(title: str, text: str) -> str:
    """The passage text to embed and index: the document title gives every chunk its topic."""
    return text if not title or text.startswith(title) else f"{title}\n{text}"


@dataclass
class _Section:
    heading: str
    paragraphs: list[str]

    def text(self) -> str:
        return "\n".join([self.heading, *self.paragraphs] if self.heading else self.paragraphs)


def chunk_document(title: str, body: str, lang: str | None, config: ChunkingConfig | None = None) -> list[Chunk]:
    config = config or ChunkingConfig()
    max_chars, overlap = config.budget(lang)
    joiner = "" if is_unspaced(lang) else " "
    texts: list[tuple[str, str]] = []  # (heading, text)
    pending: list[_Section] = []

    def flush_pending() -> None:
        if pending:
            texts.append((pending[0].heading, "\n".join(s.text() for s in pending)))
            pending.clear()

    for section in _sections(title, body):
        size = len(section.text())
        if size > max_chars:
            flush_pending()
            texts.extend((section.heading, t) for t in _split_section(section, max_chars, overlap, joiner))
        elif pending and sum(len(s.text()) + 1 for s in pending) + size > max_chars:
            flush_pending()
            pending.append(section)
        else:
            pending.append(section)
    flush_pending()
    texts = _merge_small([(h, t) for h, t in texts if t.strip()], int(max_chars * config.min_fraction),
                         int(max_chars * config.stretch))
    return [Chunk(no, heading, text) for no, (heading, text) in enumerate(texts)]


def headings(title: str, body: str) -> list[str]:
    """The document's section headings, in order (the title itself excluded)."""
    return [s.heading for s in _sections(title, body) if s.heading]


def _merge_small(texts: list[tuple[str, str]], min_chars: int, limit: int) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for heading, text in texts:
        if out and (len(text) < min_chars or len(out[-1][1]) < min_chars) and len(out[-1][1]) + 1 + len(text) <= limit:
            out[-1] = (out[-1][0], f"{out[-1][1]}\n{text}")
        else:
            out.append((heading, text))
    return out


def _sections(title: str, body: str) -> list[_Section]:
    sections = [_Section("", [])]
    paragraph: list[str] = []

    def end_paragraph() -> None:
        if paragraph:
            sections[-1].paragraphs.append(" ".join(paragraph) if not _is_list(paragraph) else "\n".join(paragraph))
            paragraph.clear()

    for raw in body.splitlines():
        line = _clean(raw.strip())
        match = _HEADING.match(raw.strip())
        if match:
            end_paragraph()
            heading = _clean(match.group(2))
            # The document's own title as its first heading is not a section of its own.
            if not (len(sections) == 1 and not sections[0].paragraphs and heading == title.strip()):
                sections.append(_Section(heading, []))
        elif not line:
            end_paragraph()
        else:
            paragraph.append(line)
    end_paragraph()
    return [s for s in sections if s.paragraphs]


def _is_list(lines: list[str]) -> bool:
    """List items and table rows keep their lines: each is a sentence of its own (a row is quoted alone)."""
    return all(re.match(r"^([-*+]|\d+[.)])\s", ln) for ln in lines) or all(ln.startswith("|") for ln in lines)


def _clean(line: str) -> str:
    return _EMPHASIS.sub("", _LINK.sub(r"\1", line))


def _split_section(section: _Section, max_chars: int, overlap: int, joiner: str) -> list[str]:
    head = f"{section.heading}\n" if section.heading else ""
    room = max(max_chars - len(head), max_chars // 2)
    units: list[str] = []
    for paragraph in section.paragraphs:
        units.extend(_fit(paragraph, room, overlap, joiner))
    out: list[str] = []
    current: list[str] = []
    for unit in units:
        if current and len("\n".join(current)) + 1 + len(unit) > room:
            out.append(head + "\n".join(current))
            current = _tail(current, overlap, joiner)
            while current and len("\n".join(current)) + 1 + len(unit) > room:
                current = current[1:]
        current.append(unit)
    if current:
        out.append(head + "\n".join(current))
    return out


def _fit(paragraph: str, room: int, overlap: int, joiner: str) -> list[str]:
    """A paragraph as units no longer than `room`: whole, else sentence groups, else character windows."""
    if len(paragraph) <= room:
        return [paragraph]
    out: list[str] = []
    current = ""
    for sentence in (s for s in _SENTENCE_END.split(paragraph) if s.strip()):
        if len(sentence) > room:
            if current:
                out.append(current)
                current = ""
            out.extend(_windows(sentence, room, overlap, joiner))
        elif current and len(current) + len(joiner) + len(sentence) > room:
            out.append(current)
            current = sentence
        else:
            current = f"{current}{joiner}{sentence}" if current else sentence
    if current:
        out.append(current)
    return out


def _windows(text: str, room: int, overlap: int, joiner: str) -> list[str]:
    step = max(room - overlap, 1)
    out = []
    start = 0
    while start < len(text):
        end = min(start + room, len(text))
        if joiner and end < len(text):
            cut = text.rfind(" ", start + step // 2, end)
            end = cut if cut > start else end
        out.append(text[start:end].strip())
        if end >= len(text):
            break
        start = max(end - overlap, start + 1)
        if joiner:
            space = text.find(" ", start, end)
            start = space + 1 if 0 <= space < end else start
    return [w for w in out if w]


def _tail(units: list[str], overlap: int, joiner: str) -> list[str]:
    """The trailing text of a chunk to repeat at the start of the next: whole sentences up to `overlap`."""
    if overlap <= 0 or not units:
        return []
    last = units[-1]
    sentences = [s for s in _SENTENCE_END.split(last) if s.strip()]
    kept: list[str] = []
    size = 0
    for sentence in reversed(sentences):
        if size + len(sentence) > overlap:
            break
        kept.insert(0, sentence)
        size += len(sentence) + len(joiner)
    return [joiner.join(kept)] if kept else []
