"""The `qa` command: JSON output contract and one-line errors with exit status 2."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from .conftest import SEEDS, run_qa

_qa = run_qa


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with seeds/ and no index yet, like a fresh clone."""
    folder = tmp_path_factory.mktemp("cli")
    shutil.copytree(SEEDS, folder / "seeds")
    return folder


def test_ask_json_builds_the_default_index_and_answers(workdir: Path) -> None:
    result = _qa(["ask", "when did Kutcher resign?", "--json"], workdir)
    assert result.returncode == 0, result.stderr
    assert "building index/ from seeds/" in result.stderr
    data = json.loads(result.stdout)
    assert set(data) >= {"question", "answer", "source", "start", "end", "quote", "quote_start", "quote_end",
                         "score", "agreement", "evidence"}
    assert data["answer"] in {"Friday", "Thursday"}
    text = (workdir / "seeds" / data["source"]).read_text(encoding="utf-8")
    assert text[data["start"] : data["end"]] == data["answer"]
    assert text[data["quote_start"] : data["quote_end"]] == data["quote"]
    assert (workdir / "index" / "manifest.json").exists()


def test_ask_human_output_and_abstention(workdir: Path) -> None:
    result = _qa(["ask", "What is the capital of Australia?"], workdir)
    assert result.returncode == 0, result.stderr
    assert "don't say" in result.stdout


def test_index_reports_incremental_work(workdir: Path) -> None:
    result = _qa(["index", "seeds"], workdir)
    assert result.returncode == 0, result.stderr
    assert "0 embedded, 2 unchanged" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ask", "   "], "question is empty"),
        (["ask", "when did Kutcher resign?", "--index", "no-such-index"], "index not found"),
        (["index", "no-such-folder"], "corpus folder not found"),
    ],
)
def test_user_errors_are_one_line_and_exit_2(workdir: Path, args: list[str], message: str) -> None:
    result = _qa(args, workdir)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_corrupt_index_is_reported_with_what_to_run(tmp_path: Path) -> None:
    index_dir = tmp_path / "broken"
    index_dir.mkdir()
    (index_dir / "manifest.json").write_text("{oops", encoding="utf-8")
    result = _qa(["ask", "when did Kutcher resign?", "--index", str(index_dir)], tmp_path)
    assert result.returncode == 2
    assert "corrupt" in result.stderr and "qa index" in result.stderr
    assert "Traceback" not in result.stderr
