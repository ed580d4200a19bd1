"""The learned candidate scorer: features of a candidate span, and a logistic model over them.

The reader proposes every plausible span of its best sentences (entities, noun chunks, "X of Y"
phrases, reason clauses); :func:`candidate_features` describes each one by how well its type
fits the question, how well its sentence matches, and where it sits relative to the question's
words in the text and in the parse. :class:`Ranker` turns those features into the probability
that the span is the answer: a linear score trained with a softmax over each question's
candidates (:func:`fit_listwise`), then Platt-scaled. The weights are learned by
``python -m qa.train_ranker`` and shipped in ``qa/data/ranker.json``, so a fresh clone needs no
training step.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from qa.errors import QAError

RANKER_FILE = "ranker.json"

# coarse candidate types: what the span is, before the question says what it wants
CANDIDATE_GROUPS = {
    "DATE": "DATE", "TIME": "TIME", "PERSON": "PERSON", "ORG": "ORG", "GPE": "GPE", "LOC": "GPE",
    "FAC": "FAC", "NORP": "NORP", "CARDINAL": "NUM", "QUANTITY": "NUM", "MONEY": "MONEY",
    "PERCENT": "PERCENT", "ORDINAL": "ORDINAL", "AGE": "AGE", "EVENT": "MISC", "WORK_OF_ART": "MISC",
    "PRODUCT": "MISC", "LAW": "MISC", "LANGUAGE": "MISC", "NOUN": "NOUN", "OF": "OF", "CLAUSE": "CLAUSE",
}
GROUPS = sorted(set(CANDIDATE_GROUPS.values()))
QUESTION_CLASSES = (
    "when", "who", "whose", "where", "how_many", "how_much", "how_old", "how_long", "how_other", "why",
    "what_date", "what_person", "what_place", "what_org", "what_number", "what_other", "other",
)
ROLES = ("subj", "obj", "pobj", "attr", "appos", "compound", "other")
ROLE_OF = {"nsubj": "subj", "nsubjpass": "subj", "csubj": "subj", "dobj": "obj", "pobj": "pobj",
           "attr": "attr", "oprd": "attr", "appos": "appos", "compound": "compound", "npadvmod": "other"}


def feature_names() -> list[str]:
    """The fixed feature order of the model (crosses of question class and candidate group first)."""
    names = [f"q={q}|c={g}" for q in QUESTION_CLASSES for g in GROUPS]
    names += [f"c={g}" for g in GROUPS]
    names += [f"role={r}" for r in ROLES]
    names += [
        "type_fit", "sent_sim", "sent_cov", "sent_support", "sent_gap", "sent_rank", "sent_top", "passage_rank",
        "asked_frac", "asked_any", "no_match", "tok_near", "tok_near_weighted", "window5", "window10",
        "dep_near", "verb_hops", "head_match", "head_in_cand", "head_before", "before_match", "after_match",
        "len1", "len2_3", "len4_6", "len7p", "log_len", "propn_frac", "has_num", "is_entity", "is_chunk",
        "ent_and_chunk", "in_parens", "after_comma", "sentence_only",
    ]
    return names


FEATURES = feature_names()
INDEX = {name: i for i, name in enumerate(FEATURES)}


@dataclass(frozen=True)
class CandidateContext:
    """What every candidate of one sentence shares: the question and the sentence's rank and match."""

    qclass: str
    labels: frozenset[str]
    head: str | None
    weights: dict[str, float]
    verbs: frozenset[str]
    similarity: float
    coverage: float
    support: float
    best_support: float
    sentence_rank: int
    passage_rank: int
    matched: tuple[tuple[object, str, float], ...]  # the sentence's question words: (token, lemma, weight)
    anchors: frozenset[int]  # positions of the question's verbs in the sentence


def question_words_in(sent, weights: dict[str, float],
                      verbs: frozenset[str]) -> tuple[tuple[tuple[object, str, float], ...], frozenset[int]]:
    """Once per sentence, not per candidate: its tokens that are question words, each with its
    lemma and weight, and the positions of the question's verbs (the candidates' anchors)."""
    matched = []
    anchors = set()
    for t in sent:
        lemma, lower = t.lemma_.lower(), t.lower_
        if lemma in weights or lower in weights:
            matched.append((t, lemma, weights.get(lemma, weights.get(lower, 0.0))))
        if lemma in verbs and t.pos_ in {"VERB", "NOUN"}:
            anchors.add(t.i)
    return tuple(matched), frozenset(anchors)


def question_class(wh: str | None, after: str, head: str | None, head_kind: str | None) -> str:
    """The question's answer class, from its wh-word, the word after it, and its head noun's kind."""
    if wh == "when":
        return "when"
    if wh in {"who", "whom"}:
        return "who"
    if wh == "whose":
        return "whose"
    if wh == "where":
        return "where"
    if wh == "why":
        return "why"
    if wh == "how":
        if after == "many":
            return "how_many"
        if after == "much":
            return "how_much"
        if after == "old":
            return "how_old"
        if after in {"long", "far", "big", "large", "tall", "high", "often", "fast", "heavy"}:
            return "how_long"
        return "how_other"
    if wh in {"what", "which"}:
        return f"what_{head_kind}" if head and head_kind else "what_other"
    return "other"


