from __future__ import annotations

from datetime import datetime

from pydantic import Field
from servicekit.schemas import ResponseModel


class WechatTagRead(ResponseModel):
    segment_id: str = Field(description="The user-svc segment the tag holds.")
    segment_name: str
    tag_name: str = Field(description="The tag's name on WeChat (Mediaops·<segment name>).")
    tag_id: int | None = Field(description="WeChat's id of the tag; null until it is created.")
    members_tagged: int = Field(description="Followers tagged with it so far.")
    last_synced_at: datetime | None
    last_error: str | None = Field(description="What went wrong in the last sync, in words.")
    error_code: str | None
