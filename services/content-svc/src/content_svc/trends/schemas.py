"""The trends report."""

from __future__ import annotations

from datetime import datetime

from servicekit.schemas import ResponseModel


class SampleEntry(ResponseModel):
    idea_id: str
    title: str
    link: str | None
    source_id: str | None
    source_name: str | None
    seen_at: datetime


class PeerCoverage(ResponseModel):
    source_id: str
    name: str
    entries: int


class Trend(ResponseModel):
    keyword: str
    language: str
    count: int
    previous_count: int
    lift: float
    samples: list[SampleEntry]
    peers: list[PeerCoverage]


class TrendsRead(ResponseModel):
    window: str
    window_start: datetime
    window_end: datetime
    entries: int
    previous_entries: int
    keywords: list[Trend]
