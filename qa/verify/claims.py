"""Claim checking by asking: each fact of a claim becomes a question, the reader answers it from the
articles, and the answers are compared with the claim's own words.

"Kutcher co-founded Thorn with Danny Masterson" holds three facts (slots): a person, an
organisation, a person. Each becomes a question by putting its wh-word in its place, built from
spaCy's parse (qa/verify/claim_questions.py): the subject is asked in place ("Who co-founded
Thorn with Danny Masterson?"), any other slot is fronted with its auxiliary or do-support ("Who
did Kutcher co-found Thorn with?"). The reader's answers (every span above the threshold) are
compared with the slot after normalisation (case, punctuation, number words, name containment:
"Moore" is "Demi Moore"):

- an answer that says the slot's value *confirms* it;
- an answer of the same kind (a person for a person, a day for a day, a number for a number), from
  a sentence about the claim, that says something else *contradicts* it;
- a number contradicts only a number that counts the same thing: the same noun ("three women" for
  "two women"), or the same one named in the same unit ("Masterson, 47," for "Masterson is 45");
- the subject's own question only confirms (an event has many actors), unless the claim says it was
  the first or only one; a subject named in a sentence that confirms another fact is confirmed, and
  so is a fact such a sentence says after the claim's own verb and preposition ("introduced to Europe");
- a place contradicts only from a sentence that tells the claim's action, and no fact does from a
  sentence telling that action done to another named thing ("reached Alexandria" for "reached Cairo");
- one source confirming and another contradicting is a *conflict*, shown with both;
- where nothing confident says anything of the kind, a span the reader doubted confirms the
  claim's own value from a sentence about the claim, and its best guess refutes a date or a count
  only from a sentence telling the claim's very event;
- anything else is *unanswered*.

A contradicted fact refutes the claim; all facts confirmed support it; anything else is not enough
information. What the reader cannot express, the sense of the predicate, has small, general checks
(qa/verify/predicates.py): a claim that something carries on ("stays on") against a sentence that
says it stops ("is stepping down"), one that a court acquitted against one that it convicted
("found guilty"), the same words under an odd number of negations ("were meant to question"
against "were not written to question"); and a SUPPORTED verdict needs a confirming sentence to
say the claim's verb, or a verb of the same action in news copy ("published" for "posted").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace as changed

import numpy as np

from qa.nlp import parse
from qa.results import Answer, Evidence, Label, Outcome, Reading, SlotCheck, Verdict
from qa.verify.agreement import NUMBER_WORDS, mentions, mentions_name, same_answer
from qa.verify.claim_questions import (
    DURATION,
    KIND_OF_LABEL,
    WEEKDAYS_MONTHS,
    Slot,
    claim_slots,
    inflected_part,
    numbers_in,
    slot_kind,
    when_questions,
)
from qa.verify.predicates import opposite_sense, predicate_attested

# a reader span at least this sure (margin score) confirms a value the claim names; refuting takes the
# calibrated threshold
CONFIRM = 0.2
RELEVANT = 0.45  # cosine of claim and evidence sentence above which a differing answer is about the claim
RELATIVE = re.compile(r"\b(?:following|next|previous|prior|before|after|later|earlier|same)\b", re.IGNORECASE)


def same_kind(a: str, b: str) -> bool:
    """Kinds that can contradict each other; the small NER model mixes up people and organisations."""
    names = {"person", "organisation"}
    return a == b or (a in names and b in names)


def same_event(claim: str, quote: str, slot: str) -> bool:
    """Whether a sentence tells the claim's event in other words than the embedding can see: it uses
    the claim's main verb and names another of the claim's people, places or things ("Kutcher
    founded the group with …" for "Kutcher founded Thorn with …")."""
    claim_doc = parse(claim)
    root = inflected_part(next(iter(claim_doc.sents)).root)
    if root.pos_ not in ("VERB", "AUX") or root.lemma_.lower() == "be":
        return False
    quote_doc = parse(quote)
    if not any(t.lemma_.lower() == root.lemma_.lower() for t in quote_doc if t.pos_ in ("VERB", "AUX")):
        return False
    return any(mentions(quote, e.root.text) for e in claim_doc.ents if e.text != slot)


def _named_object(verb) -> str | None:
    """The name a verb acts on directly ("reached Alexandria" → "Alexandria"), if its object is a name."""
    obj = next((c for c in verb.children if c.dep_ == "dobj"), None)
    if obj is None or not (obj.ent_type_ or obj.pos_ == "PROPN") or KIND_OF_LABEL.get(obj.ent_type_) in ("date", "number"):
        return None
    entity = next((e.text for e in verb.doc.ents if e.start <= obj.i < e.end), None)
    return entity or " ".join([*(t.text for t in obj.lefts if t.dep_ == "compound" and t.pos_ == "PROPN"), obj.text])


def acts_on_another(claim: str, quote: str, slot: str) -> bool:
    """Whether a sentence tells the claim's action done to another named thing, so that its other
    facts belong to that event ("the plague reached Alexandria … through trade with Constantinople"
    says nothing of how it reached Constantinople). The object itself is the slot then asked."""
    root = inflected_part(next(iter(parse(claim).sents)).root)
    claimed = _named_object(root)
    if claimed is None or mentions(claimed, slot) or mentions(slot, claimed):
        return False
    told = [_named_object(t) for t in parse(quote) if t.lemma_.lower() == root.lemma_.lower() and t.pos_ == "VERB"]
    return bool(told) and all(o is not None and not mentions_name(o, claimed) and not mentions_name(claimed, o) for o in told)


def names_the_owner(claim: str, quote: str, slot: str) -> bool:
    """Whether a sentence names whom the claim's number is about (a surname is enough): the name it
    stands beside ("Mila Kunis, 45,"), else the claim's subject when that is a name ("Masterson is
    45 years old"; not "Masterson's daughter is 9"). A number of that one in that sentence then
    likely counts the same thing ("Masterson, 47, was sentenced …")."""
    doc = parse(claim)
    number = next((e for e in doc.ents if e.text == slot), None)
    if number is not None and number.root.dep_ == "appos":
        owners = [number.root.head]
    else:
        owners = [t for t in next(iter(doc.sents)).root.children if t.dep_ in ("nsubj", "nsubjpass")]
    names = [e.text for t in owners for e in doc.ents if e.start <= t.i < e.end and e.text != slot]
    return bool(owners) and len(names) == len(owners) and all(mentions_name(quote, n) for n in names)


def counts_the_same(claim: str, slot: str, ev: Evidence, close: bool) -> bool:
    """Whether a number answered counts what the claim's number counts: the same noun ("three women"
    for "two women", "second trial" for "first trial") in a sentence close to the claim or naming
    whom it is about; for an age or a bare figure, the same one named in the same unit ("Masterson,
    47," for "Masterson is 45 years old"); for a duration, the same action measured (its verb or
    noun: "known for 25 years" and "knew for 25 years", "thanked for his participation over 5
    years" and "grateful for his participation over 15 years"; "sentenced to 30 years" says
    nothing of how long they had "known" him), in a close sentence or one naming whom it is about.
    A share of something named ("half of Iceland's population") is counted only by a sentence that
    names it: "30–60% of Europe's total population" is another count."""
    doc = parse(claim)
    number = next((e for e in doc.ents if e.text == slot), None)
    if number is not None and not all(mentions_name(ev.quote, name) for name in _named_in_its_of(number)):
        return False
    if number is not None and number.root.dep_ in ("nummod", "amod") and number.root.head.pos_ == "NOUN":
        counted = number.root.head.lemma_.lower()
        span = answer_span(ev)
        nouns = [] if span is None else [*span, span.root.head]
        return any(t.lemma_.lower() == counted for t in nouns) and (close or names_the_owner(claim, ev.quote, slot))
    if not same_unit(ev.answer or "", slot):
        return False
    claimed = None if number is None or number.root.dep_ == "appos" else _governing_verb(number.root)
    if claimed is None or claimed == "be":
        return names_the_owner(claim, ev.quote, slot)  # an age: "Kunis, 40," says it whatever the sentence goes on to tell
    span = answer_span(ev)
    if span is None:
        return False
    shared = _measured(number.root) & _measured(span.root)
    # a noun measured is the very thing ("his participation over the last 15 years"); a verb alone
    # ("known") needs the sentence to be about the claim
    return any(pos == "NOUN" for _, pos in shared) or (bool(shared) and (close or names_the_owner(claim, ev.quote, slot)))


def _named_in_its_of(number) -> list[str]:
    """The names inside a number's own "of" phrase: whose share it is ("half of Iceland's population")."""
    inside = {x.i for c in number.root.children if c.dep_ == "prep" and c.lower_ == "of" for x in c.subtree}
    return [e.text for e in number.doc.ents if e.root.i in inside and KIND_OF_LABEL.get(e.label_) not in ("date", "number")]


def _governing_verb(token) -> str | None:
    """The lemma of the nearest verb above a token: what a duration measures."""
    while token.head.i != token.i:
        token = token.head
        if token.pos_ in ("VERB", "AUX"):
            return token.lemma_.lower()
    return None


def _measured(token) -> set[tuple[str, str]]:
    """The nouns and the verb a number measures, as (lemma, "NOUN" or "VERB"): the words above it up
    to its nearest verb (not "be" or "have", which say nothing of the action)."""
    words = set()
    while token.head.i != token.i:
        token = token.head
        if token.pos_ in ("NOUN", "VERB", "AUX") and token.lemma_.lower() not in ("be", "have"):
            words.add((token.lemma_.lower(), "NOUN" if token.pos_ == "NOUN" else "VERB"))
        if token.pos_ in ("VERB", "AUX") and token.dep_ != "xcomp":
            break  # past an open complement: "requested Congress to appropriate $2.2 billion" measures the request
    return words


def same_unit(a: str, b: str) -> bool:
    """Whether two numbers can be compared: durations only in the same unit ("30 years" says nothing
    against "two days"), anything else always."""
    ua, ub = number_unit(a), number_unit(b)
    return ua == ub if DURATION.fullmatch(ua + "s") or DURATION.fullmatch(ub + "s") else True


def says_value(answer: str, value: str, kind: str) -> bool:
    """Whether an answer states the claim's value: the same answer after normalisation, or for a
    number the same number whatever the unit words around it ("two counts" for "two", "47" for
    "47 years old")."""
    if same_answer(answer, value):
        return True
    if kind == "number":
        claimed, said = numbers_in(value), numbers_in(answer)
        return bool(claimed) and bool(said) and (claimed <= said or said <= claimed)
    return False


def answer_span(ev: Evidence):
    """The answer's tokens in the parse of its quote (None where no tokens cover it)."""
    offset = ev.start - ev.quote_start
    return parse(ev.quote).char_span(offset, offset + len(ev.answer or ""), alignment_mode="expand")


def answer_kind(ev: Evidence) -> str:
    """The kind of thing an answer is: that of the entity holding its head word (or the head's
    apposition or number: "his then-wife, Demi Moore", "second trial"), read as a claim's slot would
    be ("Masterson, 47," is an age, "the last 15 years" a duration). "women he met through the
    Church" is a thing."""
    span = answer_span(ev)
    doc = parse(ev.quote)
    heads = [] if span is None else [span.root, *(c for c in span.root.children if c.dep_ in ("appos", "nummod", "amod"))]
    kinds = {slot_kind(e)[0] for e in doc.ents if any(e.start <= h.i < e.end for h in heads)}
    if WEEKDAYS_MONTHS.search(ev.answer or "") or "date" in kinds:
        return "date" if not DURATION.search(ev.answer or "") else "number"
    for kind in ("person", "organisation", "place", "number"):
        if kind in kinds:
            return kind
    if re.search(r"\d", ev.answer or ""):
        return "number"
    # a proper name the small NER model leaves untyped or calls an event ("Good Morning America")
    return "organisation" if heads and heads[0].pos_ == "PROPN" else "thing"


def plays_another_role(claim: str, slot: str, ev: Evidence) -> bool:
    """Whether an answer is someone the claim already speaks of by role, so no rival to the slot:
    "Judge Charlaine Olmedo" or "the judge, Charlaine Olmedo" for a claim about a letter "to the
    judge" (the reader, asked who was no harm, points at the one written to)."""
    span = answer_span(ev)
    if span is None:
        return False
    roles = [c for c in span.root.children if c.dep_ in ("compound", "appos") and not span.start <= c.i < span.end]
    if span.root.dep_ == "appos":
        roles.append(span.root.head)
    words = {t.lemma_.lower() for t in roles if t.pos_ in ("NOUN", "PROPN") and not t.ent_type_}  # a title, not a name
    slot_words = set(slot.lower().split())
    # the claim's own role words, not the slot's title ("Judge Kurtwood Smith" names the slot)
    return any(t.lemma_.lower() in words for t in parse(claim) if t.pos_ in ("NOUN", "PROPN")
               and t.lower_ not in slot_words and not (t.dep_ in ("compound", "appos") and t.head.lower_ in slot_words))


def number_unit(text: str) -> str:
    """The unit a number is counted in, for comparing like with like: "" for a bare number or an age
    ("47", "45 years old"), else the word after it ("30 years" → "year", "two counts" → "count")."""
    text = re.sub(r"\b(?:years?|months?)[ -]old\b|\bold\b", "", text.lower())
    unit = re.search(r"(?:\d[\d,.]*|\b(?:" + "|".join(map(re.escape, NUMBER_WORDS)) + r"))\s*-?\s*([a-z]+)", text)
    return unit.group(1).rstrip("s") if unit else ""


class ClaimChecker:
    """Turns a claim into questions, asks them all at once with ``ask``, and decides from the answers."""

    def __init__(self, ask: Callable[[list[str]], list[Reading]], embed: Callable[[list[str]], np.ndarray]) -> None:
        self.ask = ask  # questions in, readings (answer and candidate spans) out, in one batch
        self.embed = embed

    def check(self, claim: str) -> Verdict:
        slots = claim_slots(claim)
        whens = when_questions(claim)
        questions = [slot.question for slot in slots] + whens
        unique = list(dict.fromkeys(questions))  # a question two slots share is read once
        read = dict(zip(unique, self.ask(unique)))
        readings = [read[q] for q in questions]
        answers = [reading.answer for reading in readings]
        asked = list(zip(slots, answers))
        # spans the reader was unsure of that say a named, dated or counted slot's own value ("45" for
        # "Ashton Kutcher is 45"; an object in a long span says little), from a sentence that also
        # names another of the claim's facts
        unsure = [tuple(e for e in reading.candidates if e.answer and e.score >= CONFIRM and slot.kind != "thing"
                        and says_value(e.answer, slot.text, slot.kind)
                        and any(mentions_name(e.quote, other.text) for other in slots if other is not slot)
                        and not _outranked(reading.candidates, slot.text, slot.kind, e))
                  for slot, reading in zip(slots, readings)]
        # the reader's best span, however unsure, for a dated or counted slot: it may refute when its
        # sentence tells the claim's very event ("Kutcher founded the group … in 2009")
        best = [next((e for e in reading.candidates if e.answer and e.score >= CONFIRM), None)
                if slot.kind in ("date", "number") and not any(
                    e.answer and says_value(e.answer, slot.text, slot.kind) for e in reading.candidates) else None
                for slot, reading in zip(slots, readings)]
        # passages retrieved for a question the reader left unanswered, naming the claim's subject: they
        # may still say its verb does not hold ("… despite pleading not guilty")
        subjects = [slot.text for slot in slots if slot.subject]
        unanswered = [e for _, ans in asked if ans.answer is None for e in ans.evidence
                      if subjects and all(mentions_name(e.quote, name) for name in subjects)]
        # every span as sure as an answer that says the slot's value: one source may name several actors,
        # but not several first or only ones: there the reader's best span of that sentence decides
        sure = [tuple(e for e in reading.sure if says_value(e.answer or "", slot.text, slot.kind)
                      and not (slot.unique and _outranked(reading.candidates, slot.text, slot.kind, e)))
                for slot, reading in zip(slots, readings)]
        quotes = sorted({e.quote for _, ans in asked for e in ans.evidence if e.answer is not None}
                        | {e.quote for found in unsure + sure for e in found} | {e.quote for e in unanswered})
        relevance = dict(zip(quotes, self._similarity(claim, quotes))) if quotes else {}
        checks = [self._check(claim, slot, ans, relevance, found, guess, said)
                  for (slot, ans), found, guess, said in zip(asked, unsure, best, sure)]
        checks = [self._named_alongside(c, checks, reading.candidates) if slot.subject and c.outcome == "unanswered"
                  else self._said_with_the_verb(claim, c, checks) if c.outcome == "unanswered" else c
                  for slot, c, reading in zip(slots, checks, readings)]
        if whens and any(c.outcome != "unanswered" for c in checks):
            checks.append(self._context(claim, whens, readings[len(slots):]))
        # any confident answer's sentence about the claim, a paraphrased object's included ("the organization's work")
        answered = [e for c in checks for e in c.answers if e.answer is not None] + unanswered
        opposed = [e for e in answered if (relevance.get(e.quote, 0.0) >= RELEVANT or same_event(claim, e.quote, ""))
                   and opposite_sense(claim, e.quote)]
        if opposed:
            root = next(iter(parse(claim).sents)).root
            checks.append(SlotCheck(root.text, "polarity", f"Does it say that the claim's '{root.text}' holds?",
                                    "contradicted", tuple(_unique(opposed))))
        label = self._label(checks, frozenset(s.text for s in slots if s.subject),
                            frozenset(s.text for s in slots if s.named_object))
        confirming = [e.quote for c in checks if c.outcome in ("confirmed", "conflicting") for e in c.answers]
        if label == "SUPPORTED" and not predicate_attested(claim, confirming):
            root = inflected_part(next(iter(parse(claim).sents)).root)
            checks.append(SlotCheck(root.text, "predicate", f"Does a sentence with these facts say '{root.lemma_}'?",
                                    "unanswered", ()))
            label = "NOT_ENOUGH_INFO"
        deciding = [c for c in checks if c.outcome == ("contradicted" if label == "REFUTED" else "confirmed")
                    or (label == "SUPPORTED" and c.outcome == "conflicting")]
        evidence = _unique([e for c in deciding for e in c.answers] + [e for c in checks for e in c.answers])
        if not evidence:  # nothing answered: the closest passages
            evidence = _unique([e for _, ans in asked for e in ans.evidence])[:3]
        scores = [e.score for c in deciding for e in c.answers]
        score = round(float(np.mean(scores)), 4) if scores else 0.0
        return Verdict(claim, label, score, tuple(evidence), tuple(checks))

    def _similarity(self, claim: str, quotes: Sequence[str]) -> list[float]:
        vectors = self.embed([claim, *quotes])
        return [float(v @ vectors[0]) for v in vectors[1:]]

    @staticmethod
    def _check(claim: str, slot: Slot, ans: Answer, relevance: dict[str, float],
               unsure: Sequence[Evidence] = (), guess: Evidence | None = None,
               sure: Sequence[Evidence] = ()) -> SlotCheck:
        """Confirmed by an answer (or a span as sure) that says the slot's value; contradicted by an
        answer that says another value for the same fact. Where no confident answer says anything of
        the kind, a span the reader was unsure of confirms the value when its sentence is about the
        claim: the reader's doubt is whether the sentence answers at all, and the claim has named the
        very words. The reader's best guess, when no span of its says the value, refutes a date or a
        count only from a sentence that tells the claim's very event (its verb and another of its
        names): closeness of meaning alone is not enough when the reader doubts."""
        answers = [e for e in ans.evidence if e.answer is not None]
        matching = _unique([e for e in answers if says_value(e.answer, slot.text, slot.kind)] + list(sure))
        differing = [e for e in answers if e not in matching and _differs(claim, slot, e, relevance)]
        beside: list[Evidence] = []
        if not matching and not differing:
            matching = [e for e in unsure if relevance.get(e.quote, 0.0) >= RELEVANT or same_event(claim, e.quote, slot.text)
                        or (slot.kind == "number" and names_the_owner(claim, e.quote, slot.text))][:1]
            # the confident answer stays beside it: its sentence may still oppose the claim's predicate
            beside = answers[:1] if matching else []
            if not matching and guess is not None and same_event(claim, guess.quote, slot.text) \
                    and _differs(claim, slot, guess, {}):
                differing = [guess]
        outcome: Outcome = ("conflicting" if matching and differing else "confirmed" if matching
                            else "contradicted" if differing else "unanswered")
        return SlotCheck(slot.text, slot.kind, slot.question, outcome,
                         tuple(matching + differing + beside) or tuple(answers[:1]))

    @staticmethod
    def _named_alongside(check: SlotCheck, checks: Sequence[SlotCheck], candidates: Sequence[Evidence]) -> SlotCheck:
        """The subject's in-place question ("Who is 45?") is the vaguest; a sentence that confirms
        another fact of the claim and names the subject confirms it too ("Kutcher, 45, announced …"),
        unless the reader, asked for the subject, preferred another of that sentence's names."""
        found = [e for c in checks if c.outcome == "confirmed" and c is not check for e in c.answers
                 if mentions_name(e.quote, check.slot) and not _outranked(candidates, check.slot, check.kind, e)]
        return changed(check, outcome="confirmed", answers=tuple(_unique(found))) if found else check

    @staticmethod
    def _said_with_the_verb(claim: str, check: SlotCheck, checks: Sequence[SlotCheck]) -> SlotCheck:
        """A fact after a preposition of the claim's verb ("introduced to Europe") is confirmed by a
        sentence that confirms another fact and says it after the same verb and preposition: asked
        "Where was plague introduced …?", the reader may answer with another place that sentence
        names ("at the port city of Kaffa"). "landed at Askøy, then spread to … Bergen" does not
        say "landed at Bergen". Dates and numbers stay with the reader and its doubt."""
        ent = next((e for e in parse(claim).ents if e.text == check.slot), None)
        if check.kind in ("date", "number") or ent is None or ent.root.dep_ != "pobj" or ent.root.head.head.pos_ != "VERB":
            return check
        preposition, verb = ent.root.head.lower_, ent.root.head.head.lemma_.lower()
        found = [e for c in checks if c.outcome == "confirmed" and c is not check for e in c.answers
                 if any(mentions_name(" ".join(x.text for x in obj.subtree), check.slot)
                        for t in parse(e.quote) if t.pos_ == "VERB" and t.lemma_.lower() == verb
                        for p in t.children if p.dep_ == "prep" and p.lower_ == preposition
                        for obj in p.children if obj.dep_ == "pobj")]
        return changed(check, outcome="confirmed", answers=tuple(_unique(found))) if found else check

    @staticmethod
    def _context(claim: str, questions: Sequence[str], readings: Sequence[Reading]) -> SlotCheck:
        """The event's date as each source gives it, conflicting when they disagree: per source the
        reader's best date (at least CONFIRM sure, from any of the questions) said of a verb whose
        clause tells the claim's action; "Kutcher founded the group … in 2009" dates the founding,
        and "is stepping down from the organization he co-founded in 2009" too."""
        per_source: dict[str, Evidence] = {}
        for e in sorted((e for r in readings for e in r.candidates), key=lambda e: -e.score):
            if e.answer and e.score >= CONFIRM and e.source not in per_source and answer_kind(e) == "date" \
                    and _dates_the_action(claim, e):
                per_source[e.source] = e
        answers = list(per_source.values())
        differ = any(not same_answer(a.answer, b.answer) for a in answers for b in answers if a.source != b.source)
        outcome: Outcome = "conflicting" if differ else "confirmed" if answers else "unanswered"
        return SlotCheck("", "context", " / ".join(questions), outcome, tuple(answers))

    @staticmethod
    def _label(checks: Sequence[SlotCheck], subjects: frozenset[str] = frozenset(),
               objects: frozenset[str] = frozenset()) -> Label:
        """REFUTED on any contradiction; SUPPORTED when every named, dated or counted fact is confirmed
        (an object, named or in the claim's own words, confirms when the answer says it, but its
        paraphrase in the articles does not hold the verdict back); else NOT_ENOUGH_INFO."""
        if any(c.outcome == "contradicted" for c in checks):
            return "REFUTED"
        checks = [c for c in checks if c.kind not in ("context", "polarity")]
        facts = [c for c in checks if c.kind != "thing" and not (c.slot in objects and c.outcome == "unanswered")]
        facts = facts or list(checks)
        said = [c for c in facts if c.outcome in ("confirmed", "conflicting")]
        # the subject's in-place question ("Who is 45?") may go unanswered when every other fact is confirmed
        # (not one of several subjects: "Syria and what launched …?" is no vague question)
        vague = [c for c in facts if c.outcome == "unanswered" and c.slot in subjects and len(subjects) == 1]
        if facts and len(said) + len(vague) == len(facts) and len(said) > len(vague):
            return "SUPPORTED"
        return "NOT_ENOUGH_INFO"


def _differs(claim: str, slot: Slot, e: Evidence, relevance: dict[str, float]) -> bool:
    """Whether an answer that does not say the slot's value says another one for the same fact: the
    same kind, from a sentence about the claim (close to it, or telling its event; a number must count
    the same thing) that does not itself also say the value (then it may well agree). The subject's
    question ("Who wrote a letter?") has as many answers as the event has actors: another one named
    does not make the claim's false, unless the claim says it was the only or first one. A relative
    date ("the following week") is no day to compare, nor a date of the event somewhere else."""
    if slot.kind == "date" and _elsewhere(claim, e.quote):
        return False
    if acts_on_another(claim, e.quote, slot.text):
        return False
    if slot.kind == "place" and not predicate_attested(claim, [e.quote]):
        return False  # another event's place: "At their Kuwait meeting, OAPEC proclaimed the embargo" for "lifted"
    close = relevance.get(e.quote, 0.0) >= RELEVANT
    return (slot.kind != "thing" and (not slot.subject or slot.unique)
            and not (slot.kind == "date" and RELATIVE.search(slot.text))
            and same_kind(answer_kind(e), slot.kind) and not mentions(e.quote, slot.text)
            and not (slot.kind in ("person", "organisation") and plays_another_role(claim, slot.text, e))
            and (counts_the_same(claim, slot.text, e, close) if slot.kind == "number"
                 else close or same_event(claim, e.quote, slot.text)))


def _dates_the_action(claim: str, ev: Evidence) -> bool:
    """Whether a date answered is said of the claim's action: the clause of the nearest verb above
    it tells that action (the claim's verb or one of its kind)."""
    span = answer_span(ev)
    verb = None if span is None else next((t for t in span.root.ancestors if t.pos_ in ("VERB", "AUX")), None)
    clause = ev.quote if verb is None else verb.doc[verb.left_edge.i : verb.right_edge.i + 1].text
    return predicate_attested(claim, [clause])


def _outranked(candidates: Sequence[Evidence], value: str, kind: str, said: Evidence) -> bool:
    """Whether the reader's best span of the value's kind in the sentence of ``said`` gives another
    value: asked "What holds 60% of the rainforest?" of "… within Brazil, with 60% …, and with minor
    amounts in Venezuela", its "Brazil" there tells that "Venezuela" holds nothing of the sort."""
    best = next((c for c in candidates if (c.source, c.quote_start) == (said.source, said.quote_start)
                 and c.answer and same_kind(answer_kind(c), kind)), None)
    return best is not None and not says_value(best.answer, value, kind)


def _elsewhere(claim: str, quote: str) -> bool:
    """Whether a sentence tells of another place than the claim's: it names places, none of them the
    claim's ("By autumn 1347, the plague reached Alexandria in Egypt" for "… reached Cairo in 1349").
    A sentence that names no place at all may well tell of the claim's."""
    def places(text: str) -> list[str]:
        return [ent.text for ent in parse(text).ents if KIND_OF_LABEL.get(ent.label_) == "place"]
    claimed, told = places(claim), places(quote)
    return bool(claimed) and bool(told) and not any(mentions_name(quote, place) for place in claimed)


def _unique(items: Sequence[Evidence]) -> list[Evidence]:
    seen, out = set(), []
    for e in items:
        key = (e.source, e.start, e.end, e.quote_start)
        if key not in seen:
            seen.add(key)
            out.append(e)
    return out
