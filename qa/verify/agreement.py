"""Corroboration across sources: which answers say the same thing, and do the sources agree."""

from __future__ import annotations

import re
import unicodedata

from qa.normalize import normalize_answer
from qa.results import Agreement, Evidence

NUMBER_WORDS = {  # spelled numbers, shared with claim checking

    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30,
    "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100,
    "a dozen": 12, "dozen": 12,
}
_UNIT = re.compile(r"(\d+(?:\.\d+)?)\s*-?\s*(years?|months?|weeks?|days?|hours?|minutes?|percent|%)?")


def _plain(text: str) -> str:
    """NFKC, a possessive "'s" dropped, dashes as spaces, other punctuation dropped: "Müller"
    composed or decomposed, "Kutcher’s" and "Kutcher's", "30-year" and "30–year" are each one
    answer, and "Thorn's board" names "Thorn"."""
    chars = []
    for ch in re.sub(r"(?<=\w)['’]s\b", "", unicodedata.normalize("NFKC", text)):
        category = unicodedata.category(ch)
        chars.append(" " if category == "Pd" else "" if category.startswith("P") else ch)
    return "".join(chars)


def _canonical(text: str) -> str:
    """A key under which paraphrases of one fact coincide: "two"≈"2", "30-year"≈"30 years"."""
    norm = normalize_answer(_plain(text))
    for word, value in sorted(NUMBER_WORDS.items(), key=lambda kv: -len(kv[0])):
        norm = re.sub(rf"\b{word}\b", str(value), norm)
    norm = norm.replace(",", "")
    numbers = _UNIT.findall(norm)
    if numbers and re.fullmatch(r"[\d\s.%]*(?:years?|months?|weeks?|days?|hours?|minutes?|percent)?[\s\w]*", norm):
        value, unit = numbers[0]
        if value and (unit or norm.strip() == value):
            return f"{float(value):g} {unit.rstrip('s')}".strip()
    return norm


def same_answer(a: str, b: str) -> bool:
    """Equal after SQuAD normalisation, the same number or date written differently, or one
    name contained in the other ("Kutcher" and "Ashton Kutcher")."""
    ca, cb = _canonical(a), _canonical(b)
    if not ca or not cb:
        return False
    if ca == cb:
        return True
    ta, tb = ca.split(), cb.split()
    shorter, longer = (ta, tb) if len(ta) <= len(tb) else (tb, ta)
    # containment of whole tokens, for names and noun phrases but not for bare numbers
    if any(not tok.replace(".", "").isdigit() for tok in shorter):
        n = len(shorter)
        return any(longer[i : i + n] == shorter for i in range(len(longer) - n + 1))
    return False


def group_answers(answers: list[Evidence]) -> list[list[Evidence]]:
    """Group per-source answers that say the same thing, best supported first: by the sum of their
    scores, so that agreeing sources add up, but two near-copies of a file that both hold a weak
    answer do not outvote one source's strong answer."""
    groups: list[list[Evidence]] = []
    for evidence in answers:
        for group in groups:
            if any(same_answer(evidence.answer or "", other.answer or "") for other in group):
                group.append(evidence)
                break
        else:
            groups.append([evidence])
    groups.sort(key=lambda g: (-sum(e.score for e in g), -len({e.source for e in g})))
    return groups


def agreement_of(groups: list[list[Evidence]]) -> Agreement:
    sources = {e.source for g in groups for e in g}
    if not sources:
        return "none"
    if len(sources) == 1:
        return "single-source"
    return "consistent" if len(groups) == 1 else "conflicting"


def mentions(quote: str, value: str) -> bool:
    """Whether a sentence itself says the value (its words in order, case and punctuation aside; a
    number whole: "1.5 billion" does not say "5 billion")."""
    words = re.findall(r"\d+(?:[.,]\d+)*|\w+", value.lower())
    pattern = r"(?<!\d[.,])\b" + r"\W+".join(map(re.escape, words)) + r"\b(?![.,]\d)"
    return bool(words) and re.search(pattern, quote.lower()) is not None


def mentions_name(quote: str, name: str) -> bool:
    """Whether a sentence names someone or something, in full or by the last word of a capitalised
    name ("Kutcher" for "Ashton Kutcher")."""
    last = name.split()[-1] if name.split() else ""
    return mentions(quote, name) or (len(name.split()) > 1 and last[:1].isupper() and len(last) > 2
                                      and mentions(quote, last))