def _dep_distance(a, b) -> int:
    """Edges between two tokens of one parse tree (via their lowest common ancestor)."""
    up_a = {a.i: 0}
    token, hops = a, 0
    while token.head.i != token.i:  # spaCy makes a new Token object on each access: compare indices
        token, hops = token.head, hops + 1
        up_a[token.i] = hops
    token, hops = b, 0
    while token.i not in up_a:
        if token.head.i == token.i:
            return 99
        token, hops = token.head, hops + 1
    return hops + up_a[token.i]


def candidate_features(ctx: CandidateContext, span, group: str, *, is_entity: bool, is_chunk: bool,
                       sentence_only: bool = False) -> np.ndarray:
    """The feature vector of one candidate ``span`` (a spaCy Span inside its sentence)."""
    x = np.zeros(len(FEATURES), dtype=np.float32)
    x[INDEX[f"q={ctx.qclass}|c={group}"]] = 1.0
    x[INDEX[f"c={group}"]] = 1.0
    sent = span.sent
    root = span.root
    x[INDEX[f"role={ROLE_OF.get(root.dep_, 'other')}"]] = 1.0
    x[INDEX["type_fit"]] = 1.0 if group in {CANDIDATE_GROUPS.get(label) for label in ctx.labels} else 0.0
    x[INDEX["sent_sim"]] = ctx.similarity
    x[INDEX["sent_cov"]] = ctx.coverage
    x[INDEX["sent_support"]] = ctx.support
    x[INDEX["sent_gap"]] = ctx.support - ctx.best_support
    x[INDEX["sent_rank"]] = 1.0 / (1.0 + ctx.sentence_rank)
    x[INDEX["sent_top"]] = 1.0 if ctx.sentence_rank == 0 else 0.0
    x[INDEX["passage_rank"]] = 1.0 / (1.0 + ctx.passage_rank)
    x[INDEX["sentence_only"]] = 1.0 if sentence_only else 0.0

    weights = ctx.weights
    content = [t for t in span if not t.is_stop and not t.is_punct]
    asked = sum(1 for t in content if t.lemma_.lower() in weights or t.lower_ in weights)
    x[INDEX["asked_frac"]] = asked / len(content) if content else 0.0
    x[INDEX["asked_any"]] = 1.0 if asked else 0.0

    matched = [m for m in ctx.matched if not span.start <= m[0].i < span.end]
    total = sum(weights.values()) or 1.0
    if matched:
        dists = [min(abs(t.i - span.start), abs(t.i - (span.end - 1))) for t, _, _ in matched]
        nearest = min(dists)
        x[INDEX["tok_near"]] = 1.0 / (1.0 + nearest / 3.0)
        x[INDEX["tok_near_weighted"]] = sum(w / (1.0 + d / 3.0) for (_, _, w), d in zip(matched, dists)) / total
        x[INDEX["window5"]] = len({lemma for (_, lemma, _), d in zip(matched, dists) if d <= 5}) / len(weights)
        x[INDEX["window10"]] = len({lemma for (_, lemma, _), d in zip(matched, dists) if d <= 10}) / len(weights)
        x[INDEX["dep_near"]] = 1.0 / (1.0 + min(_dep_distance(root, t) for t, _, _ in matched))
        x[INDEX["before_match"]] = 1.0 if span.end <= matched[0][0].i else 0.0
        x[INDEX["after_match"]] = 1.0 if span.start > matched[-1][0].i else 0.0
    else:
        x[INDEX["no_match"]] = 1.0
    anchors = ctx.anchors
    if anchors:
        token, hops = root, 0
        while hops <= 4:
            if token.i in anchors:
                x[INDEX["verb_hops"]] = 1.0 / max(hops, 1)
                break
            if token.head.i == token.i:
                break
            token, hops = token.head, hops + 1
    if ctx.head:
        x[INDEX["head_match"]] = 1.0 if root.lemma_.lower() == ctx.head else 0.0
        x[INDEX["head_in_cand"]] = 1.0 if any(t.lemma_.lower() == ctx.head for t in span) else 0.0
        doc = span.doc
        lo = max(sent.start, span.start - 4)
        x[INDEX["head_before"]] = 1.0 if any(doc[i].lemma_.lower() == ctx.head for i in range(lo, span.start)) else 0.0

    n = len(span)
    x[INDEX["len1"]] = 1.0 if n == 1 else 0.0
    x[INDEX["len2_3"]] = 1.0 if 2 <= n <= 3 else 0.0
    x[INDEX["len4_6"]] = 1.0 if 4 <= n <= 6 else 0.0
    x[INDEX["len7p"]] = 1.0 if n >= 7 else 0.0
    x[INDEX["log_len"]] = math.log(n)
    x[INDEX["propn_frac"]] = sum(1 for t in span if t.pos_ == "PROPN") / n
    x[INDEX["has_num"]] = 1.0 if any(t.like_num for t in span) else 0.0
    x[INDEX["is_entity"]] = 1.0 if is_entity else 0.0
    x[INDEX["is_chunk"]] = 1.0 if is_chunk else 0.0
    x[INDEX["ent_and_chunk"]] = 1.0 if is_entity and is_chunk else 0.0
    doc = span.doc
    before = doc[span.start - 1] if span.start > sent.start else None
    after = doc[span.end] if span.end < sent.end else None
    x[INDEX["in_parens"]] = 1.0 if before is not None and before.text == "(" and after is not None and after.text == ")" else 0.0
    x[INDEX["after_comma"]] = 1.0 if before is not None and before.text == "," else 0.0
    return x


