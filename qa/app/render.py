"""The web chat's HTML: answers, verdicts and articles rendered as escaped HTML, and the rule that
tells a question from a statement. No Gradio here: qa/app/web.py wires these into the page.

Text that comes from an article or a user is always HTML-escaped, so neither can put markup or
script into the page.
"""

from __future__ import annotations

import html
import itertools
import json
import re
from dataclasses import astuple, dataclass

from qa.ingest.documents import Document
from qa.results import Answer, Evidence, Verdict

_WH_WORDS = {"who", "whom", "whose", "what", "when", "where", "which", "why", "how"}
_AUXILIARIES = {
    "is", "are", "was", "were", "am", "do", "does", "did", "can", "could", "will", "would", "shall",
    "should", "may", "might", "must", "has", "have", "had",
    "isn't", "aren't", "wasn't", "weren't", "don't", "doesn't", "didn't", "can't", "couldn't", "won't",
    "wouldn't", "shouldn't", "hasn't", "haven't", "hadn't", "mustn't",
}
_VERDICTS = {
    "SUPPORTED": ("qa-supported", "Supported"),
    "REFUTED": ("qa-refuted", "Refuted"),
    "NOT_ENOUGH_INFO": ("qa-nei", "Not enough info"),
}
def escape(text: str) -> str:
    return html.escape(text, quote=True)


def is_question(text: str) -> bool:
    """Auto mode's rule: a question mark, a wh-word or an auxiliary first makes a question."""
    stripped = text.strip()
    if stripped.endswith("?"):
        return True
    words = re.findall(r"[a-z']+", stripped.lower().replace("’", "'"))
    return bool(words) and (words[0] in _WH_WORDS or words[0] in _AUXILIARIES)


def confidence(score: float, threshold: float) -> str:
    """high / medium / low relative to the abstain threshold: an answer must clear it, so the bands
    split the range above it (top half high, next quarter medium, the rest and below it low)."""
    if score >= threshold + (1 - threshold) / 2:
        return "high"
    if score >= threshold + (1 - threshold) / 4:
        return "medium"
    return "low"


def _confidence_html(score: float, threshold: float) -> str:
    word = confidence(score, threshold)
    hint = (f"score {score:.3f}: how likely this span is the answer, on a 0–1 scale; "
            f"the bot abstains below {threshold:.4f}")
    return f' <span class="qa-conf qa-conf-{word}" title="{escape(hint)}">{word} confidence <small>({score:.3f})</small></span>'


@dataclass(frozen=True)
class Citation:
    """A quoted span of one article and, inside it, the answer's span (the whole quote when none)."""

    source: str
    quote_start: int
    quote_end: int
    start: int
    end: int

    @classmethod
    def of(cls, ev: Evidence) -> Citation:
        return cls(ev.source, ev.quote_start, ev.quote_end, ev.start, ev.end)

    def key(self) -> str:
        return json.dumps(astuple(self))

    @classmethod
    def from_key(cls, key: str) -> Citation | None:
        """The citation a radio value names; None for anything a client made up."""
        try:
            source, *offsets = json.loads(key)
            return cls(str(source), *(int(x) for x in offsets))
        except (TypeError, ValueError):
            return None

    def label(self) -> str:
        return f"{self.source} · characters {self.quote_start}–{self.quote_end}"


def marked_quote(ev: Evidence) -> str:
    """The quote, escaped, with the answer inside it in <mark> (offsets relative to the quote)."""
    a, b = ev.start - ev.quote_start, ev.end - ev.quote_start
    if ev.answer is None or not 0 <= a <= b <= len(ev.quote):
        return escape(ev.quote)
    return f"{escape(ev.quote[:a])}<mark>{escape(ev.quote[a:b])}</mark>{escape(ev.quote[b:])}"


def _evidence_html(ev: Evidence, threshold: float, scored: bool = True) -> str:
    """One quote and its citation; with ``scored`` (several sources, or passages) its own confidence."""
    said = f" · says <strong>{escape(ev.answer)}</strong>" if scored and ev.answer is not None else ""
    score = _confidence_html(ev.score, threshold) if scored else ""
    return (
        f"<blockquote>{marked_quote(ev)}</blockquote>"
        f'<p class="qa-cite">Source: {escape(ev.source)} · characters {ev.start}–{ev.end}{said}{score}</p>'
    )


def render_answer(ans: Answer, threshold: float) -> str:
    """The answer in bold, then each source's quote with the answer highlighted, or the abstention."""
    if ans.answer is None:
        parts = [f"<p>The articles don't answer <q>{escape(ans.question)}</q>.</p>"]
        if ans.evidence:
            parts.append("<p>Closest passages:</p>")
            parts += [_evidence_html(ev, threshold) for ev in ans.evidence]
        return "".join(parts)
    parts = [f"<p><strong>{escape(ans.answer)}</strong>{_confidence_html(ans.score, threshold)}</p>"]
    if ans.agreement == "conflicting":
        parts.append('<p class="qa-warn">Note: the sources differ: they give different answers, so read each quote.</p>')
    parts += [_evidence_html(ev, threshold, scored=len(ans.evidence) > 1) for ev in ans.evidence]
    return "".join(parts)


def render_verdict(verdict: Verdict, threshold: float) -> str:
    """A badge for the verdict, the claim, and the evidence it rests on."""
    css_class, label = _VERDICTS.get(verdict.verdict, ("qa-nei", verdict.verdict))
    parts = [
        f'<p><span class="qa-badge {css_class}">{escape(label)}</span> <q>{escape(verdict.claim)}</q>'
        f"{_confidence_html(verdict.score, threshold)}</p>"
    ]
    if verdict.conflicting:
        parts.append('<p class="qa-warn">Note: the sources disagree on part of it; both are quoted below.</p>')
    if not verdict.evidence:
        parts.append("<p>No passage in the articles bears on it.</p>")
    parts += [_evidence_html(ev, threshold) for ev in verdict.evidence]
    if verdict.checks:
        rows = []
        for check in verdict.checks:
            said = ", ".join(f"<strong>{escape(e.answer or '')}</strong> ({escape(e.source)})" for e in check.answers
                             if e.answer is not None) or "no answer"
            rows.append(f"<li>{escape(check.question)} → {said} · <em>{escape(check.outcome)}</em></li>")
        parts.append(f'<details class="qa-checks"><summary>How it was checked</summary><ul>{"".join(rows)}</ul></details>')
    return "".join(parts)


def render_article(doc: Document, cite: Citation | None = None) -> str:
    """The whole article, escaped; boilerplate dimmed, the quoted span highlighted, the answer bold."""
    marks = [(start, end, "qa-boiler") for start, end in doc.boilerplate]
    if cite is not None and 0 <= cite.quote_start <= cite.quote_end <= len(doc.text):
        marks.append((cite.quote_start, cite.quote_end, "qa-hit"))
        if (cite.start, cite.end) != (cite.quote_start, cite.quote_end):
            marks.append((cite.start, cite.end, "qa-ans"))
    cuts = sorted({0, len(doc.text), *(p for start, end, _ in marks for p in (start, end))})
    pieces = []
    for a, b in itertools.pairwise(cuts):
        classes = " ".join(c for start, end, c in marks if start <= a and b <= end)
        text = escape(doc.text[a:b])
        pieces.append(f'<span class="{classes}">{text}</span>' if classes else text)
    return f'<p><strong>{escape(doc.source)}</strong></p><div class="qa-doc">{"".join(pieces)}</div>'
