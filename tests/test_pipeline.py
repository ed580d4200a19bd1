"""QA.ask end to end on the seeds: verbatim spans, several sources, abstention, errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa import QA, Answer, QAError

from .conftest import assert_offsets
from .test_documents import SEED_BOILERPLATE

QUESTIONS = [
    "when did Kutcher resign?",
    "How old is Kutcher?",
    "How old is Masterson?",
    "Who founded Thorn with Kutcher?",
    "Where was Masterson sentenced?",
    "How many counts of rape was Masterson convicted of?",
    "Which judge did Kutcher write to?",
    "Why did Kutcher resign?",
    "What role did Kunis have at Thorn?",
    "On which platform did the couple post a video?",
    "What is the capital of Australia?",
    "Who replaced Kutcher as chairman?",
    "photo credit getty images newsletter",
]


@pytest.fixture(scope="module")
def answers(seeds_bot: QA) -> list[Answer]:
    return [seeds_bot.ask(q) for q in QUESTIONS]


def test_every_answer_and_evidence_is_a_verbatim_slice(answers: list[Answer], seeds_copy: Path) -> None:
    for ans in answers:
        if ans.answer is not None:
            assert_offsets(seeds_copy, ans)
            assert ans.quote_start <= ans.start < ans.end <= ans.quote_end
        for ev in ans.evidence:
            assert_offsets(seeds_copy, ev)


def test_kutcher_resignation_is_answered_from_the_articles(seeds_bot: QA, seeds_copy: Path) -> None:
    ans = seeds_bot.ask("when did Kutcher resign?")
    assert ans.answer in {"Friday", "Thursday"}
    assert ans.source in {p.name for p in seeds_copy.glob("*.txt")}
    assert ans.answer in ans.quote and "Kutcher" in ans.quote
    assert ans.to_dict()["evidence"][0]["answer"] == ans.answer


def test_kutcher_resignation_is_the_day_the_article_gives(seeds_bot: QA, seeds_copy: Path) -> None:
    """003 says he announced it on Thursday. (000's "stepped down Friday" is lost with the shipped
    weights: the reader prefers the founding year of its next paragraph there, below the threshold;
    issue 13 keeps this open.)"""
    ans = seeds_bot.ask("when did Kutcher resign?")
    by_source = {ev.source: ev for ev in ans.evidence}
    assert by_source["003_0e406565d425cf85.txt"].answer == "Thursday"
    for ev in ans.evidence:
        assert_offsets(seeds_copy, ev)
        assert "Kutcher" in ev.quote


def test_a_number_word_answers_how_many(seeds_bot: QA, seeds_copy: Path) -> None:
    """spaCy lists "two" among its stop words; a number is a candidate all the same."""
    ans = seeds_bot.ask("How many counts of rape was Masterson convicted of?")
    assert ans.answer == "two" and ans.agreement == "consistent"
    assert_offsets(seeds_copy, ans)


def test_an_age_the_articles_give_is_the_age_of_the_one_asked_about(seeds_bot: QA) -> None:
    assert seeds_bot.ask("How old is Masterson?").answer == "47"


def test_an_age_the_articles_do_not_give_is_not_answered_with_another_kind_of_span(seeds_bot: QA) -> None:
    """The articles name Demi Moore but never her age: no year, name or other person's age stands in for one."""
    ans = seeds_bot.ask("How old is Demi Moore?")
    assert ans.answer is None and ans.agreement == "none"
    assert any("Demi Moore" in ev.quote for ev in ans.evidence)  # the closest passages still show


def test_answers_never_come_from_boilerplate(answers: list[Answer]) -> None:
    for ans in answers:
        for ev in ans.evidence:
            for line in SEED_BOILERPLATE:
                assert line not in ev.quote


def test_unanswerable_question_abstains_with_passages(seeds_bot: QA) -> None:
    ans = seeds_bot.ask("What is the capital of Australia?")
    assert ans.answer is None and ans.agreement == "none" and ans.source is None
    assert ans.evidence and all(ev.answer is None for ev in ans.evidence)


def test_answers_list_every_source_that_answers(seeds_bot: QA) -> None:
    ans = seeds_bot.ask("How many counts of rape was Masterson convicted of?")
    assert ans.answer == "two"
    assert {ev.source for ev in ans.evidence} == {"000_df2409241dd08d7a.txt", "003_0e406565d425cf85.txt"}
    assert ans.agreement == "consistent" and all(ev.answer == "two" for ev in ans.evidence)


def test_no_duplicate_evidence_from_overlapping_chunks(answers: list[Answer]) -> None:
    for ans in answers:
        spans = [(ev.source, ev.start, ev.end) for ev in ans.evidence]
        assert len(spans) == len(set(spans))


@pytest.mark.parametrize("question", ["", "   ", "?!?", "\x00\x07"])
def test_empty_question_is_a_user_error(seeds_bot: QA, question: str) -> None:
    with pytest.raises(QAError, match="empty"):
        seeds_bot.ask(question)


def test_long_question_is_capped(seeds_bot: QA) -> None:
    ans = seeds_bot.ask("when did Kutcher resign? " * 5000)
    assert len(ans.question) <= 1000


def test_users_asking_at_once_get_the_answers_each_gets_alone(seeds_bot: QA, answers: list[Answer]) -> None:
    """The web chat answers users from several threads: the same question gets the same answer."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=4) as pool:
        asked = list(pool.map(seeds_bot.ask, QUESTIONS + QUESTIONS[::-1]))
        checked = list(pool.map(seeds_bot.check, ["Kutcher resigned from Thorn."] * 3))
    assert asked == answers + answers[::-1]
    assert checked[0] == checked[1] == checked[2]
