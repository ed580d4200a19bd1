"""Load a folder of articles and mark web boilerplate, keeping offsets into the original text.

Offsets everywhere in factqa are character offsets into ``open(path, encoding="utf-8").read()``,
half-open ``[start, end)``. Boilerplate is never removed from the text, only marked as spans, so
those offsets stay exact.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import stat
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from qa.errors import QAError

log = logging.getLogger(__name__)

SUFFIXES = (".txt", ".md")
# An article, not a data dump: 5 MB is ~10,000 chunks, minutes of embedding on a CPU. Bigger files
# are skipped; at most this many bytes + 1 are ever read, whatever ``stat`` says, so time stays bounded.
MAX_FILE_BYTES = 5_000_000

Span = tuple[int, int]
# the end of a sentence: punctuation (and closing quotes or brackets) before whitespace, or a blank line
SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*\s+|\n\s*\n")


@dataclass(frozen=True)
class Document:
    """One source file: its text exactly as read, and the spans that are boilerplate."""

    source: str  # path relative to the corpus root, with "/" separators
    text: str
    sha256: str
    boilerplate: tuple[Span, ...] = ()

    def content_blocks(self) -> list[Span]:
        """Maximal runs of text between boilerplate spans, with surrounding whitespace trimmed."""
        blocks: list[Span] = []
        pos = 0
        for b_start, b_end in [*self.boilerplate, (len(self.text), len(self.text))]:
            start, end = pos, b_start
            while start < end and _is_blank(self.text[start]):
                start += 1
            while end > start and _is_blank(self.text[end - 1]):
                end -= 1
            if start < end:
                blocks.append((start, end))
            pos = max(pos, b_end)
        return blocks


    def paragraph(self, start: int, end: int, max_extra: int = 1500) -> Span:
        """The paragraph(s) around ``[start, end)``, inside its content block, so that a chunk cut
        mid-sentence is read with whole sentences; at most ``max_extra`` characters each side."""
        block_start, block_end = next(((s, e) for s, e in self.content_blocks() if s <= start < e), (start, end))
        para_start = self.text.rfind("\n\n", max(block_start, start - max_extra), start)
        para_end = self.text.find("\n\n", end, min(block_end, end + max_extra))
        new_start = para_start + 2 if para_start >= 0 else max(block_start, start - max_extra)
        new_end = para_end if para_end >= 0 else min(block_end, end + max_extra)
        return min(new_start, start), max(new_end, end)


    def sentences(self, start: int, end: int, max_extra: int = 400) -> Span:
        """``[start, end)`` widened to whole sentences of its paragraph (at most ``max_extra``
        characters each side): what a reader reads for a chunk, so that no answer's sentence is cut
        at a chunk edge, without reading the whole of a long paragraph."""
        para_start, para_end = self.paragraph(start, end, max_extra)
        new_start = para_start
        for m in SENTENCE_END.finditer(self.text, para_start, start):
            new_start = m.end()
        m = SENTENCE_END.search(self.text, end, para_end)
        new_end = m.start() + 1 if m and not self.text[m.start()].isspace() else (m.start() if m else para_end)
        return min(new_start, start), max(new_end, end)


def _is_blank(ch: str) -> bool:
    """Whitespace, or the byte-order mark that a UTF-8 file may start with: open(..., encoding="utf-8")
    keeps it in the text (so offsets count it) but no chunk or quote should start with it."""
    return ch.isspace() or ch == "\ufeff"


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- boilerplate rules -------------------------------------------------------------------------

_SENTENCE_END = re.compile(r"""[.!?…]["'”’)\]]*$""")
_WORD = re.compile(r"[^\W\d_]{2,}")
# "Kevin Mazur/WireImage", "(David Livingston/Getty Images/TNS)", "RB/Bauer-Griffin/GC Ashton ..."
_CREDIT = r"\(?[A-Z][\w.'-]*(?: [A-Z][\w.'-]*)*/[A-Z][\w.'-]*(?:[ /;][A-Z][\w.'-]*)*\)?"
_STARTS_WITH_CREDIT = re.compile(rf"^{_CREDIT}(?:\s|$)")
_ENDS_WITH_CREDIT = re.compile(rf"\s{_CREDIT}$|^{_CREDIT}$")
_HTML_TAG = re.compile(r"</?[a-zA-Z][^>]*>")
# Calls to action and legal lines that news sites append; they are vocabulary, not exact strings.
_PLUG = re.compile(
    r"\b(?:newsletters?|subscribe|sign[ -]up|telegram|whatsapp|follow us|click here|"
    r"read (?:the )?(?:original|full|more)|download (?:our|the) app|all rights reserved|"
    r"copyright|distributed by|syndicat\w+|try again later|something went wrong)\b|^related:|^©|©\s*\d{4}",
    re.IGNORECASE,
)
_SHORT_FRAGMENT_WORDS = 8  # a line shorter than this without a sentence ending is a label
_PLUG_MAX_WORDS = 40  # a long paragraph that merely mentions "newsletter" is content


def _lines(text: str) -> list[Span]:
    """Spans of the non-blank lines, trimmed of surrounding whitespace."""
    spans = []
    for m in re.finditer(r"[^\r\n]+", text):
        start, end = m.start(), m.end()
        while start < end and _is_blank(text[start]):
            start += 1
        while end > start and _is_blank(text[end - 1]):
            end -= 1
        if start < end:
            spans.append((start, end))
    return spans


