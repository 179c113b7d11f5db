"""The command line's HTTP client: the gateway URL, the stored tokens, one refresh on 401,
and problem+json answers turned into readable errors."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import httpx

from mediaops_cli import config


class ApiError(Exception):
    def __init__(self, response: httpx.Response) -> None:
        self.status = response.status_code
        self.problem: dict[str, Any] = {}
        try:
            body = response.json()
            if isinstance(body, dict):
                self.problem = body
        except ValueError:
            pass
        detail = self.problem.get("detail") or response.text[:300] or response.reason_phrase
        super().__init__(f"HTTP {self.status}: {detail}")

    @property
    def errors(self) -> list[dict[str, Any]]:
        errors = self.problem.get("errors", [])
        return [e for e in errors if isinstance(e, dict)]


class Client:
    def __init__(
        self,
        gateway: str | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 60.0,
    ) -> None:
        self.credentials = config.load()
        if gateway:
            self.credentials.gateway = gateway
        self.http = httpx.Client(
            base_url=self.credentials.gateway.rstrip("/"),
            timeout=timeout,
            transport=transport,
            trust_env=False,
        )

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *_: object) -> None:
        self.http.close()

    def _auth(self) -> dict[str, str]:
        token = self.credentials.access_token
        return {"Authorization": f"Bearer {token}"} if token else {}

    def request(
        self,
        method: str,
        path: str,
        *,
        auth: bool = True,
        ok: Iterable[int] = (200, 201, 204),
        **kwargs: Any,
    ) -> httpx.Response:
        headers = {**kwargs.pop("headers", {}), **(self._auth() if auth else {})}
        response = self.http.request(method, path, headers=headers, **kwargs)
        if response.status_code == 401 and auth and self._refresh():
            headers.update(self._auth())
            response = self.http.request(method, path, headers=headers, **kwargs)
        if response.status_code not in set(ok):
            raise ApiError(response)
        return response

    def json(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.request(method, path, **kwargs)
        return response.json() if response.content else None

    def _refresh(self) -> bool:
        refresh = self.credentials.refresh_token
        if not refresh:
            return False
        response = self.http.post("/api/v1/auth/refresh", json={"refresh_token": refresh})
        if response.status_code != 200:
            return False
        self.store_tokens(response.json())
        return True

    def store_tokens(self, tokens: dict[str, Any], email: str | None = None) -> None:
        self.credentials.access_token = tokens["access_token"]
        self.credentials.refresh_token = tokens.get("refresh_token")
        if email:
            self.credentials.email = email
        config.save(self.credentials)

    def login(self, email: str, password: str) -> None:
        tokens = self.json(
            "POST", "/api/v1/auth/login", auth=False, json={"email": email, "password": password}
        )
        self.store_tokens(tokens, email=email)
