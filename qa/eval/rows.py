"""Gold-file rows as pydantic models: one place that says what a question, claim or SQuAD line
must hold, and one error that names the line, the field and what to write instead."""

from __future__ import annotations

from typing import ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from qa.errors import QAError


class Row(BaseModel):
    """Unknown keys are allowed (gold files carry notes); known keys must have their JSON type."""

    model_config = ConfigDict(extra="ignore", strict=True, frozen=True)
    HINT: ClassVar[str] = ""


class QuestionRow(Row):
    HINT = 'a question line is {"question": "...", "answers": ["..."], "sources": ["file.txt"]} (answers [] when unanswerable)'

    id: str | int | None = None
    question: str
    answers: list[str]
    sources: list[str] | None = None


class ClaimRow(Row):
    HINT = 'a claim line is {"claim": "...", "label": "SUPPORTED|REFUTED|NOT_ENOUGH_INFO", "sources": ["file.txt"]}'

    id: str | int | None = None
    claim: str
    label: str
    sources: list[str] | None = None


class SquadAnswer(Row):
    text: str


class SquadQuestion(Row):
    HINT = 'a SQuAD question is {"id": "...", "question": "...", "answers": [{"text": "...", "answer_start": 0}]}'

    id: str | int
    question: str
    answers: list[SquadAnswer] = []
    is_impossible: bool = False


R = TypeVar("R", bound=Row)


def parse_row(model: type[R], row: object, where: str) -> R:
    """``row`` as ``model``, or a QAError: ``where: field: what is wrong; what a row looks like``."""
    try:
        return model.model_validate(row)
    except ValidationError as err:
        first = err.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "the row"
        hint = f"; {model.HINT}" if model.HINT else ""
        raise QAError(f"{where}: {field}: {first['msg'].lower()}{hint}") from None
