"""A gateway list endpoint's `cursor` and `limit` query parameters as one dependency.

servicekit's `Paging` declares `limit` first; the gateway's lists have always been
documented `cursor` first, so theirs keeps that order. The parameters are servicekit's
`Cursor` and `Limit`, and the page asked for its `PageRequest`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from servicekit.pagination import Cursor, Limit, PageRequest


async def _page_request(cursor: Cursor = None, limit: Limit = 50) -> PageRequest:
    return PageRequest(cursor=cursor, limit=limit)


Paging = Annotated[PageRequest, Depends(_page_request)]
