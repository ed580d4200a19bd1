"""What a sentence says of a claim's action, which a span reader cannot answer: whether it tells
the action at all (the claim's verb, a word of its stem, or a verb of the same action in news
copy), and whether it says the opposite (stopping against carrying on, acquitted against
convicted, or the same words under an odd number of negations).
"""

from __future__ import annotations

from collections.abc import Sequence

from qa.nlp import parse
from qa.verify.agreement import mentions_name
from qa.verify.claim_questions import inflected_part

# the sense of a predicate that a span reader cannot answer, as pairs of opposite poles: carrying on
# versus stopping, a court clearing someone versus finding them guilty
OPPOSITES: tuple[tuple[frozenset[str], frozenset[str]], ...] = (
    (frozenset({"stay", "remain", "continue", "keep", "retain"}),
     frozenset({"resign", "leave", "quit", "exit", "depart", "stop", "end", "withdraw", "retire", "abandon", "step"})),
    (frozenset({"acquit", "exonerate"}), frozenset({"convict"})),
)
SENSE_OF = {word: (pair, pole) for pair, poles in enumerate(OPPOSITES) for pole, words in enumerate(poles) for word in words}
NEGATORS = frozenset({"neither", "nor", "no", "none", "nobody", "nothing", "never"})
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


def predicate_attested(claim: str, quotes: Sequence[str]) -> bool:
    """Whether a sentence that confirms the claim's facts also says its action: the claim's main verb,
    or a word of the same stem ("resign", "resignation"), or one that tells the same action in news
    copy ("posted" for "published", "grateful" for "thanked"). Facts alone do not make "Masterson was
    acquitted in May" true of a sentence saying he was found guilty in May. A claim whose verb is
    "be" or "have" states its facts and nothing more; a light verb's object says the action ("took
    effect": "effective"); a verb of stopping or carrying on is said by any other of its kind; a verb
    of saying by any other, or of believing, that reports the same words ("wrote" for "said")."""
    root = inflected_part(next(iter(parse(claim).sents)).root)
    if root.pos_ not in ("VERB", "AUX") or root.lemma_.lower() in ("be", "have"):
        return True
    if root.lemma_.lower() in REPORTING:
        told = _told(root)
        if any(_says_what_was_said(parse(quote), told) for quote in quotes):
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
        if subject and _opposed(clause, [v for v in verbs if mentions_name(_subject_text(v), subject)]):
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
