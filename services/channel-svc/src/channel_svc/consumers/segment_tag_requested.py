"""`segment.tag.requested`: tag a segment's members on a WeChat account."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial

from event_contracts import SegmentTagRequestedV1
from servicekit.events import PayloadHandler, handles

from channel_svc.adapters.base import Adapter
from channel_svc.crypto import CredentialCipher
from channel_svc.wechat_tags.service import sync_segment_tag


def segment_tag_requested(
    adapters: Mapping[str, Adapter], cipher: CredentialCipher
) -> PayloadHandler[SegmentTagRequestedV1]:
    # WeChat is called inside the transaction: never batched with other events.
    return handles(SegmentTagRequestedV1, alone=True)(
        partial(sync_segment_tag, adapters=adapters, cipher=cipher)
    )
