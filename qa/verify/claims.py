"""Claim checking by asking: each fact of a claim becomes a question, the reader answers it from the
articles, and the answers are compared with the claim's own words.

"Kutcher co-founded Thorn with Danny Masterson" holds three facts (slots): a person, an
organisation, a person. Each becomes a question by putting its wh-word in its place, built from
spaCy's parse: the subject is asked in place ("Who co-founded Thorn with Danny Masterson?"), any
other slot is fronted with its auxiliary or do-support ("Who did Kutcher co-found Thorn with?").
A second clause with its own subject ("… while Kunis stayed on") is asked alone. The reader's
answers (every span above the threshold) are compared with the slot after normalisation (case,
punctuation, number words, name containment: "Moore" is "Demi Moore"):

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
information. What the reader cannot express, the sense of the predicate, has one small, general
check: a claim that something carries on ("stays on") against a sentence that says it stops
("is stepping down"), one that a court acquitted against one that it convicted ("found guilty"),
or a negation the sentence does not share; and a SUPPORTED verdict needs a confirming sentence to
say the claim's verb, or a verb of the same action in news copy ("published" for "posted").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from dataclasses import replace as changed

import numpy as np

from qa.nlp import parse
from qa.results import Answer, Evidence, Label, Outcome, Reading, SlotCheck, Verdict
from qa.verify.agreement import NUMBER_WORDS, same_answer

MAX_SLOTS = 4  # facts asked per claim: entities first, then the object
# a reader span at least this sure (margin score) confirms a value the claim names; refuting takes the
# calibrated threshold
CONFIRM = 0.2
RELEVANT = 0.45  # cosine of claim and evidence sentence above which a differing answer is about the claim
KIND_OF_LABEL = {
    "PERSON": "person", "ORG": "organisation", "NORP": "organisation", "GPE": "place", "LOC": "place",
    "FAC": "place", "DATE": "date", "TIME": "date", "CARDINAL": "number", "QUANTITY": "number",
    "MONEY": "number", "PERCENT": "number", "ORDINAL": "number", "EVENT": "thing", "WORK_OF_ART": "thing",
    "LAW": "thing", "PRODUCT": "thing", "LANGUAGE": "thing",
}
WH = {"person": "who", "organisation": "what", "place": "where", "date": "when", "number": "how many", "thing": "what"}
DO_SUPPORT = {"VBD": "did", "VBZ": "does", "VBP": "do"}
WEEKDAYS_MONTHS = re.compile(r"\b(?:mon|tues|wednes|thurs|fri|satur|sun)day\b|\b(?:january|february|march|april|may|"
                             r"june|july|august|september|october|november|december)\b", re.IGNORECASE)
RELATIVE = re.compile(r"\b(?:following|next|previous|prior|before|after|later|earlier|same)\b", re.IGNORECASE)
DURATION = re.compile(r"\b(?:years?|months?|weeks?|days?|hours?|minutes?)\b", re.IGNORECASE)
# the sense of a predicate that a span reader cannot answer, as pairs of opposite poles: carrying on
# versus stopping, a court clearing someone versus finding them guilty
OPPOSITES: tuple[tuple[frozenset[str], frozenset[str]], ...] = (
    (frozenset({"stay", "remain", "continue", "keep", "retain"}),
     frozenset({"resign", "leave", "quit", "exit", "depart", "stop", "end", "withdraw", "retire", "abandon", "step"})),
    (frozenset({"acquit", "exonerate"}), frozenset({"convict"})),
)
SENSE_OF = {word: (pair, pole) for pair, poles in enumerate(OPPOSITES) for pole, words in enumerate(poles) for word in words}
CONTRASTING = frozenset({"while", "whereas", "although", "though"})  # marks of a side clause with a fact of its own
NEGATORS = frozenset({"neither", "nor", "no", "none", "nobody", "nothing", "never"})
# who did what, and nothing more: "Kutcher stepped down", "the plague reached Cairo"
BARE_EVENT = frozenset({"nsubj", "nsubjpass", "aux", "auxpass", "neg", "prt", "advmod", "dobj"})
COMPLEMENTS = frozenset({"ccomp", "xcomp", "attr", "acomp"})  # what a verb says, means or is: its negation carries down
NEGATING = frozenset({"refuse", "fail", "decline", "deny", "avoid", "neglect"})  # "refused to raise" did not raise
# verbs that tell the same action in news copy: one says the other's predicate ("posted" for "published")
PARAPHRASES: tuple[frozenset[str], ...] = (
    frozenset({"post", "publish", "release", "share", "upload", "print"}),
    frozenset({"write", "pen", "send", "submit"}),  # of letters and statements: "sent in letters"
    frozenset({"thank", "grateful", "gratitude", "appreciate"}),
    frozenset({"found", "establish", "launch", "create"}),
    frozenset({"criticize", "criticise", "condemn", "slam", "blast", "denounce"}),
)
LIGHT_VERBS = frozenset({"take", "make", "give", "get", "do", "hold", "put", "pay"})
REPORTING = frozenset({"say", "tell", "announce", "state", "add", "write", "claim", "insist", "report"})
BELIEVING = frozenset({"think", "believe"})  # like a verb of saying, they carry what is held: "did not think he was …"
# a subject said to be the only or first one ("Time first reported …") has no other actors beside it
UNIQUE = frozenset({"first", "only", "sole", "solely"})
LOCATIVE = frozenset({"in", "at", "on", "from", "to", "into", "onto", "near", "across", "through", "throughout", "around",
                      "inside", "outside", "within", "toward", "towards", "along", "between", "over", "under", "off"})
WHERE_OF_NOUN = frozenset({"in", "at", "near", "inside", "outside", "within", "throughout", "across"})
WHERE_OF_VERB = frozenset({"in", "at", "on"})  # an organisation after these tells where the action took place


@dataclass(frozen=True)
class Slot:
    """A fact of the claim: its words, their kind, the question that asks for them, and whether
    they are (in) the subject, whose in-place question ("Who is 45?") is the vaguest."""

    text: str
    kind: str
    question: str
    subject: bool = False
    unique: bool = False  # a subject said to be the only or first one: another answer contradicts it
    named_object: bool = False  # a name as the verb's object: the articles may call it otherwise ("the group")




def slot_kind(ent) -> tuple[str, str]:
    """(kind, wh-phrase) of an entity of the claim."""
    kind = KIND_OF_LABEL.get(ent.label_, "thing")
    text = ent.text
    if kind == "date" and (re.search(r"\bold\b", text) or (text.isdigit() and int(text) < 130)):
        return "number", "how old"  # "47 years old", "Kutcher, 45,"
    if kind == "date" and DURATION.search(text) and numbers_in(text) and not WEEKDAYS_MONTHS.search(text):
        return "number", "how long"
    if ent.label_ == "ORDINAL":
        return "number", "which"
    if ent.label_ == "MONEY":
        return "number", "how much"
    preposition = ent.root.head if ent.root.dep_ == "pobj" else None
    if kind == "place" and (ent.root.dep_ not in ("pobj", "npadvmod", "advmod")
                            or (preposition is not None and (preposition.lower_ not in LOCATIVE or (
                                preposition.head.pos_ == "NOUN" and preposition.lower_ not in WHERE_OF_NOUN)))):
        # a place as subject or object is a thing named ("visited Oslo" → what did … visit?), and so is
        # one after "of" or "for": often a person the small NER model took for a place ("in support of
        # Masterson"); after a noun, a place is where the thing is ("a meeting in Vienna") or its target
        # ("an attack on Israel", "aid to Israel": what was attacked, not where)
        return kind, "what"
    if kind == "organisation" and preposition is not None and preposition.lower_ in WHERE_OF_VERB \
            and preposition.head.pos_ == "VERB":
        return kind, "where"  # "posted on Instagram", "worked at Google": where, not "what … on?"
    return kind, WH[kind]


def same_kind(a: str, b: str) -> bool:
    """Kinds that can contradict each other; the small NER model mixes up people and organisations."""
    names = {"person", "organisation"}
    return a == b or (a in names and b in names)


def _words(tokens, replace: dict[int, str]) -> str:
    """The tokens as text, with their own spacing (a space where words between were left out), some replaced."""
    tokens = list(tokens)
    out = []
    for t, after in zip(tokens, [*tokens[1:], None]):
        space = t.whitespace_ or (" " if after is not None and after.i != t.i + 1 and not after.is_punct else "")
        out.append(replace.get(t.i, t.text) + space)
    return "".join(out).strip()


def slot_question(doc, start: int, end: int, wh: str, drop: frozenset[int] = frozenset()) -> str:
    """The question whose answer is the claim's tokens ``[start, end)``: the wh-phrase in their place
    when they are (in) the subject, else fronted with the auxiliary or with do-support; the tokens
    ``drop`` are left out."""
    span = doc[start:end]
    root = doc[start].sent.root
    own = _own_clause(span.root) if start < end else None
    if own is not None:  # "… while Kunis stayed on as a board observer" → "Who stayed on as a board observer?"
        root = own
    tokens = [t for t in root.subtree if not (t.head == root and t.dep_ in ("mark", "cc"))] if own is not None \
        else list(doc[start].sent)
    remove = set(range(start, end)) | alternatives(doc) | _side_clauses(root) | drop
    if start == end:  # no slot: the claim itself, asked with ``wh`` in front ("When did Kutcher resign?")
        pass
    elif wh in ("when", "where", "how long", "how old"):
        head = span.root.head
        if span.root.dep_ == "pobj" and head.dep_ == "prep" and len(list(head.children)) == 1:
            remove.add(head.i)  # "on Thursday" → when, "in Oslo" → where
        if wh == "how old":
            remove |= {t.i for t in tokens if t.lower_ in ("years", "year", "old") and t.i >= start}
    if start < end and wh in ("how many", "which") and span.root.dep_ in ("nummod", "amod"):
        noun = span.root.head  # "two rape charges" → how many rape charges; "first trial" → which trial
        of = [x for c in noun.children if c.dep_ == "prep" and c.lower_ == "of" and c.i > noun.i for x in c.subtree]
        phrase = [t for t in [*noun.lefts, noun, *of] if t.i not in remove and t.dep_ not in ("det", "poss", "case")]
        wh = f"{wh} " + " ".join(t.text for t in phrase)
        remove |= {t.i for t in phrase} | {x.i for c in noun.children if c.dep_ in ("det", "poss", "case") for x in c.subtree}
    elif start < end and wh == "how many" and (unit := _unit_of(span)):
        # the unit is asked with the number: "7,000,000 square kilometres" → how many square kilometres,
        # "60% of the rainforest" → what percentage of the rainforest; an amount's own "of" phrase goes with it
        of = [x for c in span.root.children if c.dep_ == "prep" and c.lower_ == "of" and c.i >= end for x in c.subtree]
        if unit[-1].text == "%":
            wh = "what percentage " + _words(of, {}) if of else "how much"
        else:
            wh = "how many " + _words([*unit, *of], {})
        remove |= {t.i for t in of} | {x.i for c in span.root.lefts if c.i < start for x in c.subtree}
    elif wh in ("how many", "which"):
        wh = "how many" if wh == "how many" else "what"
    if start < end and wh == "how old" and span.root.dep_ == "appos":
        return f"How old is {span.root.head.text}?"  # "Mila Kunis, 45, co-starred ..."
    clause = next((a for a in span.root.ancestors if a.dep_ == "acl" and a.tag_ == "VBN"), None) if start < end else None
    if clause is not None and not start <= clause.head.i < end:
        # a fact of a participle clause is asked of that clause alone: "… addressed the letters in a
        # video posted on Instagram" → "Where was the video posted?"
        noun = clause.head
        named = [t for t in noun.lefts if t.dep_ in ("compound", "amod")] + [noun]
        remove |= {c.i for c in span.root.children if c.dep_ == "det"}
        asked = [t for t in clause.subtree if t.i not in remove]
        be = "were" if noun.tag_ in ("NNS", "NNPS") else "was"
        return f"{wh[0].upper()}{wh[1:]} {be} the {_words(named, {})} {_words(asked, {})}?"
    possessive = start < end < len(doc) and doc[end].text in ("'s", "’s")
    if possessive:
        wh, remove = "whose", remove | {end}
    kept = [t for t in tokens if t.i not in remove and not (t.is_punct and t.i == tokens[-1].i)]
    subjects = [t for t in root.children if t.dep_ in ("nsubj", "nsubjpass")]
    in_subject = start < end and any(start >= min(x.i for x in s.subtree) and end - 1 <= max(x.i for x in s.subtree)
                                     for s in subjects)
    if in_subject or possessive or not subjects or root.pos_ not in ("VERB", "AUX"):  # asked in place
        first = start
        before = [t for t in kept if t.i < first]
        after = [t for t in kept if t.i >= end]
        text = (_words(before, {}) + " " + wh + " " + _words(after, {})).strip()
        return text[0].upper() + text[1:] + "?"
    # a fronted adverbial ("In his letter to the judge, Kutcher said …") goes to the end of the question
    opening = min(x.i for s in subjects for x in s.subtree)
    fronted = {x.i for c in root.children if c.dep_ in ("prep", "advcl", "npadvmod", "advmod") and c.i < opening
               and c.right_edge.i < opening for x in c.subtree}
    tail = [t for t in kept if t.i in fronted]
    kept = [t for t in kept if t.i not in fronted and not (fronted and t.is_punct and t.i < opening)]
    aux = next((t for t in root.children if t.dep_ in ("aux", "auxpass") and t.i < root.i), None)
    replace: dict[int, str] = {}
    if aux is not None:
        front, kept = aux.text.lower(), [t for t in kept if t.i != aux.i]
    elif root.lemma_ == "be":
        front, kept = root.text.lower(), [t for t in kept if t.i != root.i]
    else:
        front = DO_SUPPORT.get(root.tag_, "did")
        verb = inflected_part(root)
        replace[verb.i] = verb.lemma_
    if kept and kept[0].i == tokens[0].i and kept[0].pos_ != "PROPN" and not kept[0].ent_type_ and kept[0].text != "I":
        replace[kept[0].i] = kept[0].text.lower()
    if tail and tail[0].pos_ != "PROPN" and not tail[0].ent_type_:
        replace[tail[0].i] = tail[0].text.lower()
    return f"{wh[0].upper()}{wh[1:]} {front} {_words(kept, replace)} {_words(tail, replace)}".rstrip() + "?"


def _own_clause(token):
    """The second clause a token stands in, when that clause has a subject of its own ("… while
    Kunis stayed on", "… and Lee stepped down"): its facts are asked of that clause alone."""
    for verb in token.ancestors:
        if verb.dep_ in ("advcl", "conj") and verb.pos_ in ("VERB", "AUX") \
                and any(c.dep_ in ("nsubj", "nsubjpass") for c in verb.children):
            return verb
        if verb.dep_ == "ROOT":
            return None
    return None


def _side_clauses(verb) -> set[int]:
    """The tokens of a verb's side clauses that tell another fact of someone else ("and Kunis stayed
    on", "while Kunis stayed on"), with their conjunction: a question about the main clause leaves
    them out. A clause that places the main event in time ("before Kutcher stepped down") stays."""
    out: set[int] = set()
    for clause in verb.children:
        if clause.pos_ not in ("VERB", "AUX") or not any(c.dep_ in ("nsubj", "nsubjpass") for c in clause.children):
            continue
        marks = {c.lower_ for c in clause.children if c.dep_ == "mark"}
        if clause.dep_ == "conj" or (clause.dep_ == "advcl" and marks & CONTRASTING):
            out |= {t.i for t in clause.subtree}
            joint = clause.left_edge.i - 1  # "and", ", and", ", while"
            while joint >= 0 and verb.doc[joint].dep_ in ("cc", "punct", "mark") and verb.doc[joint].head in (verb, clause):
                out.add(joint)
                joint -= 1
    return out


def inflected_part(verb):
    """The inflected part of a hyphenated verb, which the tokenizer splits: "co-founded" → "founded"."""
    doc = verb.doc
    while verb.i + 2 < len(doc) and doc[verb.i + 1].text == "-" and not verb.whitespace_ and not doc[verb.i + 1].whitespace_:
        verb = doc[verb.i + 2]
    return verb


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
    return any(_mentions(quote, e.root.text) for e in claim_doc.ents if e.text != slot)


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
    if claimed is None or _mentions(claimed, slot) or _mentions(slot, claimed):
        return False
    told = [_named_object(t) for t in parse(quote) if t.lemma_.lower() == root.lemma_.lower() and t.pos_ == "VERB"]
    return bool(told) and all(o is not None and not _names(o, claimed) and not _names(claimed, o) for o in told)


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
    return bool(owners) and len(names) == len(owners) and all(_names(quote, n) for n in names)


def counts_the_same(claim: str, slot: str, ev: Evidence, close: bool) -> bool:
    """Whether a number answered counts what the claim's number counts: the same noun ("three women"
    for "two women", "second trial" for "first trial") in a sentence close to the claim or naming
    whom it is about; for an age or a bare figure, the same one named in the same unit ("Masterson,
    47," for "Masterson is 45 years old"); for a duration, the same action measured (its verb or
    noun: "known for 25 years" and "knew for 25 years", "thanked for his participation over 5
    years" and "grateful for his participation over 15 years"; "sentenced to 30 years" says
    nothing of how long they had "known" him), in a close sentence or one naming whom it is about."""
    doc = parse(claim)
    number = next((e for e in doc.ents if e.text == slot), None)
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


def predicate_attested(claim: str, quotes: Sequence[str]) -> bool:
    """Whether a sentence that confirms the claim's facts also says its action: the claim's main verb,
    or a word of the same stem ("resign", "resignation"), or one that tells the same action in news
    copy ("posted" for "published", "grateful" for "thanked"). Facts alone do not make "Masterson was
    acquitted in May" true of a sentence saying he was found guilty in May. A claim whose verb is
    "be" or "have" states its facts and nothing more; a light verb's object says the action ("took
    effect": "effective"); a verb of stopping or carrying on is said by any other of its kind."""
    root = inflected_part(next(iter(parse(claim).sents)).root)
    if root.pos_ not in ("VERB", "AUX") or root.lemma_.lower() in ("be", "have"):
        return True
    if root.lemma_.lower() in REPORTING and any(_says_what_was_said(parse(quote), _told(root)) for quote in quotes):
        return True
    words = [root] + ([c for c in root.children if c.dep_ == "dobj"] if root.lemma_.lower() in LIGHT_VERBS else [])
    lemmas = {w.lemma_.lower() for w in words}
    if not any(c.dep_ == "ccomp" for c in root.children):  # what was written or said is no paraphrase's to attest
        lemmas |= {p for group in PARAPHRASES if group & lemmas for p in group}
    stems = {word.rstrip("e") for word in lemmas}
    sense = _sense(_reported(root))  # "leaving" is said by "stepping down"
    # a closed compound ends with the claim's very word form ("windblown" says "blown")
    closed = root.lower_ if len(root.lower_) >= 4 else None
    return any(t.lemma_.lower().startswith(stem) or (sense is not None and _sense(t) == sense)
               or (closed is not None and t.lower_.endswith(closed))
               for quote in quotes for t in parse(quote) for stem in stems)


def _says_what_was_said(doc, told: Sequence) -> bool:
    """Whether a sentence reports (any verb of saying or believing: "wrote" for "said") all that the
    claim says was said, under as many negations ("I do not believe he is an ongoing harm" for "said
    he did not think he was an ongoing harm")."""
    return bool(told) and any(t.lemma_.lower() in REPORTING | BELIEVING for t in doc) and all(
        any(t.lemma_.lower() == x.lemma_.lower() and _negations(t) % 2 == _negations(x) % 2 for t in doc) for x in told)


def claim_slots(claim: str) -> list[Slot]:
    """The facts of the claim to ask about: its entities, then the main verb's object, at most MAX_SLOTS."""
    doc = parse(claim)
    slots: list[Slot] = []
    taken: set[int] = set()
    ruled_out = alternatives(doc)
    for ent in doc.ents:
        if _inside_a_name(ent) or _marks_unique(ent.root):
            continue  # "first reported", "was the first outlet": the subject's question asks it
        if ent.root.dep_ == "compound" and ent.root.head.pos_ == "NOUN" and not ent.root.head.ent_type_ \
                and KIND_OF_LABEL.get(ent.label_) not in ("date", "number"):
            continue  # "the Amazon basin": a name that only says which basin; "The who basin …?" asks nothing
        if ent.root.i in ruled_out:
            continue  # "rather than Instagram": the claim denies it, so the other slot's answer tells
        kind, wh = slot_kind(ent)
        root = _own_clause(ent.root) or ent.sent.root  # the subject of a second clause acts there
        subject = any(ent.root.i in {x.i for x in c.subtree} for c in root.children if c.dep_ in ("nsubj", "nsubjpass"))
        unique = subject and any(_marks_unique(t) for t in ent.sent)
        if subject and kind in ("person", "organisation") and root.lemma_ != "be":
            # people and organisations both act ("Who said …?"), and the NER model mixes them up; what
            # one *is* keeps its kind's word ("What was the first outlet …?")
            wh = "who"
        slots.append(Slot(ent.text, kind, slot_question(doc, ent.start, ent.end, wh), subject, unique,
                          named_object=ent.root.dep_ == "dobj" and kind not in ("date", "number")))
        taken |= set(range(ent.start, ent.end))
    for sent in doc.sents:
        for obj in (t for t in sent.root.children if t.dep_ == "dobj"):
            words = [t for t in obj.subtree if t.dep_ not in ("det", "poss") and t.i >= obj.left_edge.i]
            lo, hi = min(t.i for t in words), max(t.i for t in words) + 1
            if taken.isdisjoint(range(lo, hi)) and not obj.is_stop:
                # the question drops the determiner too: "What did Kutcher write to …?", not "… write his to …"
                slots.append(Slot(doc[lo:hi].text, "thing", slot_question(doc, obj.left_edge.i, hi, "what")))
    root = next(iter(doc.sents)).root
    clause = next((c for c in root.children if c.dep_ == "ccomp"), None)
    if not slots and clause is not None:
        # nothing named and no object: what the subject says or finds is asked for, and its sentence is
        # held against the claim ("What do recent findings suggest?")
        lo, hi = clause.left_edge.i, clause.right_edge.i + 1
        slots.append(Slot(doc[lo:hi].text, "thing", slot_question(doc, lo, hi, "what")))
    return slots[:MAX_SLOTS]


def alternatives(doc) -> set[int]:
    """The tokens of an alternative the claim rules out ("rather than Instagram", "instead of
    Bergen", with the commas around it): asked about nothing, and left out of every question, so
    that "What did they post the video on?" is answered with what the articles say. Read from the
    words, not the parse, which attaches "than" anywhere: the phrase runs over the preposition and
    noun phrase (or name) after "than" or "of"."""
    out: set[int] = set()
    for t in doc[:-1]:
        if t.lower_ in ("rather", "instead") and doc[t.i + 1].lower_ in ("than", "of"):
            end = t.i + 2 + (t.i + 2 < len(doc) and doc[t.i + 2].pos_ == "ADP")  # "rather than in Bergen"
            while end < len(doc) and (doc[end].ent_type_ or doc[end].pos_ in ("DET", "ADJ", "NUM", "NOUN", "PROPN", "PART")):
                end += 1
            span = set(range(t.i, end))
            for edge in (t.i - 1, end):
                if 0 <= edge < len(doc) and doc[edge].text == ",":
                    span.add(edge)
            out |= span
    return out


def _unit_of(span) -> list:
    """The unit words of an amount, after its last number ("27.7 million tons" → tons), if any."""
    numbers = [t.i for t in span if t.like_num]
    return [t for t in span if numbers and t.i > numbers[-1]]


def _marks_unique(token) -> bool:
    """"first" or "only" said of the clause's action or of what its subject is ("Time first
    reported …", "Time was the first outlet to …")."""
    root = token.sent.root
    return token.lower_ in UNIQUE and (token.head.i == root.i or (token.head.dep_ == "attr" and token.head.head.i == root.i))


def _inside_a_name(ent) -> bool:
    """Whether an entity only modifies another one's name ("Superior Court" in "Superior Court Judge
    Charlaine Olmedo"): that name is the fact to ask about."""
    head = ent.root
    while head.dep_ == "compound" and head.head is not head:
        head = head.head
    return head.ent_type_ != "" and not (ent.start <= head.i < ent.end)


def when_questions(claim: str) -> list[str]:
    """"When did it happen?" for a claim about an event that names no date: not a fact of the claim,
    but where the sources disagree on the date, the verdict shows both. Asked with the claim's words
    and with its subject and verb alone ("When did Kutcher resign?"): an article may name the rest
    otherwise ("stepped down Friday from his anti-sex-trafficking organization")."""
    doc = parse(claim)
    root = next(iter(doc.sents)).root
    if root.pos_ != "VERB" or any(e.label_ in ("DATE", "TIME") for e in doc.ents):
        return []
    rest = frozenset(x.i for c in root.children if c.dep_ not in BARE_EVENT for x in c.subtree)
    asked = [slot_question(doc, root.i, root.i, "when"), slot_question(doc, root.i, root.i, "when", rest)]
    return list(dict.fromkeys(asked))


def numbers_in(text: str) -> set[float]:
    """The numbers a text states, in digits or as words ("two counts" → {2})."""
    found = {float(n.replace(",", "")) for n in re.findall(r"\d+(?:,\d{3})*(?:\.\d+)?", text)}
    return found | {float(NUMBER_WORDS[w]) for w in re.findall(r"[a-z]+", text.lower()) if w in NUMBER_WORDS}


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


def _negated(verb) -> bool:
    """A verb negated by its own "not"/"never", or by a subject that says nobody did it ("Neither
    Kunis nor Kutcher argued …")."""
    if any(c.dep_ == "neg" for c in verb.children):
        return True
    if any(g.dep_ == "neg" for c in verb.children if c.dep_ in ("acomp", "oprd") for g in c.children):
        return True  # "pleading not guilty"
    return any(t.lower_ in NEGATORS for c in verb.children if c.dep_ in ("nsubj", "nsubjpass") for t in c.subtree)


def _sense(token) -> tuple[int, int] | None:
    """(pair, pole) of a verb in OPPOSITES; "step" only with "down" or "aside", "found guilty" is
    convicted; a negated verb ("did not resign", "found not guilty") takes the other pole."""
    lemma = token.lemma_.lower()
    sense = SENSE_OF.get(lemma)
    if lemma == "step" and not any(c.lower_ in ("down", "aside") for c in token.children):
        sense = None
    if lemma == "find" and any(c.dep_ in ("acomp", "oprd") and c.lower_ == "guilty" for c in token.children):
        sense = SENSE_OF["convict"]
    if sense and _negated(token):
        sense = (sense[0], 1 - sense[1])
    return sense


def _reported(verb):
    """What a reporting verb reports: "Kutcher said he would stop supporting …" → "stop"."""
    while verb.lemma_.lower() in REPORTING:
        said = next((c for c in verb.children if c.dep_ == "ccomp"), None)
        if said is None:
            break
        verb = said
    return verb


def opposite_sense(claim: str, quote: str) -> bool:
    """Whether the claim's main verb says carrying on and the sentence stopping (or acquitted and
    convicted, or back), or the sentence negates the very verb the claim affirms (or affirms what it
    negates). A second clause about someone else ("… while Kunis stayed on") is held against what the
    sentence says of that one ("Kunis is also stepping down")."""
    claim_doc, quote_doc = parse(claim), parse(quote)
    root = next(iter(claim_doc.sents)).root
    verbs = [t for t in quote_doc if t.pos_ in ("VERB", "AUX")]
    if _opposed(_reported(root), verbs):
        return True
    for clause in (c for c in root.children if c.dep_ in ("advcl", "conj") and c.pos_ in ("VERB", "AUX")):
        subject = _subject_text(clause)
        if subject and _opposed(clause, [v for v in verbs if _names(_subject_text(v), subject)]):
            return True
    # the very action negated in one and affirmed in the other, at any depth of what is said or meant:
    # "the letters were meant to question the verdict" against "were not written to question …"
    for told in _told(root):
        same = [t for t in quote_doc if t.lemma_.lower() == told.lemma_.lower() and t.pos_ == told.pos_]
        if same and all(_negations(t) % 2 != _negations(told) % 2 for t in same):
            return True
    return False


def _told(root) -> list:
    """What the claim says happened or is: its verb and the verbs of what it reports or means ("said
    the letters were meant to question" → meant, question), and for "be" what someone is said to be
    ("said he was an ongoing harm" → harm); a verb of saying or believing only carries them."""
    found, todo = [], [root]
    while todo:
        verb = todo.pop()
        lemma = verb.lemma_.lower()
        if lemma == "be":
            found += [c for c in verb.children if c.dep_ in ("attr", "acomp") and c.pos_ in ("NOUN", "ADJ")]
        elif verb.pos_ == "VERB" and lemma not in REPORTING | BELIEVING | {"have"}:
            found.append(verb)
        todo += [c for c in verb.children if _completes(c) and c.pos_ in ("VERB", "AUX")]
    return found


def _negations(token) -> int:
    """How many negations a verb (or what a verb says someone is) stands under, its own included,
    up the clauses it completes: negated verbs ("were not written to question", "do not believe he
    is an ongoing harm") and verbs that say the one they govern did not happen ("refused to raise").
    A conjunct, relative or time clause has its own ("Neither argued …, but they vouched for the
    person they knew")."""
    count = int(_negated(token))
    while _completes(token):
        token = token.head
        count += _negated(token) + (token.lemma_.lower() in NEGATING)
    return count


def _completes(token) -> bool:
    """Whether a word says what its head says, means or is, so that the head's negation is its own:
    a complement, or a purpose said with "to" ("were not drawn up to close …")."""
    return token.dep_ in COMPLEMENTS or (token.dep_ == "advcl" and any(c.tag_ == "TO" for c in token.children))


def _opposed(verb, verbs) -> bool:
    """Whether the verbs say the opposite pole of the claim verb's sense, and never its own. When the
    claim says what carries on or stops ("keep supporting Thorn's work"), only a verb whose words
    share one of those nouns counts: resigning a role says nothing of supporting the work."""
    claimed = _sense(verb)
    if claimed is None:
        return False
    nouns = _object_nouns(verb)
    senses = {sense for t in verbs if (sense := _sense(t)) is not None and sense[0] == claimed[0]
              and (not nouns or nouns & _object_nouns(t))}
    return bool(senses) and claimed not in senses


def _object_nouns(verb) -> set[str]:
    """The common nouns under a verb, its subject's aside: what it acts on."""
    subject = {x.i for c in verb.children if c.dep_ in ("nsubj", "nsubjpass") for x in c.subtree}
    return {t.lemma_.lower() for t in verb.subtree if t.pos_ == "NOUN" and t.i not in subject}


def _subject_text(verb) -> str:
    """The words of a verb's subject ("" when it has none)."""
    return " ".join(x.text for c in verb.children if c.dep_ in ("nsubj", "nsubjpass") for x in c.subtree)


class ClaimChecker:
    """Turns a claim into questions, asks them all at once with ``ask``, and decides from the answers."""

    def __init__(self, ask: Callable[[list[str]], list[Reading]], embed: Callable[[list[str]], np.ndarray]) -> None:
        self.ask = ask  # questions in, readings (answer and candidate spans) out, in one batch
        self.embed = embed

    def check(self, claim: str) -> Verdict:
        slots = claim_slots(claim)
        whens = when_questions(claim)
        readings = self.ask([slot.question for slot in slots] + whens)
        answers = [reading.answer for reading in readings]
        asked = list(zip(slots, answers))
        # spans the reader was unsure of that say a named, dated or counted slot's own value ("45" for
        # "Ashton Kutcher is 45"; an object in a long span says little), from a sentence that also
        # names another of the claim's facts
        unsure = [tuple(e for e in reading.candidates if e.answer and e.score >= CONFIRM and slot.kind != "thing"
                        and says_value(e.answer, slot.text, slot.kind)
                        and any(_names(e.quote, other.text) for other in slots if other is not slot)
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
                      if subjects and all(_names(e.quote, name) for name in subjects)]
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
                 if _names(e.quote, check.slot) and not _outranked(candidates, check.slot, check.kind, e)]
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
                 if any(_names(" ".join(x.text for x in obj.subtree), check.slot)
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
            and same_kind(answer_kind(e), slot.kind) and not _mentions(e.quote, slot.text)
            and not (slot.kind in ("person", "organisation") and plays_another_role(claim, slot.text, e))
            and (counts_the_same(claim, slot.text, e, close) if slot.kind == "number"
                 else close or same_event(claim, e.quote, slot.text)))


def _dates_the_action(claim: str, ev: Evidence) -> bool:
    """Whether a date answered is said of the claim's action: the clause of the nearest verb above
    it tells that action (the claim's verb or one of its kind)."""
    span = answer_span(ev)
    verb = None if span is None else next((t for t in span.root.ancestors if t.pos_ in ("VERB", "AUX")), None)
    clause = ev.quote if verb is None else _words(verb.subtree, {})
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
    return bool(claimed) and bool(told) and not any(_names(quote, place) for place in claimed)


def _mentions(quote: str, value: str) -> bool:
    """Whether a sentence itself says the value (its words in order, case and punctuation aside; a
    number whole: "1.5 billion" does not say "5 billion")."""
    words = re.findall(r"\d+(?:[.,]\d+)*|\w+", value.lower())
    pattern = r"(?<!\d[.,])\b" + r"\W+".join(map(re.escape, words)) + r"\b(?![.,]\d)"
    return bool(words) and re.search(pattern, quote.lower()) is not None


def _names(quote: str, name: str) -> bool:
    """Whether a sentence names someone or something, in full or by the last word of a capitalised
    name ("Kutcher" for "Ashton Kutcher")."""
    last = name.split()[-1] if name.split() else ""
    return _mentions(quote, name) or (len(name.split()) > 1 and last[:1].isupper() and len(last) > 2
                                      and _mentions(quote, last))


def _unique(items: Sequence[Evidence]) -> list[Evidence]:
    seen, out = set(), []
    for e in items:
        key = (e.source, e.start, e.end, e.quote_start)
        if key not in seen:
            seen.add(key)
            out.append(e)
    return out
