"""What search and feeds show of a post: its title against each platform's limit, its target
keywords where readers and search look for them, and its summary."""

from __future__ import annotations

from collections.abc import Sequence

from textkit import tokens

from content_svc.analysis.findings import Draft, Finding, Report
from content_svc.analysis.platforms import title_limit

DENSITY_BAND = (0.5, 3.0)  # percent of the body's tokens
SUMMARY_RANGE = (20, 120)  # characters; WeChat cuts digests at 128


def check_title(report: Report, title: str, platforms: Sequence[str]) -> None:
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


def check_keywords(
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


def check_summary(report: Report, summary: str | None) -> None:
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
