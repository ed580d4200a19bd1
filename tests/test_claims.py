"""Claim checking by asking (qa/verify/): questions built from the claim's parse, the
decision from the answers, and the shipped reader on the seeds claims of the issue."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qa import QA
from qa.results import Answer, Evidence, Reading
from qa.verify.claim_questions import claim_slots, when_questions
from qa.verify.claims import CONFIRM, ClaimChecker
from qa.verify.predicates import opposite_sense, predicate_attested

from .conftest import assert_offsets


def questions(claim: str) -> dict[str, str]:
    return {slot.text: slot.question for slot in claim_slots(claim)}


@pytest.mark.parametrize(("claim", "slot", "question"), [
    ("Kutcher co-founded Thorn with Danny Masterson", "Danny Masterson", "Who did Kutcher co-found"),
    ("Kutcher co-founded Thorn with Danny Masterson", "Kutcher", "Who co-founded Thorn with Danny Masterson?"),
    ("Mila Kunis will stay on as an observer on the Thorn board", "Mila Kunis",
     "Who will stay on as an observer on the Thorn board?"),
    ("Masterson was found guilty on two rape charges.", "two", "How many rape charges was Masterson found guilty on?"),
    ("Danny Masterson is 47 years old.", "47 years old", "How old is Danny Masterson?"),
    ("The council met in Oslo on Tuesday.", "Tuesday", "When did the council meet in Oslo?"),
    ("The mayor announced the plan in Oslo rather than in Bergen.", "Oslo", "Where did the mayor announce the plan?"),
    ("Ms Lee, rather than Mr Park, wrote the report.", "Ms Lee", "Who wrote the report?"),
    # a second clause with its own subject is a fact of its own, asked alone; the main clause's question leaves it out
    ("Maria Park resigned from the council while John Lee stayed on as an adviser.", "John Lee",
     "Who stayed on as an adviser?"),
    ("Maria Park resigned from the council while John Lee stayed on as an adviser.", "Maria Park",
     "Who resigned from the council?"),
    ("Maria Park resigned, and John Lee stayed on the board until May.", "May", "When did John Lee stay on the board?"),
    # a clause that places the event in time stays in its question
    ("Maria Park resigned after John Lee left the board.", "Maria Park", "Who resigned after John Lee left the board?"),
    # an amount of money is asked with "how much"; a place after a noun is where it is, or what it targets
    ("Omar Tull requested $5 billion in aid.", "$5 billion", "How much did Omar Tull request in aid?"),
    ("Norway launched an attack on Sweden.", "Sweden", "What did Norway launch an attack on?"),
    ("The embargo was lifted after a meeting in Vienna.", "Vienna", "Where was the embargo lifted after a meeting?"),
    # an amount's unit is asked with it, a share with what it is a share of
    ("The basin covers 7,000,000 square kilometres.", "7,000,000 square kilometres",
     "How many square kilometres does the basin cover?"),
    ("27.7 million tons of dust fall over the basin.", "27.7 million tons", "How many tons of dust fall over the basin?"),
    ("Brazil contains 60% of the rainforest.", "60%", "What percentage of the rainforest does Brazil contain?"),
    ("OPEC raised the price by 70%.", "70%", "How much did OPEC raise the price by?"),
])
def test_each_fact_becomes_a_question_in_its_place(claim: str, slot: str, question: str) -> None:
    asked = questions(claim)
    assert slot in asked, asked
    assert asked[slot].startswith(question.rstrip("?")) and asked[slot].endswith("?"), asked[slot]


def test_an_alternative_the_claim_rules_out_is_never_asked_about() -> None:
    assert "Spotify" not in questions("The band posted the song on Bandcamp rather than Spotify.")
    assert "Bergen" not in questions("The mayor announced the plan in Oslo rather than Bergen on Monday.")
    assert "Bergen" not in questions("The council met in Oslo instead of Bergen on Tuesday.")


def test_the_sense_of_the_predicate_is_checked() -> None:
    assert opposite_sense("Mila Kunis will stay on as an observer on the board.",
                          "Kunis is also stepping down from her role as an observer on the board.")
    assert not opposite_sense("Kunis is stepping down from the board.", "Kunis is also stepping down from her role.")
    assert opposite_sense("Kutcher did not resign.", "Kutcher resigned on Thursday.")
    assert not opposite_sense("Kutcher resigned on Friday.", "Kutcher resigned on Thursday.")
    verdict = "Smith, 52, was found guilty on three counts of fraud in March, despite pleading not guilty."
    assert opposite_sense("Smith was acquitted of fraud in March.", verdict)
    assert opposite_sense("Smith pleaded guilty to fraud.", verdict)
    assert not opposite_sense("Smith was convicted of fraud in March.", verdict)
    assert opposite_sense("Smith was found not guilty.", "Smith was convicted of fraud last year.")
    assert not opposite_sense("Smith stayed on the board.", "Smith was convicted of fraud last year.")


def test_the_action_may_be_told_in_other_words_of_news_copy() -> None:
    assert predicate_attested("The group posted the statement on its website.",
                              ["The statement was published on the group's website."])
    assert predicate_attested("The charity thanked Omar Tull.", ["We are grateful to Omar Tull, the charity said."])
    assert not predicate_attested("The group deleted the statement.", ["The statement was published on its website."])
    # what someone wrote is attested by the words written, not by another verb of writing
    assert not predicate_attested("Omar Tull wrote that the boy was innocent.", ["Omar Tull sent a letter about the boy."])
    # a closed compound of the claim's word says it; a longer word that merely holds its stem does not
    assert predicate_attested("Sand is blown out of the desert.", ["Sand is windblown out of the desert."])
    assert not predicate_attested("The council formed a committee.", ["The council used a platform."])


def test_what_is_said_is_held_against_the_same_words_under_as_many_negations() -> None:
    # the action reported, however deep, negated in one and affirmed in the other
    denial = "“The plans were not drawn up to close the library or the town’s museum,” Ruth Alvo, 52, added."
    assert opposite_sense("Alvo said the plans were meant to close the library.", denial)
    assert not opposite_sense("Alvo said the plans were not meant to close the library.", denial)
    assert opposite_sense("The mayor raised taxes.", "The mayor failed to raise taxes.")
    assert not opposite_sense("The mayor refused to raise taxes.", "The mayor said she would not raise taxes.")
    # what someone is said to be: another verb of saying or believing tells it, negations and all
    letter = "“I do not believe she is a risk to the public,” Omar Tull wrote in his letter to the court."
    assert predicate_attested("Tull said he did not think Alvo was a risk to the public.", [letter])
    assert not predicate_attested("Tull said he thought Alvo was a risk to the public.", [letter])
    assert opposite_sense("Tull said he thought Alvo was a risk to the public.", letter)
    assert not predicate_attested("Tull said Alvo was a friend.", [letter])


def test_a_second_clause_is_held_against_what_the_sentence_says_of_its_subject() -> None:
    quote = "Lee is also stepping down from her seat on the council, the mayor said."
    assert opposite_sense("Park resigned from the council while Lee stayed on.", quote)
    assert not opposite_sense("Park resigned from the council while Kim stayed on.", quote)
    assert not opposite_sense("Park resigned from the council and Lee stepped down.", quote)


TEXT = "The Zorblax Festival was held in Tromso on Friday. It drew 4,000 visitors."


def evidence(answer: str, source: str = "a.txt", score: float = 0.9) -> Evidence:
    start = TEXT.index(answer)
    return Evidence(answer, source, start, start + len(answer), TEXT[:50], 0, 50, score)


class Articles:
    """Stands in for the reader: fixed answers per wh-word, so that the decision rules are tested alone."""

    def __init__(self, answers: dict[str, list[Evidence]], unsure: dict[str, list[Evidence]] | None = None,
                 passages: tuple[Evidence, ...] = (), sure: dict[str, list[Evidence]] | None = None) -> None:
        self.answers = answers
        self.unsure = unsure or {}  # spans below the threshold: candidates only
        self.passages = passages  # what an unanswered question retrieved: sentences without an answer
        self.sure = sure or {}  # spans above the threshold that lost to a better one of their source

    def ask(self, questions: list[str]) -> list[Reading]:
        return [Reading(self.answer(q), tuple(self.answers_to(q, self.answers) + self.answers_to(q, self.sure)
                                              + self.answers_to(q, self.unsure)),
                        tuple(self.answers_to(q, self.answers) + self.answers_to(q, self.sure)))
                for q in questions]

    @staticmethod
    def answers_to(question: str, answers: dict[str, list[Evidence]]) -> list[Evidence]:
        return next((v for k, v in answers.items() if question.lower().startswith(k)), [])

    def answer(self, question: str) -> Answer:
        found = self.answers_to(question, self.answers)
        if not found:
            return Answer(question, None, None, None, None, None, None, None, 0.0, "none", self.passages)
        best = found[0]
        return Answer(question, best.answer, best.source, best.start, best.end, best.quote, best.quote_start,
                      best.quote_end, best.score, "single-source", tuple(found))


def embed(texts: list[str]) -> np.ndarray:
    return np.ones((len(texts), 4), dtype=np.float32) / 2.0  # every sentence counts as about the claim


def test_decisions_from_answers() -> None:
    says = {"when": [evidence("Friday")], "where": [evidence("Tromso")], "what": [evidence("Zorblax Festival")]}
    checker = ClaimChecker(Articles(says).ask, embed)
    assert checker.check("The Zorblax Festival was held in Tromso on Friday.").verdict == "SUPPORTED"
    refuted = checker.check("The Zorblax Festival was held in Tromso on Sunday.")
    assert refuted.verdict == "REFUTED" and refuted.evidence[0].answer == "Friday"
    assert ClaimChecker(Articles({}).ask, embed).check("The Zorblax Festival was held in Tromso on Sunday.").verdict \
        == "NOT_ENOUGH_INFO"
    disagree = {**says, "when": [evidence("Friday"), evidence("Friday", source="b.txt")]}
    conflict = ClaimChecker(Articles({**disagree, "when": [evidence("Friday"),
                                                           Evidence("Sunday", "b.txt", 0, 6, "Sunday", 0, 6, 0.8)]}).ask,
                            embed).check("The Zorblax Festival was held in Tromso on Friday.")
    assert conflict.verdict == "SUPPORTED" and conflict.conflicting
    assert {e.answer for e in conflict.evidence} >= {"Friday", "Sunday"}


def test_an_unsure_span_confirms_the_claims_own_value_and_refutes_only_from_its_event() -> None:
    says = {"where": [evidence("Tromso")], "what": [evidence("Zorblax Festival")]}
    friday = [evidence("Friday", score=0.3)]
    unsure = ClaimChecker(Articles(says, {"when": friday}).ask, embed)
    assert unsure.check("The Zorblax Festival was held in Tromso on Friday.").verdict == "SUPPORTED"
    # the unsure day comes from a sentence telling this very event (held, in Tromso): another day is refuted
    refuted = unsure.check("The Zorblax Festival was held in Tromso on Sunday.")
    assert refuted.verdict == "REFUTED" and refuted.evidence[0].answer == "Friday"
    # a sentence merely close in meaning, with another verb, does not refute when the reader doubts
    tickets = said("Tickets for the Zorblax Festival in Tromso went on sale on Friday.", "Friday", score=0.3)
    assert ClaimChecker(Articles(says, {"when": [tickets]}).ask, embed).check(
        "The Zorblax Festival was held in Tromso on Sunday.").verdict == "NOT_ENOUGH_INFO"
    too_unsure = ClaimChecker(Articles(says, {"when": [evidence("Friday", score=CONFIRM / 2)]}).ask, embed)
    assert too_unsure.check("The Zorblax Festival was held in Tromso on Friday.").verdict == "NOT_ENOUGH_INFO"
    assert too_unsure.check("The Zorblax Festival was held in Tromso on Sunday.").verdict == "NOT_ENOUGH_INFO"


def test_every_sure_span_of_a_source_counts_not_only_its_best() -> None:
    cast = "Park and Lee starred on the show, and Lee said she would stop supporting the show."
    answers = {"who": [said(cast, "Park")]}
    lee = [said(cast, "Lee")]
    assert ClaimChecker(Articles(answers).ask, embed).check("Lee starred on the show.").verdict == "NOT_ENOUGH_INFO"
    both = ClaimChecker(Articles(answers, sure={"who": lee}).ask, embed)
    assert both.check("Lee starred on the show.").verdict == "SUPPORTED"
    # a sure span's sentence is held against the claim's verb too
    assert both.check("Lee said she would keep supporting the show.").verdict == "REFUTED"


def test_a_sure_span_that_lost_in_its_sentence_does_not_confirm_a_first_one() -> None:
    credit = "Ada Brennan is credited with first mapping the caves in 1977 and Omar Tull with extending the map."
    answers = {"who": [said(credit, "Ada Brennan")], "when": [said(credit, "1977")], "what": [said(credit, "the caves")]}
    runner_up = {"who": [said(credit, "Omar Tull", score=0.85)]}
    checker = ClaimChecker(Articles(answers, sure=runner_up).ask, embed)
    assert checker.check("Omar Tull first mapped the caves in 1977.").verdict != "SUPPORTED"
    assert checker.check("Ada Brennan first mapped the caves in 1977.").verdict == "SUPPORTED"
    # without "first", both sure actors of the sentence count
    assert checker.check("Omar Tull mapped the caves in 1977.").verdict == "SUPPORTED"


def test_an_unanswered_passage_naming_the_subject_may_negate_the_claims_verb() -> None:
    plea = "Smith was found guilty of fraud in March, despite pleading not guilty."
    passage = Evidence(None, "a.txt", 0, len(plea), plea, 0, len(plea), 0.5)
    refuted = ClaimChecker(Articles({}, passages=(passage,)).ask, embed).check("Smith pleaded guilty to fraud.")
    assert refuted.verdict == "REFUTED" and refuted.evidence[0].quote == plea
    # the same words about someone else say nothing of Smith
    other = Evidence(None, "a.txt", 0, len(plea), plea.replace("Smith", "Jones"), 0, len(plea), 0.5)
    assert ClaimChecker(Articles({}, passages=(other,)).ask, embed).check(
        "Smith pleaded guilty to fraud.").verdict == "NOT_ENOUGH_INFO"


# --- the shipped reader on the seeds -------------------------------------------------------------


def test_a_false_co_founder_is_refuted_with_the_true_one_quoted(seeds_bot: QA, seeds_copy: Path) -> None:
    verdict = seeds_bot.check("Kutcher co-founded Thorn with Danny Masterson")
    assert verdict.verdict == "REFUTED", verdict.checks
    assert any("Moore" in (e.answer or "") for e in verdict.evidence), verdict.evidence
    for item in verdict.evidence:
        assert_offsets(seeds_copy, item)
    for check in verdict.checks:
        assert check.question.endswith("?")
        for item in check.answers:
            assert_offsets(seeds_copy, item)


def test_staying_on_is_refuted_by_stepping_down(seeds_bot: QA) -> None:
    verdict = seeds_bot.check("Mila Kunis will stay on as an observer on the Thorn board")
    assert verdict.verdict == "REFUTED", verdict.checks


def test_the_resignation_is_supported(seeds_bot: QA, seeds_copy: Path) -> None:
    verdict = seeds_bot.check("Kutcher resigned from Thorn")
    assert verdict.verdict == "SUPPORTED", verdict.checks
    for item in verdict.evidence:
        assert_offsets(seeds_copy, item)
    # People says Thursday, the LA Times "stepped down Friday": both days are shown as a conflict
    when = next(c for c in verdict.checks if c.kind == "context")
    assert when.outcome == "conflicting" and verdict.conflicting, when
    assert {(e.source[:3], e.answer) for e in when.answers} == {("003", "Thursday"), ("000", "Friday")}, when
    assert {e.source for e in when.answers} <= {e.source for e in verdict.evidence}
    data = verdict.to_dict()
    assert {"claim", "verdict", "score", "evidence", "checks"} <= set(data)


@settings(max_examples=150, deadline=None)
@given(st.text(min_size=1, max_size=60).filter(lambda t: any(ch.isalnum() for ch in t)))
def test_any_text_gives_questions_without_failing(text: str) -> None:
    for slot in claim_slots(text):
        assert slot.question.endswith("?") and slot.text
    assert all(when.endswith("?") for when in when_questions(text))


# --- numbers, ages, subjects and fronted phrases: general rules, tested without the reader ----------


def said(sentence: str, answer: str, source: str = "a.txt", score: float = 0.9) -> Evidence:
    """An answer quoted from its own one-sentence file."""
    start = sentence.index(answer)
    return Evidence(answer, source, start, start + len(answer), sentence, 0, len(sentence), score)


def far(texts: list[str]) -> np.ndarray:
    """Embeddings under which no sentence is close to the claim: only the parse can tie them."""
    return np.eye(len(texts), 4, dtype=np.float32)


AGE = "Masterson, 47, was sentenced last week to 30 years to life in prison."


def test_an_age_beside_the_name_refutes_another_age_of_that_one_only() -> None:
    checker = ClaimChecker(Articles({"how old": [said(AGE, "47")]}).ask, far)
    assert checker.check("Masterson is 45 years old.").verdict == "REFUTED"
    # the same sentence says nothing about his daughter's age
    assert checker.check("Masterson's daughter is 9 years old.").verdict == "NOT_ENOUGH_INFO"


def test_the_date_of_the_event_is_asked_of_the_bare_event_too_and_said_of_its_verb() -> None:
    assert when_questions("Maria Park resigned from the council.") == [
        "When did Maria Park resign from the council?", "When did Maria Park resign?"]
    assert when_questions("Kutcher co-founded Thorn with Danny Masterson")[1] == "When did Kutcher co-found?"
    council = "Maria Park resigned from the council on Thursday."
    friday = "Maria Park stepped down Friday from her seat."
    joined = "Maria Park is stepping down from the council she joined in 2009."
    checker = ClaimChecker(Articles({
        "who": [said(council, "Maria Park", "b.txt")],
        "when did maria park resign from": [said(council, "Thursday", "b.txt")],
        "when did maria park resign?": [said(joined, "2009", "c.txt"), said(friday, "Friday", "a.txt", 0.3)],
    }).ask, embed)
    verdict = checker.check("Maria Park resigned from the council.")
    when = next(c for c in verdict.checks if c.kind == "context")
    # the year she joined is no date of her resignation, though its sentence tells it
    assert verdict.conflicting and {e.answer for e in when.answers} == {"Thursday", "Friday"}, when


def test_a_claim_with_nothing_named_asks_what_its_subject_says() -> None:
    assert questions("Recent surveys suggest that the lake was never fished.") == {
        "that the lake was never fished": "What do recent surveys suggest?"}
    finding = "However, recent surveys have suggested that the lake was heavily fished."
    checker = ClaimChecker(Articles({"what do": [said(finding, "heavily fished")]}).ask, embed)
    verdict = checker.check("Recent surveys suggest that the lake was never fished.")
    assert verdict.verdict == "REFUTED" and verdict.evidence[0].quote == finding


def test_a_share_of_something_named_is_counted_only_where_it_is_named() -> None:
    europe = said("The plague is estimated to have killed 30–60% of Europe's total population.", "30–60%")
    checker = ClaimChecker(Articles({"how": [europe], "what": [europe]}).ask, embed)
    assert checker.check("The plague killed 20% of Iceland's population.").verdict == "NOT_ENOUGH_INFO"
    assert checker.check("The plague killed 20% of Europe's population.").verdict == "REFUTED"


def test_a_duration_in_another_unit_is_no_contradiction() -> None:
    checker = ClaimChecker(Articles({"how long": [said(AGE, "30 years")]}).ask, embed)
    assert checker.check("Masterson's hearing lasted two days.").verdict == "NOT_ENOUGH_INFO"


def test_a_relative_date_is_not_contradicted_by_a_day() -> None:
    day = said("Kutcher resigned as chairman of Thorn on Thursday.", "Thursday")
    checker = ClaimChecker(Articles({"when": [day]}).ask, embed)
    assert checker.check("Thorn named a new chairman the following week.").verdict != "REFUTED"


def test_a_subject_named_in_the_confirming_sentence_is_confirmed() -> None:
    age = said("Kutcher, 45, announced the decision to resign on Thursday.", "45")
    checker = ClaimChecker(Articles({"how old": [age]}).ask, far)
    assert checker.check("Ashton Kutcher is 45.").verdict == "SUPPORTED"
    assert checker.check("Demi Moore is 45.").verdict == "NOT_ENOUGH_INFO"


def test_a_first_or_only_subject_is_refuted_by_another_one() -> None:
    first = said("The contents of the letters were first reported by Good Morning America.", "Good Morning America")
    checker = ClaimChecker(Articles({"who first reported": [first]}).ask, embed)
    assert checker.check("The Washington Post first reported the contents of the letters.").verdict == "REFUTED"
    # without "first", another outlet that reported them says nothing against this one
    assert ClaimChecker(Articles({"who reported": [first]}).ask, embed).check(
        "The Washington Post reported the contents of the letters.").verdict != "REFUTED"


def test_a_fronted_phrase_goes_to_the_end_of_the_question() -> None:
    asked = questions("In his letter to the judge, Kutcher said Masterson was a good friend.")
    assert asked["Masterson"] == "Who did Kutcher say was a good friend in his letter to the judge?", asked


def test_a_name_inside_a_longer_name_is_not_asked_alone() -> None:
    asked = questions("Kutcher wrote his letter to Superior Court Judge Charlaine Olmedo.")
    assert "Superior Court" not in asked and "Charlaine Olmedo" in asked, asked


def test_stopping_a_reported_action_is_refuted_by_carrying_it_on() -> None:
    assert opposite_sense("Kutcher said he would stop supporting Thorn's work.",
                          "He added that he will continue to support Thorn's work.")
    # resigning a role says nothing of the work he keeps supporting
    assert not opposite_sense("Kutcher said he would keep supporting Thorn's work.",
                              "Kutcher will be resigning from his role as chair of the board.")


def test_a_count_is_refuted_only_by_a_count_of_the_same_thing() -> None:
    counts = said("Masterson was convicted on three counts of rape in May.", "three")
    checker = ClaimChecker(Articles({"how many": [counts]}).ask, far)
    assert checker.check("Masterson was convicted on two counts of rape.").verdict == "REFUTED"
    women = said("Three women accused Masterson of rape.", "Three")
    other = ClaimChecker(Articles({"how many": [women]}).ask, far)
    assert other.check("Masterson was convicted on two counts of rape.").verdict != "REFUTED"


def test_a_duration_of_another_action_is_no_contradiction() -> None:
    sentence = "Kutcher wrote in support of Masterson, who was sentenced to 30 years in prison."
    checker = ClaimChecker(Articles({"how long": [said(sentence, "30 years")]}).ask, far)
    assert checker.check("Kutcher said he had known Masterson for 25 years.").verdict != "REFUTED"
    assert checker.check("Kutcher said Masterson was sentenced to 25 years.").verdict == "REFUTED"


def test_an_answer_that_is_the_claims_other_role_is_no_rival() -> None:
    """Asked who posed no danger, the reader may point at the judge written to: the claim speaks of
    "the judge" itself, so that name does not refute the slot; another named person does."""
    letter = "The chef wrote to Judge Ada Brennan that the boy posed no danger."
    claim = "In a letter to the judge, the chef said Omar Tull posed no danger."
    assert ClaimChecker(Articles({"who": [said(letter, "Ada Brennan")]}).ask, embed).check(claim).verdict != "REFUTED"
    other = "The chef wrote that Mark Hill posed no danger."
    assert ClaimChecker(Articles({"who": [said(other, "Mark Hill")]}).ask, embed).check(claim).verdict == "REFUTED"
    # a title of the slot's own is no other role: the judge written to was someone else
    named = "The chef wrote his letter to Judge Omar Tull."
    assert ClaimChecker(Articles({"who": [said(letter, "Ada Brennan")]}).ask, embed).check(named).verdict == "REFUTED"


def test_a_duration_of_the_same_thing_refutes_another_duration() -> None:
    """"grateful for his participation over the last 15 years" measures what "thanked … for his
    participation over the last 5 years" measures, though the sentence names neither actor."""
    sentence = "We are grateful for his participation over the last 15 years, the group said."
    checker = ClaimChecker(Articles({"how long": [said(sentence, "15 years")]}).ask, far)
    assert checker.check("The charity thanked Omar Tull for his participation over the last 5 years.").verdict == "REFUTED"
    assert checker.check("The charity thanked Omar Tull for his participation over the last 15 years.").verdict != "REFUTED"
    # another action measured in the same unit is no rival
    assert checker.check("The charity paid Omar Tull's rent over the last 5 years.").verdict != "REFUTED"


