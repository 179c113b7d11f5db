"""The columns many tables declare alike, as SQLAlchemy annotated declarative types:
`id: Mapped[RowId]`, `created_at: Mapped[Timestamp]`, `deleted_at: Mapped[Moment | None]`."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from sqlalchemy import String
from sqlalchemy.orm import mapped_column

from servicekit.db import UTCDateTime, new_id, utcnow

# A row's id: a new UUID unless one is given.
RowId = Annotated[str, mapped_column(String(36), primary_key=True, default=new_id)]
# A moment in UTC, given by the code (nullable when declared `Mapped[Moment | None]`).
Moment = Annotated[datetime, mapped_column(UTCDateTime())]
# A moment in UTC, now unless one is given: when a row was made, or last changed.
Timestamp = Annotated[datetime, mapped_column(UTCDateTime(), default=utcnow)]
