"""The page a list endpoint is asked for: its size and where it goes on (`next_cursor` of the
page before), as one dependency, so that user-svc's lists take them alike."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query


@dataclass
class PageAsked:
    """Declared after an endpoint's filters, so that they stay first in the document."""

    limit: Annotated[int, Query(ge=1, le=200)] = 50
    cursor: Annotated[str | None, Query(max_length=512)] = None


Paging = Annotated[PageAsked, Depends()]
