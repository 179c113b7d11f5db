"""A library medium as an event carries it: what it is and where to download it.

The download URL is signed when the event is emitted and stays valid for days (long
enough for a scheduled delivery's retries); it is a credential while it lasts: log its
host at most, never the whole URL.
"""

from pydantic import Field

from event_contracts.base import Payload, UtcDatetime


class MediaReference(Payload):
    """One item of a post's media list, in the post's order (the first image is the cover
    where a platform takes one)."""

    media_id: str
    kind: str = Field(
        description='"image" or "video" today; a consumer skips a kind it does not know '
        "(audio may follow for the audio platforms)."
    )
    content_type: str = Field(description="The file's MIME type, detected from its content.")
    width: int
    height: int
    duration_seconds: float | None = Field(default=None, description="Videos only.")
    size_bytes: int = Field(ge=0)
    sha256: str = Field(description="Hex SHA-256 of the file: check the download with it.")
    url: str = Field(description="A signed download URL; sensitive while valid, never log it.")
    url_expires_at: UtcDatetime
