"""What every payload model is built from: the tolerant base and UTC times."""

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict


def _to_utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


UtcDatetime = Annotated[AwareDatetime, AfterValidator(_to_utc)]
"""A timezone-aware datetime, converted to UTC; naive datetimes are rejected."""


class Payload(BaseModel):
    """Base of every payload model: tolerant of fields added by newer producers."""

    model_config = ConfigDict(extra="ignore")