@dataclass(frozen=True)
class Ranker:
    """A linear model over standardised features, read as P(candidate is the answer)."""

    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float

    def probabilities(self, rows: np.ndarray) -> np.ndarray:
        z = ((rows - self.mean) / self.scale) @ self.coef + self.intercept
        return 1.0 / (1.0 + np.exp(-np.clip(z, -30.0, 30.0)))

    def to_dict(self, **meta) -> dict:
        return {"features": list(self.features), "mean": [round(float(v), 6) for v in self.mean],
                "scale": [round(float(v), 6) for v in self.scale], "coef": [round(float(v), 6) for v in self.coef],
                "intercept": round(self.intercept, 6), **meta}

    @classmethod
    def from_dict(cls, data: dict) -> Ranker:
        if list(data.get("features", [])) != FEATURES:
            raise QAError("the ranker weights do not match this version's features: run `python -m qa.train_ranker`")
        return cls(tuple(data["features"]), np.asarray(data["mean"], dtype=np.float32),
                   np.asarray(data["scale"], dtype=np.float32), np.asarray(data["coef"], dtype=np.float32),
                   float(data["intercept"]))

    @classmethod
    def load(cls, path: str | Path | None = None) -> Ranker:
        """The given weights file, else the one shipped in the package."""
        try:
            if path is None:
                text = resources.files("qa").joinpath("data", RANKER_FILE).read_text(encoding="utf-8")
            else:
                text = Path(path).read_text(encoding="utf-8")
        except OSError as err:
            raise QAError(f"ranker weights not found ({err}): run `python -m qa.train_ranker`") from None
        return cls.from_dict(json.loads(text))


def fit_listwise(rows: np.ndarray, targets: np.ndarray, groups: np.ndarray, l2: float = 1.0) -> Ranker:
    """Softmax over each question's candidates (``groups``: contiguous question ids), trained to put
    the mass on the candidates that match a gold answer; the top-1 pick is what matters.

    A softmax is blind to a constant shift, so the linear score is then calibrated into a
    probability by a one-dimensional logistic fit, which is what the abstention threshold reads."""
    from scipy.optimize import minimize

    mean = rows.mean(axis=0)
    scale = rows.std(axis=0)
    scale[scale < 1e-6] = 1.0
    z = ((rows - mean) / scale).astype(np.float64)
    starts = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])
    sizes = np.diff(np.r_[starts, len(groups)])
    totals = np.add.reduceat(targets, starts)
    keep = np.repeat(totals > 0, sizes)  # questions with no matching candidate teach nothing here
    z, t, sizes = z[keep], targets[keep], sizes[totals > 0]
    g_starts = np.r_[0, np.cumsum(sizes)[:-1]]
    t = t / np.repeat(np.add.reduceat(t, g_starts), sizes)
    n_groups = len(sizes)

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        s = z @ w
        m = np.repeat(np.maximum.reduceat(s, g_starts), sizes)
        e = np.exp(s - m)
        denom = np.add.reduceat(e, g_starts)
        log_p = s - m - np.repeat(np.log(denom), sizes)
        p = e / np.repeat(denom, sizes)
        value = -(t * log_p).sum() / n_groups + 0.5 * l2 * (w @ w) / n_groups
        grad = z.T @ (p - t) / n_groups + l2 * w / n_groups
        return value, grad

    w = minimize(loss, np.zeros(z.shape[1]), jac=True, method="L-BFGS-B", options={"maxiter": 500}).x
    score = ((rows - mean) / scale).astype(np.float64) @ w
    a, b = _calibrate(score, targets)
    return Ranker(tuple(FEATURES), mean.astype(np.float32), scale.astype(np.float32), (a * w).astype(np.float32), b)


def _calibrate(score: np.ndarray, targets: np.ndarray, iterations: int = 50) -> tuple[float, float]:
    """Platt scaling: P = sigmoid(a * score + b), fitted to the (soft) labels by Newton's method."""
    x = np.c_[score, np.ones_like(score)]
    w = np.array([1.0, 0.0])
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-np.clip(x @ w, -30.0, 30.0)))
        grad = x.T @ (p - targets)
        hess = (x * (p * (1.0 - p))[:, None]).T @ x + np.eye(2) * 1e-6
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.max(np.abs(step)) < 1e-8:
            break
    return float(w[0]), float(w[1])
