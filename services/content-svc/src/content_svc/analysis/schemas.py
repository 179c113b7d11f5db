"""The analysis report as the API returns it."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field
from servicekit.schemas import ResponseModel


class FindingRead(ResponseModel):
    code: str
    severity: Literal["error", "warning", "info"]
    message: str
    field: str | None
    start: int | None
    end: int | None
    platform: str | None
    media_id: str | None = Field(
        default=None, description="The media library item the finding is about."
    )


class AnalysisRead(ResponseModel):
    post_id: str
    version: int
    score: int
    platforms: list[str]
    findings: list[FindingRead]
    title: dict[str, Any]
    keywords: list[dict[str, Any]]
    structure: dict[str, Any]
    readability: dict[str, Any]
    summary: dict[str, Any]
    words: list[dict[str, Any]]
    near_duplicates: list[dict[str, Any]]
