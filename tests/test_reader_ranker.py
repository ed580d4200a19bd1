"""Candidate spans and the learned ranker: shipped weights load, training learns, the split is by paragraph."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from qa import QA
from qa.ranker import FEATURES, INDEX, Ranker, fit_listwise
from qa.reader import _candidate_spans, analyse_question
from qa.train_ranker import paragraph_split


def test_numbers_and_names_that_spacy_calls_stop_words_are_candidates(seeds_bot: QA) -> None:
    reader = seeds_bot.reader
    doc = reader.parse("The singer was found guilty on two counts in May, and three women testified.")
    analysis = analyse_question(reader.parse("How many counts was the singer found guilty on?"))
    spans = {span.text for span, *_ in _candidate_spans(next(iter(doc.sents)), analysis)}
    assert {"two", "May", "three"} <= spans
    assert "singer" not in spans  # a span made only of the question's own words is never a candidate


def test_a_span_of_only_the_questions_own_names_is_not_a_candidate(seeds_bot: QA) -> None:
    reader = seeds_bot.reader
    doc = reader.parse("Kutcher wrote to Judge Charlaine Olmedo, and Kutcher's wife signed too.")
    analysis = analyse_question(reader.parse("Who did Kutcher write to?"))
    spans = {span.text for span, *_ in _candidate_spans(next(iter(doc.sents)), analysis)}
    assert "Judge Charlaine Olmedo" in spans
    # the question's own subject, bare or described, is what it asks about (held-out SQuAD EM +0.5)
    assert not {"Kutcher", "Kutcher's", "Kutcher's wife"} & spans


def test_an_age_is_a_candidate_only_when_the_question_asks_for_one(seeds_bot: QA) -> None:
    reader = seeds_bot.reader
    sent = next(iter(reader.parse("Masterson, 47, was convicted of two counts of rape.").sents))
    def spans(question: str) -> set[str]:
        return {span.text for span, *_ in _candidate_spans(sent, analyse_question(reader.parse(question)))}
    assert "47" in spans("How old is Masterson?")
    assert "47" not in spans("What was Masterson convicted of?") and "two counts of rape" in spans("What was he convicted of?")


def test_shipped_weights_match_the_features() -> None:
    ranker = Ranker.load()
    assert ranker.features == tuple(FEATURES)
    p = ranker.probabilities(np.zeros((3, len(FEATURES)), dtype=np.float32))
    assert p.shape == (3,) and np.all((p > 0) & (p < 1))


def test_listwise_fit_learns_which_feature_marks_the_answer() -> None:
    rng = np.random.default_rng(0)
    rows, targets, groups = [], [], []
    for q in range(60):
        x = rng.random((8, len(FEATURES))).astype(np.float32)
        answer = int(rng.integers(8))
        x[:, INDEX["type_fit"]] = 0.0
        x[answer, INDEX["type_fit"]] = 1.0
        rows.append(x)
        targets.append(np.eye(8)[answer])
        groups.append(np.full(8, q))
    ranker = fit_listwise(np.vstack(rows), np.concatenate(targets), np.concatenate(groups), l2=1.0)
    assert int(np.argmax(np.abs(ranker.coef))) == INDEX["type_fit"] and ranker.coef[INDEX["type_fit"]] > 0
    x = rng.random((5, len(FEATURES))).astype(np.float32)
    x[:, INDEX["type_fit"]] = 0.0
    x[3, INDEX["type_fit"]] = 1.0
    assert int(np.argmax(ranker.probabilities(x))) == 3


def test_training_split_is_by_paragraph(tmp_path: Path) -> None:
    data = {"data": [{"title": "T", "paragraphs": [
        {"context": "a", "qas": [{"id": "1", "question": "?", "answers": []}, {"id": "2", "question": "?", "answers": []}]},
        {"context": "b", "qas": [{"id": "3", "question": "?", "answers": []}]},
        {"context": "c", "qas": [{"id": "4", "question": "?", "answers": []}]},
    ]}]}
    path = tmp_path / "squad.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert paragraph_split(path) == {"1": True, "2": True, "3": False, "4": True}
