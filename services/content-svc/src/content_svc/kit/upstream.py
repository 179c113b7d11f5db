"""A client of another service that asks as the caller: their token forwarded (so the
other service answers for the caller's workspace only), with a short timeout."""

from __future__ import annotations

import httpx


class CallerClient:
    def __init__(
        self,
        base_url: str,
        *,
        timeout_seconds: float,
        authorization: str | None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout_seconds = timeout_seconds
        self.authorization = authorization
        self.transport = transport

    def client(self) -> httpx.AsyncClient:
        """An HTTP client for one round of requests (use it in `async with`)."""
        headers = {"Authorization": self.authorization} if self.authorization else {}
        return httpx.AsyncClient(
            base_url=self.base_url,
            headers=headers,
            timeout=self.timeout_seconds,
            transport=self.transport,
        )
