"""Risky words in a post: the workspace's lists and the starter list, where they stand."""

from __future__ import annotations

from textkit import WordScanner

from content_svc.analysis.findings import Draft, Finding, Report, Severity

_RISK: dict[str, Severity] = {
    "political": "error",
    "vulgar": "error",
    "advertising_law": "error",
    "medical_claim": "error",
    "platform_taboo": "warning",
    "competitor": "warning",
    "custom": "warning",
}


def check_words(report: Report, draft: Draft, scanner: WordScanner) -> None:
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
