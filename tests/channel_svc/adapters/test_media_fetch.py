"""Downloading a post's images: an address channel-svc may not reach is a clear, named
failure (not a crash), and no error carries a link's signature."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from channel_svc.adapters.common import ImageUnavailable, fetch_image
from channel_svc.adapters.media import fetch_medium
from event_contracts import MediaReference
from servicekit.urlguard import guarded_client

SIGNED = "http://127.0.0.1:{port}/api/v1/media/m1/file?expires=1&signature=s3cr3t-signature"


@pytest.fixture
def refusing_port() -> Iterator[int]:
    """A port bound but not listening: a connection to it is refused, for as long as the
    test holds it."""
    with socket.socket() as bound:
        bound.bind(("127.0.0.1", 0))
        yield bound.getsockname()[1]


def _medium(url: str) -> MediaReference:
    return MediaReference(
        media_id="m1",
        kind="image",
        content_type="image/png",
        width=10,
        height=10,
        size_bytes=100,
        sha256="0" * 64,
        url=url,
        url_expires_at=datetime.now(UTC) + timedelta(days=1),
    )


async def test_a_library_medium_on_a_private_address_fails_for_good_without_its_link(
    refusing_port: int,
) -> None:
    async with guarded_client(allow_private=False) as client:
        with pytest.raises(ImageUnavailable) as caught:
            await fetch_medium(client, _medium(SIGNED.format(port=refusing_port)))
    assert not caught.value.transient
    assert "may fetch from" in str(caught.value)
    assert "s3cr3t" not in str(caught.value)


async def test_an_image_that_cannot_be_fetched_is_named_by_its_host_only(
    refusing_port: int,
) -> None:
    url = SIGNED.format(port=refusing_port)
    async with guarded_client(allow_private=False) as client:
        with pytest.raises(ImageUnavailable) as private:
            await fetch_image(client, url)
    async with guarded_client(allow_private=True, timeout=2) as client:
        with pytest.raises(ImageUnavailable) as refused:
            await fetch_image(client, url)
    for failure in (private.value, refused.value):
        assert "127.0.0.1" in str(failure)
        assert "s3cr3t" not in str(failure)
    assert not private.value.transient
    assert refused.value.transient


async def test_a_host_that_does_not_resolve_may_resolve_later() -> None:
    async with guarded_client(allow_private=False) as client:
        with pytest.raises(ImageUnavailable) as caught:
            await fetch_medium(client, _medium("http://no-such-host.invalid/m1?signature=x"))
    assert caught.value.transient
