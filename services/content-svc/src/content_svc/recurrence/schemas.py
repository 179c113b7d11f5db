"""Request and response models of a post's recurrence."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import ConfigDict, Field
from servicekit.schemas import RequestModel, ResponseModel

MAX_EVERY_DAYS = 365
NEXT_SHOWN = 10


class RecurrenceSet(RequestModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"every_days": 30, "until": "2027-06-30"}]}
    )

    every_days: int = Field(ge=1, le=MAX_EVERY_DAYS, description="Days between occurrences.")
    until: date = Field(
        description="The last day (in the workspace's time zone) an occurrence may fall on."
    )


class RecurrenceRead(ResponseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "post_id": "0b7c9f3e-2a51-4f0e-9d7c-5c1a2b3d4e5f",
                    "every_days": 30,
                    "until": "2027-06-30",
                    "time_zone": "Asia/Shanghai",
                    "first_at": "2026-12-07T04:00:00Z",
                    "occurrence": 1,
                    "next_at": "2027-02-05T04:00:00Z",
                    "stopped_at": None,
                    "next_occurrences": [
                        {"occurrence": 2, "at": "2027-02-05T04:00:00Z"},
                        {"occurrence": 3, "at": "2027-03-07T04:00:00Z"},
                    ],
                }
            ]
        },
    )

    post_id: str
    every_days: int
    until: date
    time_zone: str
    first_at: datetime = Field(description="The post's own publication: occurrence 0.")
    occurrence: int = Field(description="The last occurrence sent (0: none but the first).")
    next_at: datetime | None = Field(description="None once the recurrence ended or stopped.")
    stopped_at: datetime | None
    next_occurrences: list[Occurrence] = Field(
        description=f"The coming occurrences (at most {NEXT_SHOWN})."
    )


class Occurrence(ResponseModel):
    occurrence: int
    at: datetime


RecurrenceRead.model_rebuild()
