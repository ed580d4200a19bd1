"""qa.eval.questions: SQuAD metrics, gold formats, SQuAD→corpus, calibration, and end-to-end runs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from qa import QA, QAError
from qa.app.cli import run
from qa.eval.questions import (
    RECALL_KS,
    GoldQuestion,
    QuestionResult,
    calibrate_threshold,
    evaluate,
    format_calibration,
    format_report,
    load_gold,
    retrieval_rank,
    score_answer,
    summarize,
    write_squad_corpus,
)
from qa.results import Answer

DATA = Path(__file__).resolve().parent / "data"
SEEDS = Path(__file__).resolve().parent.parent / "seeds"
TINY_QUESTIONS = DATA / "tiny_questions.jsonl"
TINY_CLAIMS = DATA / "tiny_claims.jsonl"

SQUAD = {
    "version": "1.1",
    "data": [
        {
            "title": "Super Bowl 50 / final?",
            "paragraphs": [
                {
                    "context": " Super Bowl 50 was played on February 7, 2016, at Levi's Stadium in Santa Clara. ",
                    "qas": [{"id": "s1", "question": "Where was Super Bowl 50 played?",
                             "answers": [{"text": "Levi's Stadium", "answer_start": 50},
                                         {"text": "Santa Clara", "answer_start": 68}]}],
                },
                {
                    "context": "The Denver Broncos defeated the Carolina Panthers 24–10 to win their third title.",
                    "qas": [{"id": "s2", "question": "Who won Super Bowl 50?",
                             "answers": [{"text": "Denver Broncos", "answer_start": 4}]}],
                },
            ],
        },
        {
            "title": "Photosynthesis",
            "paragraphs": [
                {
                    "context": "Photosynthesis converts light energy into chemical energy stored in glucose.",
                    "qas": [{"id": "p1", "question": "What does photosynthesis store energy in?",
                             "answers": [{"text": "glucose", "answer_start": 68}]}],
                },
            ],
        },
    ],
}


def _squad_v2() -> dict:
    data = json.loads(json.dumps(SQUAD))
    data["version"] = "v2.0"
    data["data"][1]["paragraphs"][0]["qas"].append(
        {"id": "p2", "question": "Who discovered photosynthesis?", "answers": [], "is_impossible": True,
         "plausible_answers": [{"text": "light energy", "answer_start": 24}]})
    return data


# --- metric on hand-made cases ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("prediction", "golds", "em", "f1"),
    [
        ("the Denver Broncos.", ["Denver Broncos"], 100.0, 100.0),  # article and punctuation
        ("Broncos", ["Denver Broncos"], 0.0, 100.0 * 2 * (1 * 0.5) / 1.5),  # P=1, R=0.5
        ("Santa Clara", ["Levi's Stadium", "Santa Clara, California"], 0.0, 80.0),  # best of several golds
        ("Santa Clara", ["Levi's Stadium", "santa clara"], 100.0, 100.0),
        ("Carolina", ["Denver Broncos"], 0.0, 0.0),
        (None, [], 100.0, 100.0),  # unanswerable, abstained
        ("Friday", [], 0.0, 0.0),  # unanswerable, answered
        (None, ["Friday"], 0.0, 0.0),  # answerable, abstained
    ],
)
def test_score_answer(prediction: str | None, golds: list[str], em: float, f1: float) -> None:
    got_em, got_f1 = score_answer(prediction, golds)
    assert got_em == em
    assert got_f1 == pytest.approx(f1)


def test_retrieval_rank_is_whitespace_squashed_and_case_sensitive() -> None:
    chunks = ["nothing here", "sentenced to 30 years\n  to life", "Friday"]
    assert retrieval_rank(chunks, ["30 years to life"]) == 2
    assert retrieval_rank(chunks, ["friday"]) is None
    assert retrieval_rank(chunks, ["Friday", "nothing"]) == 1
    assert retrieval_rank(chunks, []) is None


def _result(qid: str, golds: tuple[str, ...], prediction: str | None, source_ok: bool | None,
            rank: int | None, latency: float | None = 10.0) -> QuestionResult:
    em, f1 = score_answer(prediction, golds)
    return QuestionResult(qid, "q?", golds, ("a.txt",) if golds else (), prediction, None, None, 0.5,
                          em, f1, source_ok, rank, latency)


def test_summarize_definitions() -> None:
    results = [
        _result("1", ("Thorn",), "Thorn", True, 1),
        _result("2", ("47",), "45", False, 4),
        _result("3", ("Friday",), None, None, None),  # wrongly abstained
        _result("4", (), None, None, None),  # rightly abstained
        _result("5", (), "Kutcher", None, None),  # should have abstained
    ]
    report = summarize(results)
    assert report.n == 5
    assert report.exact_match == pytest.approx(100 * 2 / 5)
    assert report.source_accuracy == 50.0  # 1 of the 2 answered answerable
    na = report.no_answer
    assert (na.unanswerable, na.abstained, na.correctly_abstained) == (2, 2, 1)
    assert na.precision == 50.0 and na.recall == 50.0
    assert na.wrongly_abstained == pytest.approx(33.33)
    assert dict(report.recall_at_k) == {1: pytest.approx(33.33), 3: pytest.approx(33.33), 5: 66.67, 10: 66.67}
    assert report.latency_p50_ms == 10.0
    data = report.to_dict()
    assert set(data) == {"n", "exact_match", "f1", "source_accuracy", "no_answer", "recall_at_k", "latency_ms"}
    assert list(data["recall_at_k"]) == [str(k) for k in RECALL_KS]
    details = report.details()
    assert [q["id"] for q in details["questions"]][:3] == ["2", "3", "5"]  # misses first
    assert details["questions"][-1]["f1"] == 100.0


def test_summarize_without_abstentions_has_null_ratios() -> None:
    report = summarize([_result("1", ("Thorn",), "Thorn", True, 1)])
    assert report.no_answer.precision is None
    assert report.no_answer.recall is None
    json.dumps(report.to_dict())  # null, not NaN
    assert "n/a" in format_report(report)


# --- gold formats ----------------------------------------------------------------------------


def test_detects_question_jsonl() -> None:
    gold = load_gold(TINY_QUESTIONS)
    assert gold.kind == "questions"
    assert len(gold.questions) == 6
    assert sum(q.answerable for q in gold.questions) == 4


def test_detects_claim_jsonl() -> None:
    gold = load_gold(TINY_CLAIMS)
    assert gold.kind == "claims"
    assert {c.label for c in gold.claims} == {"SUPPORTED", "REFUTED"}


@pytest.mark.parametrize("version", ["1.1", "2.0"])
def test_detects_squad(tmp_path: Path, version: str) -> None:
    path = tmp_path / "squad.json"
    path.write_text(json.dumps(SQUAD if version == "1.1" else _squad_v2()), encoding="utf-8")
    gold = load_gold(path)
    assert gold.kind == "squad"
    assert [a.source for a in gold.articles] == ["Super_Bowl_50_final.txt", "Photosynthesis.txt"]
    by_id = {q.id: q for q in gold.questions}
    assert by_id["s1"].answers == ("Levi's Stadium", "Santa Clara")
    assert by_id["s1"].sources == ("Super_Bowl_50_final.txt",)
    if version == "2.0":
        assert by_id["p2"].answers == ()  # is_impossible; plausible answers are not gold


def test_rejects_unknown_and_broken_gold(tmp_path: Path) -> None:
    odd = tmp_path / "odd.jsonl"
    odd.write_text('{"text": "hello"}\n', encoding="utf-8")
    with pytest.raises(QAError, match="unknown gold format"):
        load_gold(odd)
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"question": "x", "answers": []}\n{oops\n', encoding="utf-8")
    with pytest.raises(QAError, match=":2: not valid JSON"):
        load_gold(broken)
    with pytest.raises(QAError, match="not found"):
        load_gold(tmp_path / "missing.jsonl")


def test_squad_to_corpus(tmp_path: Path) -> None:
    path = tmp_path / "squad.json"
    path.write_text(json.dumps(SQUAD), encoding="utf-8")
    gold = load_gold(path)
    folder = write_squad_corpus(gold, tmp_path / "corpus")
    assert sorted(p.name for p in folder.glob("*.txt")) == ["Photosynthesis.txt", "Super_Bowl_50_final.txt"]
    text = (folder / "Super_Bowl_50_final.txt").read_text(encoding="utf-8")
    paragraphs = text.rstrip("\n").split("\n\n")
    assert paragraphs == [p["context"].strip() for p in SQUAD["data"][0]["paragraphs"]]
    for q in gold.questions:
        source_text = (folder / q.sources[0]).read_text(encoding="utf-8")
        assert all(answer in source_text for answer in q.answers)
    # cached: a second call reuses the folder as is
    (folder / "Photosynthesis.txt").write_text("changed", encoding="utf-8")
    write_squad_corpus(gold, folder)
    assert (folder / "Photosynthesis.txt").read_text(encoding="utf-8") == "changed"


# --- calibration on a stub bot (no model) ----------------------------------------------------


class _StubBot:
    """Answers from a table of (answer, score); abstains below its threshold like QA._decide."""

    def __init__(self, table: dict[str, tuple[str | None, float]]) -> None:
        self.table = table
        self.threshold = 0.45

    def ask(self, question: str, top_k: int = 5) -> Answer:
        answer, score = self.table[question]
        if answer is not None and score < self.threshold:
            answer = None
        return Answer(question, answer, None if answer is None else "a.txt", None, None, None, None, None,
                      score, "none")


def test_calibrate_threshold_separates_scores_and_restores_threshold() -> None:
    table = {f"a{i}": ("x", 0.6 + i / 100) for i in range(20)}  # answerable: 0.60 .. 0.79
    table |= {f"u{i}": ("y", 0.3 + i / 100) for i in range(5)}  # unanswerable: 0.30 .. 0.34
    bot = _StubBot(table)
    questions = [GoldQuestion(q, q, ("x",) if q.startswith("a") else (), ()) for q in table]
    threshold, rows = calibrate_threshold(bot, questions)
    assert 0.34 < threshold < 0.6
    assert bot.threshold == 0.45  # restored
    chosen = next(r for r in rows if r.threshold == threshold)
    assert (chosen.answered_answerable, chosen.abstained_unanswerable, chosen.wrongly_abstained) == (100.0, 100.0, 0.0)
    assert "<- chosen" in format_calibration(threshold, rows)


def test_calibrate_threshold_maximises_the_f1_it_would_give() -> None:
    # two answerables score below the unanswerables: refusing all five still gives the best F1
    table = {f"a{i}": ("x", 0.6 + i / 100) for i in range(20)}
    table |= {"a_low1": ("x", 0.2), "a_low2": ("x", 0.21)}
    table |= {f"u{i}": ("y", 0.3) for i in range(3)}
    questions = [GoldQuestion(q, q, ("x",) if q.startswith("a") else (), ()) for q in table]
    threshold, rows = calibrate_threshold(_StubBot(table), questions)
    chosen = next(r for r in rows if r.threshold == threshold)
    assert 0.3 < threshold < 0.6 and chosen.f1 == max(r.f1 for r in rows) == 92.0


# --- end to end with the real model ----------------------------------------------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, QA]:
    """One index of a private copy of seeds/ for this module, and the bot over it."""
    corpus = tmp_path_factory.mktemp("eval-corpus") / "seeds"
    shutil.copytree(SEEDS, corpus)
    folder = tmp_path_factory.mktemp("eval-index") / "index"
    return folder, QA.from_folder(corpus, folder)


@pytest.fixture(scope="module")
def index_dir(built: tuple[Path, QA]) -> Path:
    return built[0]


@pytest.fixture(scope="module")
def bot(built: tuple[Path, QA]) -> QA:
    return built[1]


def test_end_to_end_questions(bot: QA) -> None:
    report = evaluate(TINY_QUESTIONS, bot=bot, top_k=5)
    assert report.n == 6 and report.answerable == 4 and report.no_answer.unanswerable == 2
    for value in (report.exact_match, report.f1):
        assert 0.0 <= value <= 100.0
    assert report.source_accuracy is None or 0.0 <= report.source_accuracy <= 100.0
    recalls = [v for _, v in report.recall_at_k]
    assert recalls == sorted(recalls) and all(0.0 <= v <= 100.0 for v in recalls)
    assert report.latency_p50_ms is not None and 0 < report.latency_p50_ms <= report.latency_p95_ms
    assert len(report.questions) == 6
    for row in report.questions:
        assert 0.0 <= row.f1 <= 100.0 and row.exact_match in (0.0, 100.0)
        if not row.gold_answers:
            assert row.f1 == (100.0 if row.prediction is None else 0.0)
    assert bot.threshold == bot.reader.threshold  # evaluate leaves the bot's threshold alone


def test_seeds_gold_floors(bot: QA) -> None:
    """A regression guard a little under what the trained reader reaches on the seeds gold set, which
    plays no part in choosing its threshold (docs/evaluation.md: EM 48.4, F1 56.6, 10 of 16
    unanswerable abstained, 9.1% of answerable refused, source accuracy 88.6%)."""
    report = evaluate(SEEDS.parent / "tests" / "data" / "seeds_questions.jsonl", bot=bot)
    assert report.n == 93
    assert report.f1 >= 54.0 and report.exact_match >= 45.0
    assert report.no_answer.correctly_abstained >= 7
    assert report.no_answer.wrongly_abstained is not None and report.no_answer.wrongly_abstained <= 12.0
    assert report.source_accuracy is not None and report.source_accuracy >= 85.0


@pytest.mark.parametrize(("gold", "n", "floor"), [("seeds_claims.jsonl", 54, 88.0), ("seeds_claims_more.jsonl", 44, 90.0)])
def test_seeds_claims_floors(bot: QA, gold: str, n: int, floor: float) -> None:
    """The hand-written claims on the seeds, checked by asking (docs/evaluation.md: label accuracy
    90.7 on the 54, 93.2 on the 44 written after the checker, every SUPPORTED and REFUTED verdict
    right): a little under that, and never a wrong SUPPORTED or REFUTED."""
    report = evaluate(DATA / gold, bot=bot)
    assert report.n == n and report.label_accuracy >= floor
    confusion = {label: dict(row) for label, row in report.confusion}
    assert confusion["REFUTED"].get("SUPPORTED", 0) == 0 and confusion["NOT_ENOUGH_INFO"].get("SUPPORTED", 0) == 0
    assert confusion["SUPPORTED"].get("REFUTED", 0) == 0 and confusion["NOT_ENOUGH_INFO"].get("REFUTED", 0) == 0


def test_claims_on_articles_beyond_the_seeds(tmp_path: Path) -> None:
    """85 claims on three Wikipedia articles (docs/evaluation.md: label accuracy 89.4; the 27 on the
    Amazon rainforest were written before measuring them): a little under that, and never a wrong
    SUPPORTED or REFUTED."""
    corpus = tmp_path / "articles"
    shutil.copytree(DATA / "articles", corpus)
    report = evaluate(DATA / "articles_claims.jsonl", corpus=str(corpus), cache_dir=tmp_path / "cache")
    assert report.n == 85 and report.label_accuracy >= 87.0
    confusion = {gold: dict(row) for gold, row in report.confusion}
    assert confusion["NOT_ENOUGH_INFO"].get("SUPPORTED", 0) == 0 and confusion["REFUTED"].get("SUPPORTED", 0) == 0
    assert confusion["SUPPORTED"].get("REFUTED", 0) == 0 and confusion["NOT_ENOUGH_INFO"].get("REFUTED", 0) == 0


def test_end_to_end_squad_open_corpus(tmp_path: Path) -> None:
    path = tmp_path / "squad.json"
    path.write_text(json.dumps(_squad_v2()), encoding="utf-8")
    report = evaluate(path, cache_dir=tmp_path / "cache")
    assert report.kind == "squad" and report.n == 4
    folders = list((tmp_path / "cache").iterdir())
    assert len(folders) == 1 and len(folders[0].name) == 16
    assert (folders[0] / "corpus" / "Photosynthesis.txt").exists()
    assert (folders[0] / "index" / "manifest.json").exists()
    assert dict(report.recall_at_k)[10] == 100.0  # three paragraphs: every answer is retrieved
    for row in report.questions:
        if row.source is not None and row.gold_answers:
            assert row.source_correct == (row.source in row.gold_sources)


def test_cli_eval_json_and_out(index_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "report.json"
    assert run(["eval", str(TINY_QUESTIONS), "--index", str(index_dir), "--json", "--out", str(out)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"n", "exact_match", "f1", "source_accuracy", "no_answer", "recall_at_k", "latency_ms"}
    assert data["n"] == 6 and set(data["latency_ms"]) == {"p50", "p95"}
    details = json.loads(out.read_text(encoding="utf-8"))
    f1s = [q["f1"] for q in details["questions"]]
    assert f1s == sorted(f1s)
    assert set(details["questions"][0]) >= {"question", "gold_answers", "prediction", "quote", "source",
                                            "exact_match", "f1", "retrieval_rank"}


def test_cli_eval_user_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["eval", str(TINY_CLAIMS), "--calibrate"]) == 2
    assert "--calibrate needs a question gold file" in capsys.readouterr().err
    assert run(["eval", str(tmp_path / "missing.jsonl")]) == 2
    assert "gold file not found" in capsys.readouterr().err
