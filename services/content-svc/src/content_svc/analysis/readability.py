"""How a post reads on a phone: its paragraphs and headings, and its sentences."""

from __future__ import annotations

import re

from textkit import sentences

from content_svc.analysis.findings import Finding, Report
from content_svc.kit.rendering import plain_text, render_markdown

LONG_PARAGRAPH = 300  # characters: more than a phone screen
LONG_SENTENCE = 60  # units: one per Chinese character, one per English word
LONG_AVERAGE_SENTENCE = 35
HEADINGS_FROM = 800  # characters of body after which subheadings help

_HEADING = re.compile(r"^\s{0,3}#{1,6}\s")
_HAN = re.compile(r"[\u3400-\u9fff]")
_LATIN_WORD = re.compile(r"[A-Za-z0-9]+")


def prose_paragraphs(markdown: str) -> list[tuple[int, str]]:
    """(offset, text) of each prose paragraph of the Markdown (headings and code excluded)."""
    found: list[tuple[int, str]] = []
    offset = 0
    in_code = False
    for block in re.split(r"(\n\s*\n)", markdown):
        start = offset
        offset += len(block)
        stripped = block.strip()
        if not stripped or re.fullmatch(r"\n\s*\n", block):
            continue
        if stripped.startswith("```"):
            in_code = not in_code if stripped.count("```") % 2 else in_code
            continue
        if in_code or _HEADING.match(stripped) or block.startswith("    "):
            continue
        found.append((start + (len(block) - len(block.lstrip())), stripped))
    return found


def check_structure(
    report: Report, markdown: str, paragraphs: list[tuple[int, str]], body_text: str
) -> None:
    headings = sum(1 for line in markdown.splitlines() if _HEADING.match(line))
    lengths = [len(plain_text(render_markdown(text))) for _, text in paragraphs]
    long_ones = [
        (offset, text, length)
        for (offset, text), length in zip(paragraphs, lengths, strict=True)
        if length > LONG_PARAGRAPH
    ]
    report.structure = {
        "headings": headings,
        "paragraphs": len(paragraphs),
        "longest_paragraph": max(lengths, default=0),
        "average_paragraph": round(sum(lengths) / len(lengths)) if lengths else 0,
        "long_paragraphs": len(long_ones),
    }
    if not body_text.strip():
        report.add(Finding("body_empty", "error", "The body is empty.", field="body_markdown"))
    if headings == 0 and len(body_text) > HEADINGS_FROM:
        report.add(
            Finding(
                "no_headings",
                "warning",
                f"The body has {len(body_text)} characters and no subheadings; add some so "
                "readers can scan it.",
                field="body_markdown",
            )
        )
    for offset, text, length in long_ones:
        report.add(
            Finding(
                "paragraph_too_long",
                "warning",
                f"A paragraph of {length} characters fills more than a phone screen; split "
                f"it (it starts “{text[:20]}…”).",
                field="body_markdown",
                start=offset,
                end=offset + len(text),
            )
        )


def _units(sentence: str) -> int:
    return len(_HAN.findall(sentence)) + len(_LATIN_WORD.findall(_HAN.sub(" ", sentence)))


def check_readability(report: Report, body_text: str) -> None:
    lengths = [_units(s) for s in sentences(body_text)]
    lengths = [n for n in lengths if n]
    average = round(sum(lengths) / len(lengths), 1) if lengths else 0.0
    long_count = sum(1 for n in lengths if n > LONG_SENTENCE)
    report.readability = {
        "sentences": len(lengths),
        "average_sentence_length": average,
        "long_sentences": long_count,
        "unit": "Chinese characters plus English words",
    }
    if average > LONG_AVERAGE_SENTENCE:
        report.add(
            Finding(
                "sentences_long",
                "warning",
                f"Sentences average {average} characters/words; under {LONG_AVERAGE_SENTENCE} "
                "reads easily on a phone.",
                field="body_markdown",
            )
        )
    elif long_count:
        report.add(
            Finding(
                "long_sentences",
                "info",
                f"{long_count} sentence(s) run over {LONG_SENTENCE} characters/words.",
                field="body_markdown",
            )
        )
