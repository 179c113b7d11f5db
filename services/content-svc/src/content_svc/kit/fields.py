"""Fields carried by name from one object to another that shares their names."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any


def carried(source: object, names: Iterable[str]) -> dict[str, Any]:
    """The attributes `names` of `source`, as keyword arguments for a model with the same
    field names (lists and dicts copied, never shared with `source`)."""
    return {name: copy.copy(getattr(source, name)) for name in names}
