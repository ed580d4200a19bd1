"""Corroboration rules: which answers say the same thing, and which group is shown first."""

from __future__ import annotations

import unicodedata

import pytest

from qa.results import Evidence
from qa.verify.agreement import agreement_of, group_answers, same_answer


@pytest.mark.parametrize(("a", "b"), [
    ("two", "2"),
    ("30 years", "30-year"),
    ("Kutcher", "Ashton Kutcher"),
    ("the Thorn board", "Thorn board"),
    ("Renée Müller", unicodedata.normalize("NFD", "Renée Müller")),
    ("Kutcher’s letter", "Kutcher's letter"),
    ("Thorn", "Thorn's board"),
    ("a 30–year sentence", "a 30-year sentence"),
])
def test_same_fact_written_differently(a: str, b: str) -> None:
    assert same_answer(a, b) and same_answer(b, a)


@pytest.mark.parametrize(("a", "b"), [("Thursday", "Friday"), ("30", "300"), ("2", "20 years"), ("Kutcher", "Kunis")])
def test_different_facts_stay_apart(a: str, b: str) -> None:
    assert not same_answer(a, b)


def _ev(answer: str, source: str, score: float) -> Evidence:
    return Evidence(answer, source, 0, len(answer), answer, 0, len(answer), score)


def test_agreeing_sources_add_up_but_weak_copies_do_not_outvote_a_strong_answer() -> None:
    strong = _ev("Hobbs", "library.txt", 0.40)
    copies = [_ev("Renée Müller", "cafe_nfc.txt", 0.02), _ev("Renée Müller", "cafe_nfd.txt", 0.02)]
    groups = group_answers([*copies, strong])
    assert [g[0].answer for g in groups] == ["Hobbs", "Renée Müller"]
    assert agreement_of(groups) == "conflicting"
    corroborated = group_answers([_ev("Friday", "a.txt", 0.30), _ev("Thursday", "b.txt", 0.35), _ev("Friday", "c.txt", 0.30)])
    assert [len(g) for g in corroborated] == [2, 1] and corroborated[0][0].answer == "Friday"


def test_agreement_labels() -> None:
    assert agreement_of([]) == "none"
    assert agreement_of(group_answers([_ev("47", "a.txt", 0.5)])) == "single-source"
    assert agreement_of(group_answers([_ev("two", "a.txt", 0.5), _ev("2", "b.txt", 0.1)])) == "consistent"
    assert agreement_of(group_answers([_ev("Thursday", "a.txt", 0.5), _ev("Friday", "b.txt", 0.1)])) == "conflicting"
