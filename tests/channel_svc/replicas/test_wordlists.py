"""The workspace's word lists, copied from content-svc's `wordlist.changed` events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from channel_svc.runtime import ChannelRuntime
from event_contracts import CloudEvent, ListedWord, WordlistChangedV1

from tests.channel_svc.helpers import add, apply


async def test_a_deleted_word_list_no_longer_counts_and_old_events_change_nothing(
    client: httpx.AsyncClient, runtime: ChannelRuntime, editor: dict[str, str], workspace_id: str
) -> None:
    channel_id = await add(client, editor, {"platform": "zhihu", "name": "知乎"})
    now = datetime.now(UTC)

    def change(deleted: bool, at: datetime) -> CloudEvent:
        payload = WordlistChangedV1(
            wordlist_id="wl-2",
            workspace_id=workspace_id,
            name="x",
            deleted=deleted,
            words=[ListedWord(word="内幕", category="rumor")],
            changed_at=at,
        )
        return CloudEvent.create("wordlist.changed", "/content-svc", "wl-2", workspace_id, payload)

    await apply(runtime, change(False, now))
    await apply(runtime, change(True, now + timedelta(seconds=1)))
    await apply(runtime, change(False, now))  # late and older: ignored
    response = await client.post(
        f"/api/v1/channels/{channel_id}/preview",
        json={"title": "标题", "body_markdown": "行业内幕"},
        headers=editor,
    )
    assert response.json()["violations"] == []