def test_a_fact_of_a_participle_clause_is_asked_of_that_clause() -> None:
    asked = questions("The couple addressed the letters in a video posted on Instagram.")
    # an organisation the action took place on is asked with "where", its preposition dropped
    assert asked["Instagram"] == "Where was the video posted?", asked


def test_an_acting_organisation_is_asked_with_who() -> None:
    asked = questions("The Red Cross thanked the volunteers in Geneva.")
    assert asked["The Red Cross"].startswith("Who thanked the volunteers"), asked


def test_one_of_several_subjects_unanswered_is_not_enough() -> None:
    """A name in an "and" coordination is asked with the whole coordination in place ("Who wrote the
    report?", not "Maria Park and who wrote …?"); the answer must say each name: the sentence naming
    someone else beside her does not support that John Lee wrote it with her."""
    assert questions("Maria Park and John Lee wrote the report.")["John Lee"] == "Who wrote the report?"
    report = "Maria Park and Ann Kim wrote the report on Friday."
    says = {"who": [said(report, "Maria Park")], "when": [said(report, "Friday")]}
    checker = ClaimChecker(Articles(says).ask, embed)
    assert checker.check("Maria Park and John Lee wrote the report on Friday.").verdict == "NOT_ENOUGH_INFO"
    both = ClaimChecker(Articles({**says, "who": [said(report, "Maria Park and Ann Kim")]}).ask, embed)
    assert both.check("Maria Park and Ann Kim wrote the report on Friday.").verdict == "SUPPORTED"
    assert both.check("Maria Park and John Lee wrote the report on Friday.").verdict == "NOT_ENOUGH_INFO"


