"""Claim checking: slot extraction and comparison, polarity, the judge on hand-made text, and QA.check
end to end on the seeds against tests/data/seeds_claims.jsonl."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qa import QA, QAError
from qa.claim_eval import ClaimReport, GoldClaim, claim_result, summarize_claims
from qa.claims import ClaimJudge, Slot, analyse, compare_slot, extract_slots, polarity
from qa.embedding import Embedder
from qa.evaluate import evaluate, load_gold
from qa.read.passage import Passage
from qa.reader import SpacyReader, load_spacy
from qa.results import Evidence, Verdict

from .conftest import assert_offsets

CLAIMS = Path(__file__).parent / "data" / "seeds_claims.jsonl"
# measured 52/54 (96.3%) at the default top-12 chunks (and at top-8); the floor leaves room for one or two
# borderline claims to flip with a retrieval or reader change, not for a broken judge
ACCURACY_FLOOR = 90.0
FEVER_FLOOR = 88.0
TINY_CLAIMS = Path(__file__).parent / "data" / "tiny_claims.jsonl"


@pytest.fixture(scope="module")
def nlp():
    return load_spacy()


def slots(nlp, text: str) -> list[Slot]:
    return extract_slots(nlp(text))


def one(nlp, text: str, kind: str) -> Slot:
    found = [s for s in slots(nlp, text) if s.kind == kind]
    assert len(found) == 1, (text, found)
    return found[0]


# --- slots ---------------------------------------------------------------------------------------------


def test_counts_are_keyed_by_what_they_count(nlp) -> None:
    claim = one(nlp, "He was convicted on three counts of rape.", "count")
    assert claim.value == "3"
    evidence = slots(nlp, "He was convicted of two counts of rape after accusations by three women.")
    status, found = compare_slot(claim, evidence)
    assert status == "conflict" and found is not None and found.text == "two"  # not "three women"
    # number words and digits are one value; "rape charges" and "counts of rape" are about the same thing
    status, _ = compare_slot(one(nlp, "He was found guilty on 2 rape charges.", "count"), evidence)
    assert status == "agree"
    # an equal number about something else confirms nothing
    assert compare_slot(one(nlp, "They have three children.", "count"), evidence)[0] == "unknown"


def test_durations_are_keyed_by_their_verb(nlp) -> None:
    evidence = slots(nlp, "We are grateful for his participation over the last 15 years, and we knew him for 25 years.")
    assert compare_slot(one(nlp, "They had known him for 15 years.", "duration"), evidence)[0] == "conflict"
    assert compare_slot(one(nlp, "They knew him for twenty-five years.", "duration"), evidence)[0] == "agree"
    assert compare_slot(one(nlp, "They knew him for 26 years.", "duration"), evidence)[0] == "conflict"
    sentenced = slots(nlp, "She was sentenced to 30 years to life in prison.")
    assert compare_slot(one(nlp, "She was sentenced to 25 years to life.", "duration"), sentenced)[0] == "conflict"


def test_ages_belong_to_a_person(nlp) -> None:
    evidence = slots(nlp, "Kutcher, 45, announced the decision, and Masterson, 47, was sentenced.")
    ages = {s.value: s.key for s in evidence if s.kind == "age"}
    assert ages == {"45": frozenset({"kutcher"}), "47": frozenset({"masterson"})}
    assert compare_slot(one(nlp, "Danny Masterson is 47 years old.", "age"), evidence)[0] == "agree"
    assert compare_slot(one(nlp, "Masterson is 45.", "age"), evidence)[0] == "conflict"  # 45 is Kutcher's age
    daughter = one(nlp, "Masterson's daughter is 9 years old.", "age")
    assert daughter.key == frozenset({"daughter"})
    assert compare_slot(daughter, evidence)[0] == "unknown"


def test_dates_ordinals_degrees_and_places(nlp) -> None:
    founded = slots(nlp, "Kutcher founded the group with Demi Moore in 2009.")
    assert compare_slot(one(nlp, "Kutcher founded Thorn in 2012.", "year"), founded)[0] == "conflict"
    assert compare_slot(one(nlp, "Kutcher founded Thorn in 2009.", "year"), founded)[0] == "agree"
    # a year only contradicts in evidence about the same event
    assert compare_slot(one(nlp, "Kutcher founded Thorn in 2012.", "year"), founded, aligned=False)[0] == "unknown"
    stepped = slots(nlp, "Kutcher stepped down Friday.")
    assert compare_slot(one(nlp, "Kutcher resigned on a Monday.", "weekday"), stepped)[0] == "conflict"
    # relative dates count from different days in claim and article: they confirm, never refute
    last_week = one(nlp, "Masterson was sentenced last week.", "relative_date")
    assert last_week.text == "last week"
    assert compare_slot(one(nlp, "He was sentenced the week before.", "relative_date"), [last_week])[0] == "agree"
    assert compare_slot(one(nlp, "He was named the following week.", "relative_date"), [last_week])[0] == "unknown"
    second = slots(nlp, "The verdict followed his second trial.")
    assert compare_slot(one(nlp, "He was convicted at his first trial.", "ordinal"), second)[0] == "conflict"
    first = slots(nlp, "A story in Time, which first reported the resignations.")
    assert compare_slot(one(nlp, "Time was the first outlet to report it.", "ordinal"), first)[0] == "agree"
    role = slots(nlp, "He has played a significant role in the impact we have made.")
    assert compare_slot(one(nlp, "He played only a minor role in its impact.", "degree"), role)[0] == "conflict"
    assert compare_slot(one(nlp, "He played a major role.", "degree"), role)[0] == "agree"
    posted = slots(nlp, "In a video posted to Instagram, the couple clarified why they wrote the letters.")
    place = one(nlp, "They posted their video on TikTok.", "place")
    assert compare_slot(place, posted)[0] == "conflict"
    assert compare_slot(place, posted, aligned=False)[0] == "unknown"


# --- polarity ----------------------------------------------------------------------------------------------


def word(nlp, text: str, target: str):
    return next(w for w in analyse(nlp(text)).words if w.text == target)


def test_negation_scope(nlp) -> None:
    assert word(nlp, "Kutcher will not continue to support Thorn.", "continue").parity == 1
    assert word(nlp, "Kutcher will not continue to support Thorn.", "support").parity == 1
    assert word(nlp, "Kutcher will continue to support Thorn.", "support").parity == 0
    neither = "Neither Kunis nor Kutcher argued that Masterson was not guilty, but they vouched for the person they knew."
    assert word(nlp, neither, "argued").parity == 1
    assert word(nlp, neither, "guilty").parity == 0  # not guilty, under "neither ... argued"
    assert word(nlp, neither, "knew").parity == 0  # "but they vouched": a clause of its own
    doc = nlp("Masterson was not guilty.")
    assert polarity(doc[0]) == 0  # a subject is not denied by its verb's "not"
    assert polarity(doc[3]) == 1


def test_verbs_of_carrying_on_and_stopping(nlp) -> None:
    assert word(nlp, "Mila Kunis will stay on as an observer on the board.", "stay").sign == 1
    stepping = word(nlp, "Kunis is stepping down from her role as an observer on the board.", "stepping")
    assert stepping.sign == -1 and "observer" in stepping.args
    assert word(nlp, "Kutcher will not continue to support Thorn.", "continue").sign == -1
    assert word(nlp, "He stepped on the stage.", "stepped").shift == 0


def test_who_does_it_and_whose_it_is(nlp) -> None:
    assert word(nlp, "Kutcher announced he was resigning.", "resigning").agents == {"kutcher"}
    assert word(nlp, "“I remain proud of our work,” Kutcher added.", "remain").agents == {"kutcher"}
    # in a quotation, "he" is someone other than the speaker: not known
    assert word(nlp, "“He has played a significant role,” the organization said.", "played").agents == frozenset()
    assert word(nlp, "Masterson was sentenced by Judge Olmedo.", "sentenced").agents == {"olmedo"}
    assert word(nlp, "Kutcher spoke in a video alongside his wife Kunis.", "wife").owner == {"kutcher"}
    assert word(nlp, "Masterson's wife wrote a letter.", "wife").owner == {"masterson"}


# --- the judge on hand-made text -------------------------------------------------------------------------------

TEXT = (
    "Acme Corp was founded by Jane Doe in 1999. The company makes garden tools in Springfield.\n\n"
    "Doe, 52, stepped down as chief executive on Monday. She will remain on the board of the company, "
    "which has two factories. Her brother did not attend the meeting.\n\n"
    "“We will not sell the factories, and I am proud of our workers,” Doe told reporters."
)


@pytest.fixture(scope="module")
def judge(embedder: Embedder) -> ClaimJudge:
    return ClaimJudge(SpacyReader(embedder))


def judged(judge: ClaimJudge, claim: str) -> Verdict:
    passage = Passage("acme.txt", TEXT, 0, len(TEXT), 0)
    verdict = judge.judge(claim, judge.reader.rank_sentences(claim, [passage]))
    for ev in verdict.evidence:
        assert TEXT[ev.quote_start : ev.quote_end] == ev.quote
        if ev.answer is not None:
            assert TEXT[ev.start : ev.end] == ev.answer
    return verdict


@pytest.mark.parametrize(("claim", "label", "answer"), [
    ("Jane Doe founded Acme Corp in 1999.", "SUPPORTED", "1999"),
    ("Jane Doe founded Acme Corp in 2005.", "REFUTED", "1999"),
    ("Doe stepped down on a Friday.", "REFUTED", "Monday"),
    ("Doe will leave the board of the company.", "REFUTED", "remain"),
    ("Jane Doe, 60, founded Acme Corp.", "REFUTED", "52"),
    ("The company has three factories.", "REFUTED", "two"),
    ("Her brother attended the meeting.", "REFUTED", "attend"),
    # a true part does not save a false one
    ("Acme Corp was founded in 1999 and Doe stayed on as chief executive.", "REFUTED", "stepped down"),
    # the slot is confirmed by another sentence than the one that says the rest
    ("Doe, 52, is staying on the board.", "SUPPORTED", "52"),
    # a negation inside a quotation scopes over the quoted clause only
    ("Doe said the company would sell its factories.", "REFUTED", "sell"),
    ("Doe said that they would not sell the factories.", "SUPPORTED", None),
    ("Doe said she was not proud of the workers.", "REFUTED", "proud"),
    ("Acme Corp has 300 employees.", "NOT_ENOUGH_INFO", None),
    ("Jane Doe sold Acme Corp in 1999.", "NOT_ENOUGH_INFO", None),
])
def test_judge_on_hand_made_text(judge: ClaimJudge, claim: str, label: str, answer: str | None) -> None:
    verdict = judged(judge, claim)
    assert verdict.verdict == label, verdict
    assert 0.0 <= verdict.score <= 1.0
    if answer is not None:
        assert verdict.evidence and verdict.evidence[0].answer == answer, verdict.evidence


def test_no_evidence_is_not_enough_info(judge: ClaimJudge) -> None:
    verdict = judge.judge("Acme Corp has 300 employees.", [])
    assert verdict.verdict == "NOT_ENOUGH_INFO" and verdict.evidence == ()


# --- end to end on the seeds -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def report(seeds_bot: QA) -> ClaimReport:
    """The whole claim file checked once, through the same evaluator as `qa eval`."""
    result = evaluate(CLAIMS, bot=seeds_bot)
    assert isinstance(result, ClaimReport)
    return result


@pytest.fixture(scope="module")
def verdicts(report: ClaimReport) -> dict[str, Verdict]:
    return {row.id: row.verdict for row in report.claims}


def test_kunis_staying_on_is_refuted_by_her_stepping_down(seeds_bot: QA, seeds_copy: Path) -> None:
    verdict = seeds_bot.check("Mila Kunis will stay on as an observer on the Thorn board")
    assert verdict.verdict == "REFUTED"
    first = verdict.evidence[0]
    assert "Kunis is also stepping down from her role as an observer" in first.quote
    assert first.answer == "stepping down"
    for ev in verdict.evidence:
        assert_offsets(seeds_copy, ev)


def test_supported_and_not_enough_info(verdicts: dict[str, Verdict], seeds_copy: Path) -> None:
    supported = verdicts["c001"]  # Danny Masterson is 47 years old.
    assert supported.verdict == "SUPPORTED"
    assert supported.evidence[0].answer == "47" and "Masterson, 47," in supported.evidence[0].quote
    unknown = verdicts["c039"]  # Masterson plans to appeal his conviction.
    assert unknown.verdict == "NOT_ENOUGH_INFO"
    assert unknown.evidence  # the closest passages are still shown
    for verdict in verdicts.values():
        for ev in verdict.evidence:
            assert_offsets(seeds_copy, ev)
            if ev.answer is not None:
                assert ev.quote_start <= ev.start < ev.end <= ev.quote_end


def test_accuracy_on_the_claim_file(report: ClaimReport) -> None:
    confusion = report.to_dict()["confusion"]
    assert report.n == 54 and sum(n for row in confusion.values() for n in row.values()) == 54
    assert confusion["REFUTED"]["SUPPORTED"] == 0, confusion
    assert report.label_accuracy >= ACCURACY_FLOOR, confusion
    assert report.fever_score >= FEVER_FLOOR, confusion
    assert report.latency_p50_ms is not None


# --- claim metrics ---------------------------------------------------------------------------------------------


def _verdict(label: str, *sources: str) -> Verdict:
    return Verdict("a claim", label, 0.5, tuple(Evidence(None, s, 0, 1, "x", 0, 1, 0.5) for s in sources))


def test_claim_metric_definitions() -> None:
    rows = [
        claim_result(GoldClaim("1", "a", "SUPPORTED", ("a.txt",)), _verdict("SUPPORTED", "a.txt"), 10.0),
        claim_result(GoldClaim("2", "b", "SUPPORTED", ("a.txt",)), _verdict("SUPPORTED", "b.txt", "a.txt"), 20.0),
        claim_result(GoldClaim("3", "c", "REFUTED", ()), _verdict("REFUTED", "b.txt"), 30.0),
        claim_result(GoldClaim("4", "d", "REFUTED", ("a.txt",)), _verdict("NOT_ENOUGH_INFO"), 40.0),
        claim_result(GoldClaim("5", "e", "NOT_ENOUGH_INFO", ()), _verdict("NOT_ENOUGH_INFO", "b.txt"), 50.0),
    ]
    # the deciding sentence is the first piece of evidence: row 2 has the right label from the wrong file;
    # row 3 has no gold sources, so its label alone decides
    assert [r.fever_correct for r in rows] == [True, False, True, False, True]
    summary = summarize_claims(rows).to_dict()
    assert summary["n"] == 5 and summary["label_accuracy"] == 80.0 and summary["fever_score"] == 60.0
    assert summary["per_label"]["SUPPORTED"] == {"n": 2, "predicted": 2, "precision": 100.0, "recall": 100.0}
    assert summary["per_label"]["REFUTED"] == {"n": 2, "predicted": 1, "precision": 100.0, "recall": 50.0}
    assert summary["per_label"]["NOT_ENOUGH_INFO"] == {"n": 1, "predicted": 2, "precision": 50.0, "recall": 100.0}
    assert summary["confusion"]["REFUTED"] == {"SUPPORTED": 0, "REFUTED": 1, "NOT_ENOUGH_INFO": 1}
    assert summary["latency_ms"] == {"p50": 30.0, "p95": 48.0}
    misses_first = [row["id"] for row in summarize_claims(rows).details()["claims"]]
    assert misses_first[0] == "4" and misses_first[1] == "2"


def test_claim_file_is_validated_before_any_model_loads(tmp_path: Path) -> None:
    bad = tmp_path / "claims.jsonl"
    bad.write_text('{"id": "1", "claim": "Kutcher resigned.", "label": "TRUE"}\n', encoding="utf-8")
    with pytest.raises(QAError, match="is not one of SUPPORTED, REFUTED, NOT_ENOUGH_INFO"):
        load_gold(bad)
    bad.write_text('{"id": "1", "claim": "Kutcher resigned.", "label": "refuted", "sources": "a.txt"}\n',
                   encoding="utf-8")
    with pytest.raises(QAError, match="'sources' must be a list"):
        load_gold(bad)
    bad.write_text('{"id": "1", "claim": "Kutcher resigned.", "label": "refuted"}\n', encoding="utf-8")
    assert load_gold(bad).claims[0].label == "REFUTED"


def test_cli_eval_claims(seeds_bot: QA, seeds_copy: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                         capsys: pytest.CaptureFixture[str]) -> None:
    from qa import cli
    from qa import evaluate as ev

    monkeypatch.setattr(ev, "open_bot", lambda *args, **kwargs: seeds_bot)
    out = tmp_path / "claims-report.json"
    assert cli.run(["eval", str(TINY_CLAIMS), "--json", "--out", str(out)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"n", "label_accuracy", "fever_score", "per_label", "confusion", "latency_ms"}
    assert data["n"] == 3
    details = json.loads(out.read_text(encoding="utf-8"))
    assert details["kind"] == "claims" and len(details["claims"]) == 3
    for row in details["claims"]:
        for ev_row in row["evidence"]:
            assert_offsets(seeds_copy, Evidence(**ev_row))
    assert cli.run(["eval", str(TINY_CLAIMS)]) == 0
    text = capsys.readouterr().out
    assert "label accuracy" in text and "FEVER score" in text and "gold / predicted" in text


def test_check_rejects_empty_claims_and_bad_top_k(seeds_bot: QA) -> None:
    from qa import QAError

    with pytest.raises(QAError):
        seeds_bot.check("   ")
    with pytest.raises(QAError):
        seeds_bot.check("Kutcher resigned.", top_k=0)


def test_cli_check_prints_verdict_and_quoted_evidence(seeds_bot: QA, monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    from qa import cli

    monkeypatch.setattr(cli, "_open_bot", lambda index: seeds_bot)
    assert cli.run(["check", "Mila Kunis will stay on as an observer on the Thorn board", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"claim", "verdict", "score", "evidence"}
    assert data["verdict"] == "REFUTED"
    assert cli.run(["check", "Mila Kunis will stay on as an observer on the Thorn board"]) == 0
    out = capsys.readouterr().out
    assert "Verdict: REFUTED" in out and "»stepping down«" in out and "000_df2409241dd08d7a.txt:" in out