def _is_boilerplate_line(line: str, counts: Counter[str], all_lines: list[str]) -> bool:
    words = line.split()
    alpha_words = _WORD.findall(line)
    if len(alpha_words) < 2:
        return True  # "Navigation", "• ", "___", "HFP"
    if counts[line] > 1:
        return True  # repeated widgets ("Oops! Something went wrong.")
    if len(line) >= 20 and any(line != other and line in other for other in all_lines):
        return True  # a caption repeated inside a longer credit line
    if _HTML_TAG.search(line) or _STARTS_WITH_CREDIT.search(line) or _ENDS_WITH_CREDIT.search(line):
        return True  # photo credits and captions
    if _PLUG.search(line) and len(words) <= _PLUG_MAX_WORDS:
        return True
    return len(words) < _SHORT_FRAGMENT_WORDS and not _SENTENCE_END.search(line)


def find_boilerplate(text: str) -> tuple[Span, ...]:
    """Spans of lines that are navigation, credits, captions, plugs or legal lines.

    General rules, not a list of strings: lines with fewer than two words, lines repeated in
    the document, photo credits (``Name/Agency``) and HTML, known call-to-action vocabulary, and
    short lines without sentence punctuation.
    """
    lines = _lines(text)
    strings = [text[s:e] for s, e in lines]
    counts = Counter(strings)
    return tuple(span for span, line in zip(lines, strings) if _is_boilerplate_line(line, counts, strings))


# --- loading -----------------------------------------------------------------------------------


def read_document(path: Path, source: str) -> Document | None:
    """Read one file; ``None`` (with a warning naming it) when it is unreadable, too big, empty,
    binary or not UTF-8."""
    try:
        # non-blocking, so that opening a FIFO does not wait for a writer; only a regular file is read
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
        with os.fdopen(fd, "rb") as fh:
            if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                log.warning("skipped %s: not a regular file (a device, FIFO or socket)", source)
                return None
            raw = fh.read(MAX_FILE_BYTES + 1)
    except OSError as err:
        log.warning("skipped %s: cannot read it (%s)", source, err.strerror or err)
        return None
    if len(raw) > MAX_FILE_BYTES:
        log.warning("skipped %s: over the %d MB limit for one article; split it into articles",
                    source, MAX_FILE_BYTES // 1_000_000)
        return None
    if b"\x00" in raw:
        log.warning("skipped %s: it looks binary (contains NUL bytes)", source)
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        log.warning("skipped %s: not UTF-8 (byte %d); re-save it as UTF-8", source, err.start)
        return None
    if all(_is_blank(ch) for ch in text):
        log.warning("skipped %s: the file is empty", source)
        return None
    # Offsets are into the text as open(..., encoding="utf-8").read() returns it: universal
    # newlines turn \r\n into \n, so decode the same way.
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return Document(source=source, text=text, sha256=sha256_text(text), boilerplate=find_boilerplate(text))


def _inside(path: Path, root: Path) -> bool:
    """Whether ``path``, links resolved, lies inside ``root`` (already resolved)."""
    try:
        return path.resolve().is_relative_to(root)
    except (OSError, RuntimeError):  # a link loop
        return False


def iter_paths(folder: Path) -> list[Path]:
    """Every .txt and .md under ``folder``, recursively, sorted. Linked folders are not entered (a
    link can loop back or lead out of the corpus); a linked file is read only when it resolves inside
    the corpus; a name that is not valid UTF-8 is skipped. Each skip is named in a warning."""
    root = folder.resolve()

    def unlistable(err: OSError) -> None:
        path = Path(err.filename or folder)
        name = str(folder) if path == folder else path.relative_to(folder).as_posix()
        log.warning("skipped %s: cannot list it (%s)", name, err.strerror or err)

    found = []
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False, onerror=unlistable):
        dirnames.sort()
        for name in dirnames:
            if (Path(dirpath) / name).is_symlink():
                log.warning("skipped %s: a link to a folder is not followed",
                            (Path(dirpath) / name).relative_to(folder).as_posix())
        for name in filenames:
            if not name.lower().endswith(SUFFIXES) or name.startswith("."):
                continue
            path = Path(dirpath) / name
            relative = path.relative_to(folder).as_posix()
            try:
                relative.encode("utf-8")
            except UnicodeEncodeError:
                log.warning("skipped %s: the file name is not valid UTF-8; rename it", ascii(relative))
                continue
            if path.is_symlink() and not _inside(path, root):
                log.warning("skipped %s: a link that leads out of the corpus folder (or loops)", relative)
                continue
            found.append(path)
    return sorted(found)


def load_folder(folder: str | os.PathLike[str], root: Path | None = None) -> list[Document]:
    """Load every readable article under ``folder``; sources are relative to ``root`` (default: folder)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise QAError(f"corpus folder not found: {folder} (give a folder of .txt or .md files)")
    root = root or folder
    docs = []
    for path in iter_paths(folder):
        doc = read_document(path, path.relative_to(root).as_posix())
        if doc is not None:
            docs.append(doc)
    return docs