def test_an_unconfirmed_amount_holds_the_verdict_back() -> None:
    aid = "Omar Tull requested that the council approve $2.2 billion in aid."
    checker = ClaimChecker(Articles({"who": [said(aid, "Omar Tull")], "how much": [said(aid, "$2.2 billion")]}).ask, far)
    assert checker.check("Omar Tull requested $5 billion in aid.").verdict != "SUPPORTED"


def test_an_amount_asked_for_through_a_complement_refutes_another_amount() -> None:
    """ "requested the council to approve $2.2 billion" is what was requested; "$1.5 billion" inside
    the same sentence does not say "$5 billion" (numbers are compared whole)."""
    aid = "Omar Tull requested the council to approve $2.2 billion in aid, including $1.5 billion in grants."
    checker = ClaimChecker(Articles({"who": [said(aid, "Omar Tull")], "how much": [said(aid, "$2.2 billion")]}).ask, far)
    assert checker.check("Omar Tull requested $5 billion in aid.").verdict == "REFUTED"
    assert checker.check("Omar Tull requested $2.2 billion in aid.").verdict == "SUPPORTED"


def test_a_fact_of_the_same_action_on_another_thing_is_no_contradiction() -> None:
    reached = "By 1347 the plague reached Alexandria through trade with Constantinople and ports on the Black Sea."
    checker = ClaimChecker(Articles({"what": [said(reached, "ports on the Black Sea")]}).ask, embed)
    assert checker.check("The plague reached Constantinople by ship from Venice.").verdict != "REFUTED"


