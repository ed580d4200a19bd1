"""Claim verification without an NLI model: align a claim to evidence sentences, then compare its facts.

No NLI weights can be had offline, so :class:`ClaimJudge` decides from parts that can each be tested:

1. *alignment*: which of the claim's content words (names, nouns, verbs, adjectives) an evidence
   unit also says. A unit is one sentence or two adjacent ones (pronouns and "the group" refer
   back). Words match by lemma or stem, by verb class ("keep"/"continue", "leave"/"step down"), or
   by MiniLM word similarity for plain synonyms ("posted"/"published");
2. *slots*: the words that carry checkable facts: counts ("two counts"), durations ("30 years"),
   ages ("Masterson, 47," or "X is 47 years old"), years, months, weekdays, relative dates, ordinals
   ("second trial"), scalar adjectives ("a minor role") and where a thing happened ("posted on
   Instagram"), each with the words it is about (its *key*), so that "three women" does not answer
   "three counts";
3. *polarity*: whether an aligned word sits under a negation ("not", "never", "Neither X nor Y
   argued") and whether a verb says carrying on or stopping, so that "will stay on" meets "is
   stepping down" and "will not continue" meets "will continue".

SUPPORTED needs a unit that says the claim's words, its main predicate and all its names, with
every slot confirmed (there or in another unit that aligns well) and nothing contradicted. REFUTED
needs a unit that aligns well, main predicate included, and gives a different value for a slot of
the same kind and key, or says an aligned word with the opposite polarity; one contradicted part
refutes the whole claim. Anything else is NOT_ENOUGH_INFO. Two exceptions to "a unit that aligns
well": an age is a fact about a person wherever it is said, and a value or polarity that another unit
aligned as well states like the claim is not refuted (the sources may disagree, as the seeds do on
the weekday of the resignation).

An NLI model can take the place of :class:`ClaimJudge` behind the same
``judge(claim, scored_sentences) -> Verdict``. The rules were set on tests/data/seeds_claims.jsonl;
what they cannot do: inferences beyond synonyms ("sent in letters" for "wrote letters", "acquitted"
against "found guilty"), and facts in sentences retrieval did not bring.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import Stemmer

from qa.reader import ScoredSentence, Sentence, SpacyReader, _label
from qa.results import Evidence, Label, Verdict

# --- word lists: general English, nothing from any particular article --------------------------------

NUMBER_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30,
    "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100,
    "thousand": 1000, "million": 1_000_000, "dozen": 12, "twice": 2,
}
ORDINAL_WORDS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
    "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12,
}
WEEKDAYS = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
MONTHS = {"january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december"}
TIME_UNITS = {"year", "month", "week", "day", "hour", "minute", "decade", "century"}
PAST_WORDS = {"last", "previous", "past", "before", "earlier", "ago", "prior", "preceding"}
FUTURE_WORDS = {"next", "following", "coming", "after", "later", "ensuing"}
# gradable opposites: "a minor role" contradicts "a significant role"
SMALL_WORDS = {"minor", "small", "little", "insignificant", "marginal", "negligible", "slight", "modest", "tiny",
               "peripheral", "limited", "unimportant", "trivial"}
LARGE_WORDS = {"major", "significant", "big", "large", "huge", "key", "important", "central", "substantial",
               "crucial", "vital", "massive", "enormous", "considerable", "pivotal", "leading"}
# verbs of carrying on and of stopping: one of each said of the same thing contradict
CONTINUE_VERBS = {"stay", "remain", "continue", "keep", "retain", "persist", "resume"}
STOP_VERBS = {"leave", "resign", "quit", "exit", "depart", "retire", "stop", "cease", "abandon", "withdraw",
              "discontinue", "step"}  # "step" only with "down" or "aside" (see _shift)
STOP_NOUNS = {"resignation", "departure", "exit", "retirement", "withdrawal"}
STEP_PARTICLES = {"down", "aside"}
# verbs that report or think another clause: the clause carries the claim, not the verb
REPORTING_VERBS = {"say", "tell", "add", "state", "note", "explain", "claim", "write", "think", "believe", "feel",
                   "insist", "suggest", "acknowledge", "admit", "announce", "report", "share", "reply", "respond",
                   "comment", "declare", "assert", "conclude", "recall"}
LIGHT_VERBS = {"be", "have", "do", "get", "become", "seem", "take", "make", "give", "go"}
NEGATORS = {"not", "n't", "never"}
NEGATIVE_SUBJECTS = {"nobody", "nothing", "none", "noone"}
PRONOUNS = {"he", "she", "him", "her", "his", "hers", "they", "them", "their", "we", "us", "our", "i", "me", "my",
            "it", "its"}
SPEAKER_PRONOUNS = {"i"}  # in a quotation, the speaker ("we" may be the speaker's whole side: unknown)
OTHER_PRONOUNS = {"he", "she", "they"}  # outside one, most likely the subject of the reporting verb
SUBJECT_DEPS = {"nsubj", "nsubjpass", "csubj", "csubjpass", "expl"}
CLAUSE_DEPS = {"relcl", "acl", "advcl", "ccomp", "conj", "pcomp", "parataxis", "csubj", "mark", "cc"}
LOCATIVE_PREPS = {"in", "on", "at", "to", "into", "onto"}
CONTENT_POS = {"NOUN", "PROPN", "VERB", "ADJ", "ADV", "NUM"}
NAME_ENTS = {"PERSON", "ORG", "GPE", "LOC", "FAC", "NORP", "PRODUCT", "WORK_OF_ART", "EVENT", "LAW"}
PREDICATE_DEPS = {"attr", "acomp", "oprd"}

# --- thresholds, set on tests/data/seeds_claims.jsonl ------------------------------------------------------
SYNONYM_SIM = 0.5  # MiniLM cosine of two words from which they count as saying the same thing
STRICT_SYNONYM_SIM = 0.6  # ... and from which a predicate counts as the same event for a refutation
SYNONYM_CREDIT = 0.75  # a synonym counts for a bit less than the word itself
COREFERENCE_CREDIT = 0.75  # a name said earlier in the file, with a pronoun in the unit
SUPPORT_COVERAGE = 0.75  # weighted share of the claim's words that a unit must say to support it
REFUTE_COVERAGE = 0.6  # share a unit must say before it may contradict the claim
CONFIRM_COVERAGE = 0.45  # share a unit must say to confirm a slot that the best unit lacks
SOFT_UNITS = 8  # units (best by exact words) that also get the slower synonym matching
NAME_WEIGHT = 2.0
MINOR_WEIGHT = 0.5  # adverbs and reporting verbs: present or not, they rarely decide a claim

SlotKind = Literal["age", "count", "duration", "year", "month", "weekday", "relative_date", "ordinal", "degree",
                   "place"]
SlotStatus = Literal["agree", "conflict", "unknown"]
DATE_KINDS = {"year", "month", "weekday"}  # one value per event: in a unit about the event, another contradicts
KEYED_KINDS = {"age", "count", "duration"}  # a bare equal number elsewhere confirms nothing

_STEMMER = Stemmer.Stemmer("english")


@dataclass(frozen=True)
class Slot:
    """A fact-bearing phrase: the kind of value, the value, and the words it is about (its role)."""

    kind: SlotKind
    value: str
    key: frozenset[str]  # lemmas and stems of the noun or verb it belongs to; the surname for an age
    text: str
    start: int  # character offsets in the text of the parsed document
    end: int
    tokens: frozenset[int] = field(default_factory=frozenset)  # kept out of the word alignment


@dataclass(frozen=True)
class Word:
    """A content word with what alignment and polarity need."""

    i: int
    text: str
    lemma: str
    stem: str
    pos: str
    weight: float
    name: bool
    chain: frozenset[str]  # all words of a name ("mila", "kunis"); empty for other words
    owner: frozenset[str]  # the name a noun belongs to ("Masterson's wife"); empty when none is said
    parity: int  # 1 when an odd number of negations scope over it
    shift: int  # +1 carrying on ("stay"), -1 stopping ("resign"), 0 otherwise
    reports: bool  # a verb that reports a clause ("said that ...", "“...,” Kutcher wrote")
    agents: frozenset[str]  # who does what a verb says: names and the noun of its subject; empty: unknown
    args: frozenset[str]  # a verb's other common words, to tell "keep supporting" from "resign a role"
    objects: frozenset[str]  # the same with names: to tell "sold Acme" from "sell the factories"
    governor: str | None  # the content word above a non-verb: its role in the sentence
    start: int
    end: int

    @property
    def sign(self) -> int:
        """+1 or -1: what the word says once its verb class and negations are counted."""
        return (self.shift or 1) * (-1 if self.parity else 1)


@dataclass(frozen=True)
class Analysis:
    """A parsed claim or evidence sentence: its words, slots and main predicates."""

    words: tuple[Word, ...]
    slots: tuple[Slot, ...]
    predicates: tuple[frozenset[int], ...]  # groups of word indices; any one aligned satisfies a group
    pronoun: bool  # has a personal pronoun that may stand for a name said before


def _stem(word: str) -> str:
    return _STEMMER.stemWord(word.lower())


def _as_span(span):
    """A Doc as the Span of all its tokens, so that both have ``start`` and ``end``."""
    return span[:] if not hasattr(span, "start") else span


def _number(tok) -> float | None:
    """The value of a numeral in digits or words ("2", "1,000", "two", "twenty-five" read at "five")."""
    text = tok.lower_.replace(",", "")
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        return float(text)
    if text not in NUMBER_WORDS:
        return None
    value = float(NUMBER_WORDS[text])
    tens = _tens_before(tok)
    return value + NUMBER_WORDS[tens.lower_] if tens is not None else value


def _tens_before(tok):
    """"twenty" in "twenty-five", which spaCy splits into three tokens."""
    doc = tok.doc
    if tok.i >= 2 and doc[tok.i - 1].text == "-" and NUMBER_WORDS.get(tok.lower_, 10) < 10:
        before = doc[tok.i - 2]
        if NUMBER_WORDS.get(before.lower_, 0) in range(20, 100, 10):
            return before
    return None


def _ordinal(tok) -> int | None:
    if tok.lower_ in ORDINAL_WORDS:
        return ORDINAL_WORDS[tok.lower_]
    match = re.fullmatch(r"(\d+)(?:st|nd|rd|th)", tok.lower_)
    return int(match.group(1)) if match else None


def _fmt(value: float) -> str:
    return f"{value:g}"


def _name_head(tok):
    """The last token of the proper-name chain a token belongs to ("Mila" → "Kunis")."""
    while tok.dep_ in {"compound", "flat"} and tok.head.pos_ == "PROPN" and tok.head.i > tok.i:
        tok = tok.head
    return tok


def _name_chain(tok) -> frozenset[str]:
    """The lower-cased words of the proper name whose last word is ``tok`` ("los", "angeles", "county")."""
    words = {tok.lower_}
    for t in tok.subtree:
        if t.i < tok.i and t.dep_ in {"compound", "flat"} and t.pos_ == "PROPN":
            words.add(t.lower_)
    return frozenset(words)


def _owner(tok) -> frozenset[str]:
    """Whose a noun is: the name in "Masterson's wife"; for "his wife", the person last named before it
    in the sentence as a subject or a person ("Kutcher said ... alongside his wife"); empty when none."""
    for c in tok.children:
        if c.dep_ != "poss":
            continue
        if _is_name(c):
            return _name_chain(_name_head(c))
        if c.lower_ in PRONOUNS:
            for t in reversed(tok.doc[tok.sent.start : c.i]):
                if _is_name(t) and (t.dep_ in {"nsubj", "nsubjpass"} or t.ent_type_ == "PERSON"):
                    return _name_chain(_name_head(t))
    return frozenset()


def _is_name(tok) -> bool:
    if tok.lower_ in WEEKDAYS | MONTHS or not tok.text[:1].isupper():
        return False
    return tok.pos_ == "PROPN" or (tok.ent_type_ in NAME_ENTS and tok.pos_ == "NOUN")


def _key_words(*toks) -> frozenset[str]:
    out: set[str] = set()
    for tok in toks:
        if tok is None:
            continue
        if _is_name(tok):
            out.add(_name_head(tok).lower_)
        else:
            out.add(tok.lemma_.lower())
            out.add(_stem(tok.lemma_))
    return frozenset(out)


# --- polarity ----------------------------------------------------------------------------------------------


def _neg(tok) -> int:
    """Negations attached to a word; "Neither X nor Y argued" and "Nobody argued" negate the verb."""
    count = sum(1 for c in tok.children if c.dep_ == "neg" or (c.lower_ in NEGATORS and c.dep_ == "advmod"))
    # "no longer", "no more"
    count += sum(1 for c in tok.children if c.dep_ == "advmod" and c.lower_ in {"longer", "more"}
                 and any(g.lower_ == "no" for g in c.children))
    for c in tok.children:
        if c.dep_ in SUBJECT_DEPS and (c.lower_ in NEGATIVE_SUBJECTS or any(
                g.lower_ in {"neither", "no"} and g.dep_ in {"det", "preconj", "neg"} for g in c.children)):
            count += 1
    if tok.pos_ in {"NOUN", "PROPN"} and tok.dep_ not in SUBJECT_DEPS:
        count += sum(1 for c in tok.children if c.lower_ == "no" and c.dep_ == "det")
    return count


def polarity(tok) -> int:
    """1 when an odd number of negations scope over the word, else 0.

    The word's own negation and that of every clause above it count, except that a subject is not
    negated by its own verb: "Masterson was not guilty" denies the guilt, not Masterson."""
    count = _neg(tok) if tok.pos_ in {"VERB", "AUX", "ADJ"} or tok.dep_ in PREDICATE_DEPS else 0
    child, head = tok, tok.head
    while head.i != child.i:
        own_clause = child.dep_ == "conj" and any(c.dep_ in SUBJECT_DEPS for c in child.children)
        if child.dep_ not in SUBJECT_DEPS and not own_clause:  # "Neither X argued ..., but they vouched"
            count += _neg(head)
        child, head = head, head.head
    return count % 2


def _shift(tok) -> int:
    """+1 for carrying on ("stay on", "keep", "remain"), -1 for stopping ("step down", "resign", "resignation")."""
    lemma = tok.lemma_.lower()
    if tok.pos_ == "NOUN":
        return -1 if lemma in STOP_NOUNS else 0
    if tok.pos_ not in {"VERB", "AUX"}:
        return 0
    if lemma in CONTINUE_VERBS:
        return 1
    if lemma == "step":
        return -1 if any(c.lower_ in STEP_PARTICLES for c in tok.children) else 0
    return -1 if lemma in STOP_VERBS else 0


def _quoted(clause) -> bool:
    """A clause in quotation marks: a quote mark just before or after it (spaCy leaves the marks out of
    the clause, and a quotation may open in an earlier sentence)."""
    left = min(t.i for t in clause.subtree)
    right = max(t.i for t in clause.subtree)
    doc = clause.doc
    near = [*range(max(left - 2, 0), left), *range(right + 1, min(right + 3, len(doc)))]
    return any(doc[i].is_quote or doc[i].text in {"“", "”", '"'} for i in near)


def _agents(tok) -> frozenset[str]:
    """Who does what a verb says: the names in its subject (or in "by X" of a passive) and the subject's
    own noun ("the letter"), climbing through "decided to resign"; empty when unknown (a pronoun)."""
    t = tok
    for _ in range(8):
        subjects = [c for c in t.children if c.dep_ == "nsubj"] + [
            p for c in t.children if c.dep_ == "agent" for p in c.children if p.dep_ == "pobj"]
        names = frozenset(_name_head(w).lower_ for s in subjects for w in s.subtree if _is_name(w))
        if names and any(w.lower_ in PRONOUNS for s in subjects for w in s.subtree):
            return frozenset()  # "he and Kunis wrote": "he" may be anyone, so the subject is not known
        if subjects and not names and t.dep_ in {"ccomp", "xcomp"} and all(
                s.lower_ in (SPEAKER_PRONOUNS if _quoted(t) else OTHER_PRONOUNS) for s in subjects):
            # "Kutcher announced he was resigning", "“I remain proud,” he added": the one who speaks
            t = t.head
            continue
        if subjects or any(c.dep_ == "nsubjpass" for c in t.children):
            return names | {s.lemma_.lower() for s in subjects if s.pos_ == "NOUN"}
        if t.dep_ in {"relcl", "acl"} and _is_name(t.head):
            return frozenset({_name_head(t.head).lower_})
        if t.head.i == t.i or t.dep_ not in {"xcomp", "conj", "advcl", "acl", "relcl", "pcomp", "ccomp"}:
            return frozenset()
        t = t.head
    return frozenset()


def _args(tok, names: bool = False) -> frozenset[str]:
    """Lemmas of the common nouns, adjectives and verbs (and with ``names`` the names) of a verb's own
    phrase: objects, prepositional phrases, its infinitive; not its subject nor clauses hung on it."""
    def phrase(t) -> list:
        return [c for c in t.children if c.dep_ not in SUBJECT_DEPS | CLAUSE_DEPS
                or (c.dep_ == "conj" and c.pos_ not in {"VERB", "AUX"})]  # "X or Y" of nouns stays in

    out: set[str] = set()
    stack = phrase(tok)
    while stack:
        w = stack.pop()
        if _is_name(w):
            if names:
                out.add(_name_head(w).lower_)
        elif _is_content(w):
            out.add(w.lemma_.lower())
        if w.pos_ != "VERB" or (w.dep_ == "xcomp" and w.head.i == tok.i):
            stack.extend(phrase(w))
    return frozenset(out)


def _governor(tok, skip: Iterable[str] = ()):
    """The nearest content word above a word, through prepositions, copulas and light verbs, and past
    the first of two coordinated clauses ("We will not sell X, and I am proud," she said: "said")."""
    skip = set(skip)
    t = tok
    for _ in range(8):
        if t.head.i == t.i:
            return None
        sibling = t.dep_ == "conj"
        t = t.head
        if not sibling and t.pos_ in {"VERB", "NOUN", "PROPN", "ADJ"} and t.lemma_.lower() not in skip | LIGHT_VERBS:
            return t
    return None


# --- slots -------------------------------------------------------------------------------------------------


def _age_subject(num):
    """For "X is 45" and "X is 45 years old": X, whose age it is."""
    tok = num
    if tok.dep_ == "nummod" and tok.head.lemma_.lower() == "year":
        if tok.head.head.lower_ != "old":
            return None
        tok = tok.head.head
    if tok.dep_ not in {"attr", "acomp"} or tok.head.lemma_ != "be":
        return None
    return next((c for c in tok.head.children if c.dep_ == "nsubj"), None)


def _in_date(tok) -> bool:
    """A day of the month or another part of a full date ("March 27, 2022"), not a count."""
    if tok.ent_type_ != "DATE":
        return False
    ent = next((e for e in tok.doc.ents if e.start <= tok.i < e.end), None)
    return ent is not None and any(t.lower_ in MONTHS or re.fullmatch(r"(1[6-9]|20)\d\d", t.text) for t in ent)


def extract_slots(span) -> list[Slot]:
    """The fact-bearing phrases of a sentence or claim (a spaCy Span or Doc), each with its key."""
    span = _as_span(span)
    doc = span.doc
    slots: list[Slot] = []
    used: set[int] = set()

    def add(kind: SlotKind, value: str, key: frozenset[str], first, last) -> None:
        used.update(range(first.i, last.i + 1))
        end = last.idx + len(last.text)
        slots.append(Slot(kind, value, key, doc.text[first.idx : end], first.idx, end,
                          frozenset(range(first.i, last.i + 1))))

    for ent in span.ents:
        if _label(ent) == "AGE":
            add("age", _fmt(float(ent.text)), frozenset({_name_head(doc[ent.start - 2]).lower_}), ent[0], ent[-1])
    for tok in span:
        if tok.i in used or tok.is_punct:
            continue
        low = tok.lower_
        if low in WEEKDAYS or (low.endswith("s") and low[:-1] in WEEKDAYS):
            add("weekday", low if low in WEEKDAYS else low[:-1], frozenset(), tok, tok)
        elif low in MONTHS and tok.text[:1].isupper() and (tok.pos_ == "PROPN" or tok.ent_type_ == "DATE"):
            add("month", low, frozenset(), tok, tok)
        elif re.fullmatch(r"(1[6-9]|20)\d\d", tok.text) and tok.pos_ == "NUM" and tok.ent_type_ in {"DATE", ""}:
            add("year", tok.text, frozenset(), tok, tok)
        elif _ordinal(tok) is not None:
            head = tok.head if tok.head.i != tok.i else None
            add("ordinal", str(_ordinal(tok)), _key_words(head), tok, tok)
        elif _number(tok) is not None and tok.pos_ in {"NUM", "DET", "ADJ", "NOUN"} and not _in_date(tok) \
                and not (tok.dep_ == "compound" and _number(tok.head) is not None):  # "twenty" of "twenty-five"
            _number_slot(tok, add)
        elif tok.lemma_.lower() in TIME_UNITS and not any(c.dep_ == "nummod" for c in tok.children):
            window = doc[max(tok.i - 2, span.start) : min(tok.i + 3, span.end)]
            near = [t for t in window if t.lower_ in PAST_WORDS | FUTURE_WORDS]
            if near:
                word = min(near, key=lambda t: abs(t.i - tok.i))
                direction = "past" if word.lower_ in PAST_WORDS else "future"
                add("relative_date", f"{direction} {tok.lemma_.lower()}", frozenset(), doc[min(word.i, tok.i)],
                    doc[max(word.i, tok.i)])
        elif low in SMALL_WORDS | LARGE_WORDS and tok.pos_ == "ADJ" and tok.dep_ in {"amod", "acomp", "attr"}:
            head = tok.head if tok.dep_ == "amod" else next((c for c in tok.head.children if c.dep_ == "nsubj"), None)
            add("degree", "small" if low in SMALL_WORDS else "large", _key_words(head), tok, tok)
    for tok in span:
        if tok.i in used or not _is_name(tok) or _name_head(tok).i != tok.i:
            continue
        prep = tok.head
        if tok.dep_ == "pobj" and prep.lower_ in LOCATIVE_PREPS and prep.head.pos_ == "VERB" \
                and tok.ent_type_ != "PERSON":  # "wrote to Judge Olmedo" names an addressee, not a place
            first = tok
            while first.i > span.start and doc[first.i - 1].dep_ in {"compound", "flat"} \
                    and doc[first.i - 1].head.i >= tok.i - 3:
                first = doc[first.i - 1]
            add("place", " ".join(t.lower_ for t in doc[first.i : tok.i + 1]), _key_words(prep.head), first, tok)
    return slots


def _number_slot(tok, add) -> None:
    """A numeral: an age ("is 45 years old"), a duration ("30 years") or a count keyed by its noun."""
    value = _number(tok)
    assert value is not None
    first = _tens_before(tok) or tok
    subject = _age_subject(tok)
    if subject is not None:
        key = _name_head(subject).lower_ if _is_name(subject) else subject.lemma_.lower()
        last = tok.head.head if tok.head.lemma_.lower() == "year" and tok.head.head.lower_ == "old" else tok
        add("age", _fmt(value), frozenset({key}), first, last)
        return
    head = tok.head
    if tok.dep_ in {"nummod", "quantmod"} and head.lemma_.lower() in TIME_UNITS:
        add("duration", f"{_fmt(value)} {head.lemma_.lower()}", _key_words(_governor(head, TIME_UNITS)), first, head)
    elif tok.dep_ in {"nummod", "quantmod", "amod"} and head.pos_ in {"NOUN", "PROPN"}:
        parts = [head, *(c for c in head.children if c.dep_ == "compound")]
        for prep in (c for c in head.children if c.dep_ == "prep" and c.lower_ == "of"):
            parts.extend(c for c in prep.children if c.dep_ == "pobj")
        add("count", _fmt(value), _key_words(*parts), first, tok)
    elif tok.pos_ == "NUM":
        add("count", _fmt(value), _key_words(_governor(tok)), first, tok)


def _same_person(a: frozenset[str], b: frozenset[str], people: Sequence[frozenset[str]]) -> bool:
    """Two names of one person: they share a word, or the evidence names someone with both ("Danny" and
    "Masterson" in "Danny Masterson")."""
    return bool(a & b) or any(a & chain and b & chain for chain in people)


def _same_value(a: Slot, b: Slot) -> bool:
    """Equal values; a place may be named in part ("Los Angeles" for "Los Angeles County")."""
    if a.kind == "place":
        wa, wb = set(a.value.split()), set(b.value.split())
        return wa <= wb or wb <= wa
    return a.value == b.value


def compare_slot(claim: Slot, evidence: Sequence[Slot], *, aligned: bool = True) -> tuple[SlotStatus, Slot | None]:
    """Does the evidence confirm a claim's slot, give another value in the same role, or not say?

    A value of the same kind about the same thing (the keys meet) decides. For years, months and
    weekdays the kind alone is the role once the evidence is ``aligned`` with the claim: an event has
    one date. Relative dates ("last week", "the week before") are counted from different days in
    claim and article, so they only ever confirm. An equal value that is about something else
    confirms ordinals and dates ("first reported" for "the first outlet to report"), never numbers:
    "two women" says nothing about "two children"."""
    same_kind = [s for s in evidence if s.kind == claim.kind]
    keyed = [s for s in same_kind if s.key & claim.key]
    agreeing = next((s for s in keyed if _same_value(claim, s)), None)
    if agreeing is not None:
        return "agree", agreeing
    equal = next((s for s in same_kind if _same_value(claim, s)), None)
    if claim.kind == "relative_date":
        return ("agree", equal) if equal else ("unknown", None)
    if keyed and claim.kind != "place":
        return "conflict", keyed[0]
    if equal is not None and claim.kind not in KEYED_KINDS:
        return "agree", equal
    if same_kind and claim.kind in DATE_KINDS and aligned:
        return "conflict", same_kind[0]
    if keyed and claim.kind == "place" and aligned:
        return "conflict", keyed[0]
    return "unknown", None


# --- analysis of a claim or a sentence -----------------------------------------------------------------------


def _is_content(tok) -> bool:
    if tok.pos_ not in CONTENT_POS or not (tok.is_alpha or tok.like_num):
        return False
    lemma = tok.lemma_.lower()
    if lemma in LIGHT_VERBS and tok.pos_ in {"VERB", "AUX"}:
        return False
    if tok.pos_ in {"ADV", "ADJ"} and tok.is_stop:
        return False
    return len(tok.text) > 2 or tok.like_num


def _weight(tok) -> float:
    if _is_name(tok):
        return NAME_WEIGHT
    if tok.pos_ == "ADV" or (tok.pos_ == "VERB" and tok.lemma_.lower() in REPORTING_VERBS):
        return MINOR_WEIGHT
    return 1.0


def _main_predicates(span) -> list[frozenset[int]]:
    """Groups of tokens an evidence unit must say (one per group) to be about the claim's event.

    From each root: reporting and thinking verbs hand over to their clause; copulas and light verbs
    to what they predicate, with that noun's own verb as an alternative ("the first outlet to
    report"); a verb with an infinitive takes it as an alternative ("meant to question"), and a verb
    of carrying on or stopping also needs its complement ("keep supporting")."""
    groups: list[frozenset[int]] = []
    stack = [t for t in span if t.dep_ == "ROOT"]
    seen: set[int] = set()
    while stack:
        tok = stack.pop()
        if tok.i in seen:
            continue
        seen.add(tok.i)
        lemma = tok.lemma_.lower()
        clauses = [c for c in tok.children if c.dep_ in {"ccomp", "xcomp"}]
        stack.extend(c for c in tok.children if c.dep_ == "conj" and c.pos_ in {"VERB", "AUX"})
        complements = [c for c in tok.children if c.dep_ in PREDICATE_DEPS | {"dobj"} and _is_content(c)]
        if lemma in LIGHT_VERBS:
            for c in complements:
                groups.append(frozenset({c.i} | {g.i for g in c.children if g.dep_ in {"relcl", "acl"}}))
            stack.extend(clauses)
        elif lemma in REPORTING_VERBS and clauses and not _shift(tok):
            stack.extend(clauses)
        elif _is_content(tok):
            if _shift(tok):
                groups.append(frozenset({tok.i} | {c.i for c in complements if c.dep_ in PREDICATE_DEPS}))
                stack.extend(clauses)
            else:
                groups.append(frozenset({tok.i} | {c.i for c in clauses if c.dep_ == "xcomp"}))
    return groups


def analyse(span) -> Analysis:
    """Words, slots and main predicates of a claim or an evidence sentence (a spaCy Span or Doc)."""
    span = _as_span(span)
    slots = extract_slots(span)
    in_slot = {i for s in slots for i in s.tokens}
    words = []
    for tok in span:
        if tok.i in in_slot or not _is_content(tok) or (_is_name(tok) and _name_head(tok).i != tok.i):
            continue  # a name counts once, by its last word ("Mila Kunis" → "Kunis")
        shift = _shift(tok)
        end = tok.idx + len(tok.text)
        for c in tok.children:
            if (shift and c.dep_ == "prt") or (tok.lemma_.lower() == "step" and c.lower_ in STEP_PARTICLES):
                end = max(end, c.idx + len(c.text))
        verb = tok.pos_ in {"VERB", "AUX"}
        name = _is_name(tok)
        governor = None if verb else _governor(tok)
        reports = verb and tok.lemma_.lower() in REPORTING_VERBS and any(
            c.dep_ in {"ccomp", "parataxis"} or c.is_quote for c in tok.children)
        words.append(Word(
            i=tok.i, text=tok.text.lower(), lemma=tok.lemma_.lower(), stem=_stem(tok.lemma_), pos=tok.pos_,
            weight=_weight(tok), name=name, chain=_name_chain(tok) if name else frozenset(),
            owner=_owner(tok) if tok.pos_ == "NOUN" else frozenset(), parity=polarity(tok),
            shift=shift, reports=reports, agents=_agents(tok) if verb else frozenset(),
            args=_args(tok) if verb else frozenset(), objects=_args(tok, names=True) if verb else frozenset(),
            governor=governor.lemma_.lower() if governor is not None else None, start=tok.idx, end=end))
    present = {w.i for w in words}
    predicates = tuple(g & present for g in _main_predicates(span) if g & present)
    pronoun = any(t.lower_ in PRONOUNS and t.pos_ == "PRON" for t in span)
    return Analysis(tuple(words), tuple(slots), predicates, pronoun)


# --- the judge ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Unit:
    """One evidence sentence, or two adjacent ones of the same file read together."""

    sentences: tuple[int, ...]  # indices into the judge's sentence list


@dataclass(frozen=True)
class Match:
    """An evidence word that says a claim word: ``exact`` ones (same lemma, stem or verb class) may be
    compared for polarity; synonyms only count towards coverage."""

    sentence: int
    word: Word
    credit: float
    exact: bool


@dataclass(frozen=True)
class Alignment:
    """How far a unit says the claim."""

    coverage: float  # weighted share of the claim's words it says, in [0, 1]
    names_ok: bool  # every name of the claim is there (or said just before, with a pronoun here)
    predicate_loose: bool  # every main-predicate group is said, synonyms allowed, with the claim's polarity
    predicate_strict: bool  # some main-predicate group is said by the same word or a close synonym
    matches: dict[int, tuple[Match, ...]]  # claim word index → its matches


@dataclass(frozen=True)
class Finding:
    """Evidence for a verdict: a sentence and the span in it that decided (None: the whole sentence)."""

    sentence: int
    start: int | None = None  # offsets in the sentence's parsed document
    end: int | None = None


class ClaimJudge:
    """SUPPORTED / REFUTED / NOT_ENOUGH_INFO from ranked evidence sentences, by alignment and slot rules.

    ``__init__`` stores settings; the reader (spaCy and MiniLM) loads in ``warm_up`` or on first use."""

    def __init__(self, reader: SpacyReader, max_sentences: int = 64, max_evidence: int = 3) -> None:
        self.reader = reader
        self.max_sentences = max_sentences
        self.max_evidence = max_evidence
        self._analyses: dict[tuple[str, int, int], Analysis] = {}  # by parsed text and sentence offsets
        self._vectors: dict[str, np.ndarray] = {}

    def warm_up(self) -> None:
        self.reader.warm_up()

    def age_patterns(self, claim: str) -> list[re.Pattern[str]]:
        """Where a file states the age of a person the claim gives an age for ("Kunis, 40,"): an age is
        a fact about the person wherever it is said, so the caller also reads the chunks that match."""
        surnames = {next(iter(s.key)) for s in extract_slots(self.reader.parse(claim)) if s.kind == "age"}
        return [re.compile(rf"\b{re.escape(n)}\b\W{{0,3}},\s*\d{{1,3}}\s*,", re.IGNORECASE) for n in sorted(surnames)]

    # -- word similarity ------------------------------------------------------------------------------------

    def _encode(self, words: Iterable[str]) -> None:
        missing = sorted({w for w in words if w not in self._vectors})
        if missing:
            if len(self._vectors) > 100_000:
                self._vectors.clear()
            self._vectors.update(zip(missing, self.reader.embedder.encode(missing)))

    def _similarity(self, a: str, b: str) -> float:
        if a not in self._vectors or b not in self._vectors:
            return 0.0
        return float(self._vectors[a] @ self._vectors[b])

    # -- alignment --------------------------------------------------------------------------------------------

    def _analysis(self, sent: Sentence) -> Analysis:
        span = sent.span
        key = (span.doc.text, span.start_char, span.end_char)  # the parsed text itself: files change
        found = self._analyses.get(key)
        if found is None:
            if len(self._analyses) > 50_000:
                self._analyses.clear()
            found = self._analyses[key] = analyse(span)
        return found

    @staticmethod
    def units(sentences: Sequence[Sentence]) -> list[Unit]:
        """Each sentence alone, and with the sentence right after it in the same file."""
        order = sorted(range(len(sentences)), key=lambda i: (sentences[i].source, sentences[i].start))
        units = [Unit((i,)) for i in range(len(sentences))]
        for a, b in itertools.pairwise(order):
            first, second = sentences[a], sentences[b]
            if first.source == second.source and first.end <= second.start \
                    and not first.doc_text[first.end : second.start].strip():
                units.append(Unit((a, b)))
        return units

    @staticmethod
    def _exact(word: Word, other: Word, people: Sequence[frozenset[str]]) -> bool:
        """The same word (lemma, stem or name), or verbs of one class about the same thing; not a noun the
        evidence says is someone else's ("his wife", said of Kutcher, for "Masterson's wife")."""
        if word.agents and other.agents and not word.agents & other.agents:
            return False  # someone else did it: that says nothing about the claim's subject
        if word.owner and other.owner and not _same_person(word.owner, other.owner, people):
            return False
        if word.name:  # "Kunis" says "Mila Kunis", "Orange County" does not say "Los Angeles County"
            return (other.text == word.text or other.lemma == word.lemma) and (
                word.chain <= other.chain or other.chain <= word.chain)
        if other.name:
            return other.lemma == word.lemma
        if word.lemma == other.lemma or (len(word.stem) > 3 and word.stem == other.stem):
            return True
        return bool(word.shift and other.shift and (not word.args or not other.args or word.args & other.args))

    def _soft(self, word: Word, other: Word) -> float:
        """Credit for a synonym: two verbs reporting a clause, or MiniLM similarity of two words of one kind."""
        if word.name or other.name or (word.agents and other.agents and not word.agents & other.agents):
            return 0.0
        if word.reports and other.reports:
            return SYNONYM_CREDIT
        if word.pos == other.pos and word.pos in {"NOUN", "VERB", "ADJ"}:
            sim = self._similarity(word.lemma, other.lemma)
            if sim >= SYNONYM_SIM:
                return SYNONYM_CREDIT * min(1.0, sim / STRICT_SYNONYM_SIM)
        return 0.0

    def _align(self, claim: Analysis, unit: Unit, analyses: list[Analysis], sentences: Sequence[Sentence],
               soft: bool, people: Sequence[frozenset[str]] = ()) -> Alignment:
        matches: dict[int, list[Match]] = {}
        for word in claim.words:
            for s in unit.sentences:
                for other in analyses[s].words:
                    if self._exact(word, other, people):
                        matches.setdefault(word.i, []).append(Match(s, other, 1.0, True))
                    elif soft:
                        credit = self._soft(word, other)
                        if credit > 0:
                            matches.setdefault(word.i, []).append(Match(s, other, credit, False))
        pronoun = any(analyses[s].pronoun for s in unit.sentences)
        first = min((sentences[s] for s in unit.sentences), key=lambda x: x.start)
        before = first.doc_text[: first.start].lower()
        got, names_ok = 0.0, True
        for word in claim.words:
            credit = max((m.credit for m in matches.get(word.i, ())), default=0.0)
            if word.name and credit == 0:
                if pronoun and re.search(rf"\b{re.escape(word.text)}\b", before):
                    credit = COREFERENCE_CREDIT
                else:
                    names_ok = False
            got += word.weight * credit
        total = sum(w.weight for w in claim.words)
        coverage = got / total if total else 1.0
        by_index = {w.i: w for w in claim.words}
        loose = all(any(m.word.sign == by_index[i].sign for i in group for m in matches.get(i, ()))
                    for group in claim.predicates)
        strict = not claim.predicates or any(
            m.exact or self._close(claim, i, m.word) for group in claim.predicates for i in group for m in matches.get(i, ()))
        return Alignment(coverage, names_ok, loose, strict, {i: tuple(m) for i, m in matches.items()})

    def _close(self, claim: Analysis, i: int, other: Word) -> bool:
        word = next(w for w in claim.words if w.i == i)
        return (word.reports and other.reports) or (
            word.pos == other.pos and self._similarity(word.lemma, other.lemma) >= STRICT_SYNONYM_SIM)

    def _same_role(self, a: str | None, b: str | None) -> bool:
        if a is None or b is None:
            return False
        if a == b or _stem(a) == _stem(b) or (a in REPORTING_VERBS and b in REPORTING_VERBS):
            return True
        return self._similarity(a, b) >= STRICT_SYNONYM_SIM

    # -- contradictions ---------------------------------------------------------------------------------------

    def _comparable(self, word: Word, alignment: Alignment) -> list[Match]:
        """The exact matches of a claim word whose polarity says something about the claim's: verbs of
        the same subject (and, for carrying on or stopping, about the same thing), other words in the
        same role (their governing words match: "harm to society" for "danger to society")."""
        out = []
        for m in alignment.matches.get(word.i, ()):
            if not m.exact:
                continue
            if word.pos in {"VERB", "AUX"} or word.shift:
                if word.shift and not (m.word.shift and (not word.args or word.args & m.word.args)):
                    continue  # "keep supporting the work" and "resign a role" are about different things
                if word.objects and m.word.objects and not word.objects & m.word.objects:
                    continue  # "sold Acme Corp" and "will not sell the factories": different things
            elif not self._same_role(word.governor, m.word.governor):
                continue
            out.append(m)
        return out

    def _polarity_clash(self, claim: Analysis, alignment: Alignment, agreed: set[int]) -> Match | None:
        """An evidence word that says a claim word in the same role, always with the opposite polarity,
        where no other well-aligned unit says it with the claim's (``agreed``)."""
        for word in claim.words:
            if word.name or word.i in agreed:
                continue
            comparable = self._comparable(word, alignment)
            if comparable and all(m.word.sign != word.sign for m in comparable):
                return comparable[0]
        return None

    def _conflict(self, claim: Analysis, units: list[Unit], alignments: list[Alignment], analyses: list[Analysis],
                  order: list[int]) -> tuple[float, Finding] | None:
        """The first contradiction: an age anywhere, or a slot or polarity in a unit that aligns well."""
        every = sorted({s for u in units for s in u.sentences})
        for slot in claim.slots:
            if slot.kind == "age":
                ages = [(s, e) for s in every for e in analyses[s].slots if e.kind == "age"]
                status, found = compare_slot(slot, [e for _, e in ages])
                if status == "conflict" and found is not None:
                    s = next(s for s, e in ages if e is found)
                    return 1.0, Finding(s, found.start, found.end)
        well = [k for k in order if alignments[k].coverage >= REFUTE_COVERAGE]
        # sources may disagree: a word that a unit aligned as well says with the claim's polarity stands
        agreed: dict[int, float] = {}
        for k in well:
            for w in claim.words:
                if any(m.word.sign == w.sign for m in self._comparable(w, alignments[k])):
                    agreed[w.i] = max(agreed.get(w.i, 0.0), alignments[k].coverage)
        for k in well:
            alignment = alignments[k]
            if not alignment.predicate_strict:
                continue
            in_unit = [(s, e) for s in units[k].sentences for e in analyses[s].slots]
            for slot in claim.slots:
                if slot.kind == "age":
                    continue
                status, found = compare_slot(slot, [e for _, e in in_unit], aligned=True)
                if status == "conflict" and found is not None and not self._said_elsewhere(slot, units, alignments,
                                                                                            analyses):
                    s = next(s for s, e in in_unit if e is found)
                    return alignment.coverage, Finding(s, found.start, found.end)
            if claim.predicates:
                clash = self._polarity_clash(claim, alignment,
                                             {i for i, cov in agreed.items() if cov >= alignment.coverage})
                if clash is not None:
                    return alignment.coverage, Finding(clash.sentence, clash.word.start, clash.word.end)
        return None

    @staticmethod
    def _said_elsewhere(slot: Slot, units: list[Unit], alignments: list[Alignment], analyses: list[Analysis]) -> bool:
        """Sources may disagree: a value that another well-aligned unit states in the same role stands."""
        for unit, alignment in zip(units, alignments):
            if alignment.coverage >= REFUTE_COVERAGE:
                for s in unit.sentences:
                    if compare_slot(slot, analyses[s].slots, aligned=False)[0] == "agree":
                        return True
        return False

    def _confirm(self, slot: Slot, order: list[int], units: list[Unit], alignments: list[Alignment],
                 analyses: list[Analysis]) -> Finding | None:
        """A sentence that says the slot's value: in the best unit, or in another that aligns well enough."""
        for rank, k in enumerate(order):
            if rank and alignments[k].coverage < CONFIRM_COVERAGE and slot.kind != "age":
                continue
            for s in units[k].sentences:
                status, found = compare_slot(slot, analyses[s].slots, aligned=False)
                if status == "agree" and found is not None:
                    return Finding(s, found.start, found.end)
        return None

    # -- the verdict ------------------------------------------------------------------------------------------

    def judge(self, claim: str, scored: Sequence[ScoredSentence]) -> Verdict:
        """The verdict on ``claim``, given evidence sentences ranked by ``SpacyReader.rank_sentences``.

        ``score`` says how sure, in [0, 1]: for SUPPORTED and REFUTED the coverage of the deciding unit
        (1 for an age said of the person), for NOT_ENOUGH_INFO one minus the best unit's coverage."""
        claim_analysis = analyse(self.reader.parse(claim))
        ranked = list(scored[: self.max_sentences])
        if not ranked:
            return Verdict(claim, "NOT_ENOUGH_INFO", 0.0, ())
        sentences = [s.sentence for s in ranked]
        support = [s.support for s in ranked]
        analyses = [self._analysis(s) for s in sentences]
        units = self.units(sentences)
        people = list({w.chain for a in analyses for w in a.words if len(w.chain) > 1})
        alignments = [self._align(claim_analysis, u, analyses, sentences, False, people) for u in units]

        def rank(k: int) -> tuple[float, int, float]:
            return (-alignments[k].coverage, len(units[k].sentences), -max(support[s] for s in units[k].sentences))

        # synonyms only for the claim words some of the best units lack, against the words of the same
        # kind in those units: MiniLM on single words is not free on a CPU
        order = sorted(range(len(units)), key=rank)
        soft = order[:SOFT_UNITS]
        unmatched = [w for w in claim_analysis.words if not w.name and w.pos in {"NOUN", "VERB", "ADJ"}
                     and any(not alignments[k].matches.get(w.i) for k in soft)]
        kinds = {w.pos for w in unmatched}
        self._encode([w.lemma for w in unmatched] + [w.governor for w in claim_analysis.words if w.governor]
                     + [w.lemma for k in soft for s in units[k].sentences for w in analyses[s].words
                        if w.pos in kinds and not w.name])
        for k in soft:
            alignments[k] = self._align(claim_analysis, units[k], analyses, sentences, True, people)
        order = sorted(range(len(units)), key=rank)

        conflict = self._conflict(claim_analysis, units, alignments, analyses, order)
        if conflict is not None:
            return self._verdict(claim, "REFUTED", conflict[0], sentences, units, order, [conflict[1]])
        best = alignments[order[0]]
        confirmed = [self._confirm(slot, order, units, alignments, analyses) for slot in claim_analysis.slots]
        if best.coverage >= SUPPORT_COVERAGE and best.names_ok and best.predicate_loose and all(confirmed):
            return self._verdict(claim, "SUPPORTED", best.coverage, sentences, units, order,
                                 [f for f in confirmed if f is not None])
        return self._verdict(claim, "NOT_ENOUGH_INFO", 1.0 - best.coverage, sentences, units, order, [])

    def _verdict(self, claim: str, label: Label, score: float, sentences: list[Sentence], units: list[Unit],
                 order: list[int], findings: list[Finding]) -> Verdict:
        """The verdict with its evidence: the deciding sentences first (with the deciding span), then the
        sentences of the best-aligned unit."""
        score = round(min(max(score, 0.0), 1.0), 4)
        evidence: list[Evidence] = []
        seen: set[int] = set()
        best_unit = [Finding(s) for s in units[order[0]].sentences]
        for finding in [*findings, *best_unit]:
            if finding.sentence in seen or len(evidence) >= self.max_evidence:
                continue
            seen.add(finding.sentence)
            sent = sentences[finding.sentence]
            if finding.start is None or finding.end is None:
                evidence.append(Evidence(None, sent.source, sent.start, sent.end, sent.text, sent.start, sent.end, score))
            else:
                start, end = sent.offset + finding.start, sent.offset + finding.end
                evidence.append(Evidence(sent.doc_text[start:end], sent.source, start, end, sent.text, sent.start,
                                         sent.end, score))
        return Verdict(claim, label, score, tuple(evidence))
