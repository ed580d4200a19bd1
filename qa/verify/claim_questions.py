"""A claim's facts and the questions that ask for them.

Each named, dated or counted thing of the claim (a slot) becomes a question by putting its wh-word
in its place, built from spaCy's parse: the subject is asked in place ("Who co-founded Thorn with
Danny Masterson?"), any other slot is fronted with its auxiliary or do-support ("Who did Kutcher
co-found Thorn with?"), a second clause with its own subject ("… while Kunis stayed on") is asked
alone, and the event's date is asked of the claim and of its bare subject and verb.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from qa.nlp import parse
from qa.verify.agreement import NUMBER_WORDS

MAX_SLOTS = 4  # facts asked per claim: entities first, then the object
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
DURATION = re.compile(r"\b(?:years?|months?|weeks?|days?|hours?|minutes?)\b", re.IGNORECASE)
CONTRASTING = frozenset({"while", "whereas", "although", "though"})  # marks of a side clause with a fact of its own
# who did what, and nothing more: "Kutcher stepped down", "the plague reached Cairo"
BARE_EVENT = frozenset({"nsubj", "nsubjpass", "aux", "auxpass", "neg", "prt", "advmod", "dobj"})
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
        lo, hi = _coordination(ent)
        slots.append(Slot(ent.text, kind, slot_question(doc, lo, hi, wh), subject, unique,
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


def _coordination(ent) -> tuple[int, int]:
    """The tokens to ask in place of a name: the name, or the whole "and" coordination it stands in
    ("Kutcher and Kunis said …" → "Who said …?", whose answer "Kutcher and Kunis" says each of them;
    "Who and Kunis said …?" asks nothing). A name in apposition stands in it through its noun
    ("Kutcher and his wife Mila Kunis")."""
    top = ent.root
    while top.dep_ in ("conj", "appos") and top.head.i != top.i:
        top = top.head
    chain = [t for t in top.subtree if t is top or (t.dep_ == "conj" and t.head.i != t.i)]
    joined = any(t.dep_ == "cc" and t.lower_ == "and" and t.head in chain for t in top.subtree)
    if len(chain) < 2 or not joined:
        return ent.start, ent.end
    return top.left_edge.i, top.right_edge.i + 1


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
    word = set(range(root.i, inflected_part(root).i + 1))  # "co-founded" is one word, however parsed
    rest = frozenset(x.i for c in root.children if c.dep_ not in BARE_EVENT for x in c.subtree) - word
    asked = [slot_question(doc, root.i, root.i, "when"), slot_question(doc, root.i, root.i, "when", rest)]
    return list(dict.fromkeys(asked))


def numbers_in(text: str) -> set[float]:
    """The numbers a text states, in digits or as words ("two counts" → {2})."""
    found = {float(n.replace(",", "")) for n in re.findall(r"\d+(?:,\d{3})*(?:\.\d+)?", text)}
    return found | {float(NUMBER_WORDS[w]) for w in re.findall(r"[a-z]+", text.lower()) if w in NUMBER_WORDS}