def test_a_place_of_another_event_is_no_contradiction() -> None:
    proclaimed = "At their Kuwait meeting, the ministers proclaimed the embargo."
    checker = ClaimChecker(Articles({"where": [said(proclaimed, "Kuwait")]}).ask, embed)
    assert checker.check("The embargo was lifted after a meeting in Vienna.").verdict != "REFUTED"
    assert checker.check("The ministers proclaimed the embargo at a meeting in Vienna.").verdict == "REFUTED"


def test_a_date_of_the_event_somewhere_else_is_no_contradiction() -> None:
    reached = said("By autumn 1347, the plague reached Alexandria in Egypt.", "autumn 1347")
    checker = ClaimChecker(Articles({"when": [reached]}).ask, embed)
    assert checker.check("The plague reached Cairo in 1349.").verdict == "NOT_ENOUGH_INFO"
    assert checker.check("The plague reached Alexandria in 1349.").verdict == "REFUTED"
    # the place after a preposition, not the verb's object: only the places the sentence names tell
    arrived = said("The plague arrived in Alexandria in 1347.", "1347")
    checker = ClaimChecker(Articles({"when": [arrived]}).ask, embed)
    assert checker.check("The plague arrived in Cairo in 1349.").verdict == "NOT_ENOUGH_INFO"
    assert checker.check("The plague arrived in Alexandria in 1349.").verdict == "REFUTED"


