"""A webhook receiver gets the post's library media, in order, with their download links."""

from __future__ import annotations

import json

import httpx
from channel_svc.runtime import ChannelRuntime

from tests.channel_svc.conftest import Receiver, create_channel, published
from tests.channel_svc.helpers import apply, distribution_of, until
from tests.fakes.media_files import MediaFiles


async def test_the_webhook_carries_the_media_with_their_links(
    client: httpx.AsyncClient,
    worker: ChannelRuntime,
    editor: dict[str, str],
    workspace_id: str,
    receiver: Receiver,
    media_files: MediaFiles,
) -> None:
    media = [media_files.image("PNG", "blue"), media_files.image("JPEG", "red")]
    channel = await create_channel(client, editor, receiver.url)
    event = published(workspace_id, [channel["id"]], media=media)
    await apply(worker, event)
    row = await distribution_of(client, editor, event.data["post_id"], channel["id"])
    assert (await until(client, editor, row["id"]))["status"] == "succeeded"

    [delivery] = receiver.received
    sent = json.loads(delivery.body)["post"]["media"]
    assert [(m["media_id"], m["url"], m["sha256"]) for m in sent] == [
        (m.media_id, m.url, m.sha256) for m in media
    ]
    assert sent[0]["content_type"] == "image/png"
    # The receiver can fetch each file by its link alone.
    async with httpx.AsyncClient() as http:
        assert (await http.get(sent[1]["url"])).content == media_files.files[media[1].media_id][0]
