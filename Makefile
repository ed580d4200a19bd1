# Two commands: `make run` and `make test`. Both create .venv when missing and install into it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CORPUS ?= seeds
SQUAD ?= ../shared/datasets/squad
INDEX ?= index
# The visible SQuAD v2.0 dev articles by position (tools/split_squad.py): odd ones are reported on
# (v2-report), of the even ones half train the reader (v2-train) and half choose its threshold (v2-choose).
EVAL := .cache/eval
V2 := $(SQUAD)/dev-v2.0-visible-12.json
V2_TRAIN := $(EVAL)/v2-train.json
V2_CHOOSE := $(EVAL)/v2-choose.json
SUPER_BOWL := ../shared/benchmarks/squad-v1.1-dev-super-bowl-50.json

.PHONY: run test test-unit stress lint index eval calibrate bench bench-stores clean chromium train-reader

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# torch first: 2.13.0 is the CPU build on local disk; anything unpinned would pull CUDA.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[test,scale]'
	touch $(STAMP)

$(INDEX)/manifest.json: $(STAMP) $(shell find $(CORPUS) -name '*.txt' -o -name '*.md' 2>/dev/null)
	$(BIN)/qa index $(CORPUS) --index $(INDEX)

index: $(INDEX)/manifest.json

run: $(INDEX)/manifest.json
	$(BIN)/python ui.py --index $(INDEX) --corpus $(CORPUS)

# Debian's chromium for the browser tests; Playwright never downloads a browser of its own.
chromium:
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null)

lint: $(STAMP)
	$(BIN)/ruff check .

test: $(STAMP) chromium lint
	HF_HUB_OFFLINE=1 $(BIN)/python -m pytest -q

# The unit layer alone: no model loads, seconds (tests are marked unit / integration / e2e in conftest.py).
test-unit: $(STAMP) lint
	HF_HUB_OFFLINE=1 $(BIN)/python -m pytest -q -m unit

# Retrain the span reader the package ships (qa/read/weights) on SQuAD v1.1 train, with the real
# unanswerable questions of a quarter of the visible SQuAD v2.0 dev articles (V2_TRAIN: never the
# articles that choose the threshold or are reported on); TRAIN_ARGS adds flags, e.g.
# TRAIN_ARGS="--max-minutes 115" on 2 cores, or TRAIN_ARGS="--device cuda --epochs 3" on a GPU.
# Add --resume to continue a run from .cache/reader-train/ or from the committed weights.
TRAIN_ARGS ?= --max-minutes 115
train-reader: $(STAMP) $(V2_TRAIN)
	HF_HUB_OFFLINE=1 $(BIN)/qa train-reader $(SQUAD)/train-v1.1.reconstructed.json \
		--drop-ids $(SQUAD)/train-v1.1.reconstructed.ambiguous_ids.json --unanswerable $(V2_TRAIN) --unanswerable-repeat 4 \
		--dev $(V2_CHOOSE) $(TRAIN_ARGS)

# The long runs `make test` leaves out: 20 users x 20 questions on the web chat, a dozen killed
# `qa index` runs, more hypothesis examples. Prints the load numbers the README records.
stress: $(STAMP) chromium
	HF_HUB_OFFLINE=1 $(BIN)/python -m pytest -q -m stress

# Scores on the seeds gold questions and claims, SQuAD Super Bowl 50 (open-corpus and paragraph-given)
# and the report half of the visible SQuAD v2.0 dev articles (a quarter trained the reader, a quarter chose
# the threshold: `make calibrate`). Indexes, per-question reports (misses first) and pictures go to .cache/eval/.

$(EVAL)/v2-calibrate.json $(EVAL)/v2-report.json: $(V2) tools/split_squad.py | $(STAMP)
	$(BIN)/python tools/split_squad.py $(V2) $(EVAL)/v2-calibrate.json $(EVAL)/v2-report.json

# the non-reported half split again: one quarter of the articles trains the reader, one chooses its threshold
$(V2_TRAIN) $(V2_CHOOSE): $(EVAL)/v2-calibrate.json
	$(BIN)/python tools/split_squad.py $(EVAL)/v2-calibrate.json $(V2_TRAIN) $(V2_CHOOSE)

calibrate: $(V2_CHOOSE)
	HF_HUB_OFFLINE=1 $(BIN)/qa eval $(V2_CHOOSE) --calibrate --unanswerable-share 0.2 --save-threshold

eval: $(STAMP) $(EVAL)/v2-report.json
	HF_HUB_OFFLINE=1 $(BIN)/qa eval tests/data/seeds_questions.jsonl --out $(EVAL)/seeds-report.json
	HF_HUB_OFFLINE=1 $(BIN)/qa eval tests/data/seeds_claims.jsonl --out $(EVAL)/seeds-claims-report.json
	HF_HUB_OFFLINE=1 $(BIN)/qa eval tests/data/seeds_claims_more.jsonl --out $(EVAL)/seeds-claims-more-report.json
	HF_HUB_OFFLINE=1 $(BIN)/qa eval tests/data/articles_claims.jsonl --corpus tests/data/articles --out $(EVAL)/articles-claims-report.json
	HF_HUB_OFFLINE=1 $(BIN)/qa eval $(EVAL)/v2-report.json --out $(EVAL)/v2-report-report.json
	HF_HUB_OFFLINE=1 $(BIN)/qa eval $(EVAL)/v2-report.json --paragraph --out $(EVAL)/v2-report-paragraph-report.json
	HF_HUB_OFFLINE=1 $(BIN)/qa eval $(SUPER_BOWL) --out $(EVAL)/super-bowl-report.json
	HF_HUB_OFFLINE=1 $(BIN)/qa eval $(SUPER_BOWL) --paragraph --out $(EVAL)/super-bowl-paragraph-report.json

# Speed and memory beside LangChain's FAISS store (README "Performance"); LangChain is installed
# only here. BENCH_SIZES=10k,100k,1M adds the million-chunk index (several more minutes).
BENCH_SIZES ?= 10k,100k
BENCH_STAMP := $(VENV)/.bench-installed

$(BENCH_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -e '.[bench]'
	touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	HF_HUB_OFFLINE=1 $(BIN)/python tools/bench.py --sizes $(BENCH_SIZES)

# FAISS files beside Milvus Lite at 10k and 100k chunks: build, query p50/p95, recall@10, memory, disk
# (docs/deployment.md).
bench-stores: $(STAMP)
	HF_HUB_OFFLINE=1 $(BIN)/python tools/bench_stores.py --sizes 10k,100k

clean:
	rm -rf $(VENV) $(INDEX)/manifest.json $(INDEX)/vectors-* $(INDEX)/chunks-*
