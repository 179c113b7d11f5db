"""The SEO and quality report of a post: pure functions over its text.

Each check adds findings with a severity (`error` must be fixed before publishing,
`warning` should be, `info` may be) and a message in the operator's words, with the field
and position where that helps. The score starts at 100 and loses points per finding.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from textkit import WordScanner, sentences, tokens

from content_svc.analysis.platforms import title_limit
from content_svc.rendering import plain_text, render_markdown

Severity = Literal["error", "warning", "info"]
PENALTY: dict[str, int] = {"error": 15, "warning": 5, "info": 1}

DENSITY_BAND = (0.5, 3.0)  # percent of the body's tokens
SUMMARY_RANGE = (20, 120)  # characters; WeChat cuts digests at 128
LONG_PARAGRAPH = 300  # characters: more than a phone screen
LONG_SENTENCE = 60  # units: one per Chinese character, one per English word
LONG_AVERAGE_SENTENCE = 35
HEADINGS_FROM = 800  # characters of body after which subheadings help
DUPLICATE_WARNING = 0.5
DUPLICATE_ERROR = 0.8
SHINGLE = 5

_HEADING = re.compile(r"^\s{0,3}#{1,6}\s")
_HAN = re.compile(r"[\u3400-\u9fff]")
_LATIN_WORD = re.compile(r"[A-Za-z0-9]+")
_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)


@dataclass
class Finding:
    code: str
    severity: Severity
    message: str
    field: str | None = None
    start: int | None = None
    end: int | None = None
    platform: str | None = None


@dataclass
class Report:
    score: int = 100
    findings: list[Finding] = field(default_factory=list)
    title: dict[str, Any] = field(default_factory=dict)
    keywords: list[dict[str, Any]] = field(default_factory=list)
    structure: dict[str, Any] = field(default_factory=dict)
    readability: dict[str, Any] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)
    words: list[dict[str, Any]] = field(default_factory=list)
    near_duplicates: list[dict[str, Any]] = field(default_factory=list)

    def add(self, finding: Finding) -> None:
        self.findings.append(finding)


@dataclass(frozen=True)
class Draft:
    title: str
    summary: str | None
    body_markdown: str
    keywords: Sequence[str]


@dataclass(frozen=True)
class EarlierPost:
    post_id: str
    title: str
    body_markdown: str


def analyse(
    draft: Draft,
    *,
    platforms: Sequence[str],
    scanner: WordScanner,
    earlier: Sequence[EarlierPost] = (),
) -> Report:
    report = Report()
    body_text = plain_text(render_markdown(draft.body_markdown))
    paragraphs = _paragraphs(draft.body_markdown)
    _check_title(report, draft.title, platforms)
    _check_keywords(report, draft, body_text, paragraphs)
    _check_structure(report, draft.body_markdown, paragraphs, body_text)
    _check_readability(report, body_text)
    _check_summary(report, draft.summary)
    _check_words(report, draft, scanner)
    _check_duplicates(report, draft, earlier)
    order = {"error": 0, "warning": 1, "info": 2}
    report.findings.sort(key=lambda f: order[f.severity])
    report.score = max(0, 100 - sum(PENALTY[f.severity] for f in report.findings))
    return report


def _check_title(report: Report, title: str, platforms: Sequence[str]) -> None:
    limits = []
    for platform in platforms:
        known = title_limit(platform)
        if known is None:
            continue
        key, limit = known
        fits = len(title) <= limit
        limits.append({"platform": key, "limit": limit, "fits": fits})
        if not fits:
            report.add(
                Finding(
                    "title_too_long",
                    "error",
                    f"The title has {len(title)} characters; {key} allows {limit}. "
                    f"Everything from character {limit + 1} on is cut.",
                    field="title",
                    start=limit,
                    end=len(title),
                    platform=key,
                )
            )
    report.title = {"length": len(title), "limits": limits}
    if len(title) < 5:
        report.add(
            Finding("title_too_short", "info", "A title under 5 characters says little.", "title")
        )


def _paragraphs(markdown: str) -> list[tuple[int, str]]:
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


def _check_keywords(
    report: Report, draft: Draft, body_text: str, paragraphs: list[tuple[int, str]]
) -> None:
    total = max(len(tokens(body_text)), 1)
    lowered_body = body_text.lower()
    first = paragraphs[0][1].lower() if paragraphs else ""
    low, high = DENSITY_BAND
    for keyword in draft.keywords:
        needle = keyword.lower()
        count = lowered_body.count(needle)
        density = round(100 * count / total, 2)
        entry = {
            "keyword": keyword,
            "in_title": needle in draft.title.lower(),
            "in_summary": needle in (draft.summary or "").lower(),
            "in_first_paragraph": needle in first,
            "count": count,
            "density": density,
            "band": "low" if density < low else "high" if density > high else "healthy",
        }
        report.keywords.append(entry)
        if not entry["in_title"]:
            report.add(
                Finding(
                    "keyword_not_in_title",
                    "warning",
                    f"The target keyword “{keyword}” is not in the title; search matches "
                    "titles first.",
                    field="title",
                )
            )
        if not entry["in_summary"]:
            report.add(
                Finding(
                    "keyword_not_in_summary",
                    "info",
                    f"The target keyword “{keyword}” is not in the summary.",
                    field="summary",
                )
            )
        if not entry["in_first_paragraph"]:
            report.add(
                Finding(
                    "keyword_not_in_first_paragraph",
                    "warning",
                    f"The target keyword “{keyword}” is not in the first paragraph.",
                    field="body_markdown",
                )
            )
        if density < low:
            report.add(
                Finding(
                    "keyword_density_low",
                    "warning",
                    f"“{keyword}” appears {count} times ({density}% of the words); "
                    f"aim for {low}%–{high}%.",
                    field="body_markdown",
                )
            )
        elif density > high:
            report.add(
                Finding(
                    "keyword_density_high",
                    "warning",
                    f"“{keyword}” appears {count} times ({density}% of the words); above "
                    f"{high}% reads as keyword stuffing and platforms may throttle it.",
                    field="body_markdown",
                )
            )
    report.summary["keyword_tokens"] = total


def _check_structure(
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


def _check_readability(report: Report, body_text: str) -> None:
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


def _check_summary(report: Report, summary: str | None) -> None:
    length = len(summary or "")
    low, high = SUMMARY_RANGE
    report.summary.update({"length": length, "recommended": [low, high]})
    if not summary:
        report.add(
            Finding(
                "summary_missing",
                "warning",
                "There is no summary; platforms then show the first lines of the body.",
                field="summary",
            )
        )
    elif length > high:
        report.add(
            Finding(
                "summary_too_long",
                "warning",
                f"The summary has {length} characters; WeChat shows at most 128 and "
                f"{high} or fewer read best.",
                field="summary",
                start=high,
                end=length,
            )
        )
    elif length < low:
        report.add(
            Finding(
                "summary_too_short",
                "info",
                f"The summary has {length} characters; {low}–{high} tell readers more.",
                field="summary",
            )
        )


_RISK: dict[str, Severity] = {
    "political": "error",
    "vulgar": "error",
    "advertising_law": "error",
    "medical_claim": "error",
    "platform_taboo": "warning",
    "competitor": "warning",
    "custom": "warning",
}


def _check_words(report: Report, draft: Draft, scanner: WordScanner) -> None:
    fields = (
        ("title", draft.title),
        ("summary", draft.summary or ""),
        ("body_markdown", draft.body_markdown),
    )
    for name, text in fields:
        for match in scanner.scan(text):
            line = text.count("\n", 0, match.start) + 1
            column = match.start - (text.rfind("\n", 0, match.start) + 1) + 1
            context = text[max(0, match.start - 10) : match.end + 10].replace("\n", " ")
            report.words.append(
                {
                    "word": text[match.start : match.end],
                    "category": match.category,
                    "field": name,
                    "start": match.start,
                    "end": match.end,
                    "line": line,
                    "column": column,
                    "context": context,
                }
            )
            word = text[match.start : match.end]
            category = match.category.replace("_", " ")
            report.add(
                Finding(
                    f"word_{match.category}",
                    _RISK.get(match.category, "warning"),
                    f"“{word}” ({category}) in the "
                    f"{name.replace('_markdown', '')} at line {line}, column {column}: "
                    "platforms remove or throttle posts for it.",
                    field=name,
                    start=match.start,
                    end=match.end,
                )
            )


def shingles(text: str) -> set[int]:
    normal = _NOT_WORD.sub("", text.lower())
    if len(normal) < SHINGLE:
        return {_hash(normal)} if normal else set()
    return {_hash(normal[i : i + SHINGLE]) for i in range(len(normal) - SHINGLE + 1)}


def _hash(piece: str) -> int:
    return int.from_bytes(hashlib.blake2b(piece.encode(), digest_size=8).digest(), "big")


def _check_duplicates(report: Report, draft: Draft, earlier: Sequence[EarlierPost]) -> None:
    mine = shingles(f"{draft.title}\n{draft.body_markdown}")
    if not mine:
        return
    found = []
    for other in earlier:
        theirs = shingles(f"{other.title}\n{other.body_markdown}")
        if not theirs:
            continue
        similarity = len(mine & theirs) / len(mine | theirs)
        if similarity >= DUPLICATE_WARNING:
            found.append((similarity, other))
    found.sort(key=lambda item: -item[0])
    for similarity, other in found[:5]:
        percent = round(similarity * 100)
        report.near_duplicates.append(
            {"post_id": other.post_id, "title": other.title, "similarity": round(similarity, 3)}
        )
        report.add(
            Finding(
                "near_duplicate",
                "error" if similarity >= DUPLICATE_ERROR else "warning",
                f"{percent}% of this post repeats “{other.title}”; platforms demote "
                "repeated content.",
            )
        )
