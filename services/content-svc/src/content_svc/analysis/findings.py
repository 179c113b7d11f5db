"""What an analysis finds: findings with a severity, and the report that collects them.

Each check adds findings with a severity (`error` must be fixed before publishing,
`warning` should be, `info` may be) and a message in the operator's words, with the field
and position where that helps. The score starts at 100 and loses points per finding.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

Severity = Literal["error", "warning", "info"]
PENALTY: dict[str, int] = {"error": 15, "warning": 5, "info": 1}


@dataclass
class Finding:
    code: str
    severity: Severity
    message: str
    field: str | None = None
    start: int | None = None
    end: int | None = None
    platform: str | None = None
    media_id: str | None = None


@dataclass
class Report:
    score: int = 100
    findings: list[Finding] = field(default_factory=list)
    title: dict[str, Any] = field(default_factory=dict)
    keywords: list[dict[str, Any]] = field(default_factory=list)
    structure: dict[str, Any] = field(default_factory=dict)
    readability: dict[str, Any] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)
    words: list[dict[str, Any]] = field(default_factory=list)
    near_duplicates: list[dict[str, Any]] = field(default_factory=list)

    def add(self, finding: Finding) -> None:
        self.findings.append(finding)


@dataclass(frozen=True)
class MediaFacts:
    """One item of the post's media list, as the library describes it."""

    media_id: str
    kind: str
    content_type: str
    width: int
    height: int
    duration_seconds: float | None
    size_bytes: int


@dataclass(frozen=True)
class PlacedMedium:
    """A library image the body places (`![alt](media:<id>)`) and the post's media list
    does not hold: `start`..`end` is its `media:<id>` in the Markdown."""

    item: MediaFacts
    start: int
    end: int


@dataclass(frozen=True)
class Draft:
    title: str
    summary: str | None
    body_markdown: str
    keywords: Sequence[str]
    media: Sequence[MediaFacts] = ()
    cover_url: str | None = None
    placed: Sequence[PlacedMedium] = ()


@dataclass(frozen=True)
class EarlierPost:
    post_id: str
    title: str
    body_markdown: str
