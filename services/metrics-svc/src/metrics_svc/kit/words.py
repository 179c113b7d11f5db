"""Numbers as the reports write them in sentences."""

from __future__ import annotations


def fmt_int(value: float) -> str:
    """3000 -> '3,000'."""
    return f"{round(value):,}"


def fmt_ratio(value: float) -> str:
    """0.5 -> '0.5', 1.234 -> '1.23'."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def age_words(hours: int) -> str:
    """An age in hours: '48 h' below three days, '7 d' from then on."""
    return f"{hours} h" if hours < 72 else f"{hours // 24} d"
