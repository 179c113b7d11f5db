"""The declarative base every channel-svc table is declared on."""

from __future__ import annotations

from servicekit.db import new_metadata
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    metadata = new_metadata()