def test_a_place_said_after_the_same_verb_and_preposition_is_confirmed() -> None:
    """The reader may answer "where" with another place of the sentence; the sentence still says
    the claim's "brought to Norway". "landed at Askoy, then spread to Bergen" says no "landed at Bergen"."""
    brought = "The virus was first brought to Norway by sailors from Riga in 1349."
    checker = ClaimChecker(Articles({"when": [said(brought, "1349")], "where": [said(brought, "Riga")]}).ask, embed)
    assert checker.check("The virus was brought to Norway by sailors in 1349.").verdict == "SUPPORTED"
    landed = "The virus reached Norway in 1349 when a ship landed at Askoy, then spread to Bergen."
    other = ClaimChecker(Articles({"when": [said(landed, "1349")], "where": [said(landed, "Askoy")],
                                   "what": [said(landed, "Norway")]}).ask, embed)
    assert other.check("The virus reached Norway in 1349 when a ship landed at Bergen.").verdict != "SUPPORTED"


def test_a_name_that_only_says_which_thing_is_not_asked_alone() -> None:
    asked = questions("The Amazon basin covers 7,000,000 square kilometres.")
    assert "Amazon" not in asked and asked["7,000,000 square kilometres"].endswith("does the Amazon basin cover?"), asked


def test_a_name_the_reader_ranked_below_another_of_its_sentence_confirms_nothing() -> None:
    """The shares sentence names every country: its 60% confirms Brazil's share, not Venezuela's,
    when the reader, asked who holds 60%, preferred Brazil there (even unsure of it)."""
    shares = "The forest is within Brazil, with 60% of it, and minor amounts in Venezuela."
    sixty = said(shares, "60%")
    unsure = {"what holds": [said(shares, "Brazil", score=0.3), said(shares, "Venezuela", score=0.25)]}
    checker = ClaimChecker(Articles({"what percentage": [sixty]}, unsure).ask, embed)
    assert checker.check("Venezuela holds 60% of the forest.").verdict == "NOT_ENOUGH_INFO"
    assert checker.check("Brazil holds 60% of the forest.").verdict == "SUPPORTED"


def test_the_events_date_comes_from_sentences_that_tell_the_event() -> None:
    """A claim with no date shows each source's date of its event, conflicting when they differ; a
    year from a sentence about another action of the subject is not that date."""
    thursday = said("Maria Park resigned from the council on Thursday.", "Thursday")
    founded = said("Maria Park founded the council in 2009.", "2009", source="b.txt", score=0.8)
    friday = said("Maria Park stepped down Friday from the council.", "Friday", source="b.txt", score=0.3)
    park = said("Maria Park resigned from the council on Thursday.", "Maria Park")
    council = said("Maria Park resigned from the council on Thursday.", "the council")
    checker = ClaimChecker(Articles({"who": [park], "what": [council], "when": [thursday, founded]},
                                    {"when": [friday]}).ask, embed)
    verdict = checker.check("Maria Park resigned from the council.")
    context = next(c for c in verdict.checks if c.kind == "context")
    assert verdict.verdict == "SUPPORTED" and context.outcome == "conflicting", verdict.checks
    assert [(e.answer, e.source) for e in context.answers] == [("Thursday", "a.txt"), ("Friday", "b.txt")]
