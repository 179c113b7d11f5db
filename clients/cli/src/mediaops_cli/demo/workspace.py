"""What the seed made so far and how each step reports: every API call is recorded, and
none fails silently."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from mediaops_cli.client import ApiError, Client

Progress = Callable[[str], None]


@dataclass
class SeedReport:
    done: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    rows: list[tuple[str, str, str]] = field(default_factory=list)  # what, how many, details


@dataclass
class Demo:
    """What the seed made so far, shared by the steps."""

    client: Client
    report: SeedReport
    progress: Progress
    owner_email: str
    password: str
    channels: dict[str, str] = field(default_factory=dict)  # key -> id
    posts: dict[str, dict[str, Any]] = field(default_factory=dict)  # key -> post
    campaign_id: str | None = None
    reviewer_token: str | None = None
    reviewer_email: str | None = None
    member_ids: list[str] = field(default_factory=list)

    def call(
        self, what: str, method: str, path: str, body: Any = None, *, quiet: bool = False
    ) -> Any:
        """One API call; a failure is recorded (never silent) and answered with None."""
        try:
            result = self.client.json(method, path, json=body)
        except ApiError as exc:
            self.report.failed.append(f"{what}: {exc}")
            return None
        if not quiet:
            self.did(what)
        return result

    def did(self, what: str) -> None:
        """Record a step done, and show it."""
        self.report.done.append(what)
        self.progress(what)

    def as_reviewer(self, what: str, path: str, body: dict[str, Any]) -> Any:
        if not self.reviewer_token:
            self.report.skipped.append(f"{what}: no reviewer signed in")
            return None
        response = self.client.http.post(
            path, json=body, headers={"Authorization": f"Bearer {self.reviewer_token}"}
        )
        if response.status_code >= 400:
            self.report.failed.append(f"{what}: {ApiError(response)}")
            return None
        self.did(what)
        return response.json()
