"""The SEO and quality report of a post: pure functions over its text.

The checks live by concern: the title, keywords and summary that search and feeds show
(`seo`), the body's structure and sentences (`readability`), risky words (`words`) and
repeats of earlier posts (`duplicates`); the findings and the score are in `findings`.
"""

from __future__ import annotations

from collections.abc import Sequence

from textkit import WordScanner

from content_svc.analysis.duplicates import check_duplicates
from content_svc.analysis.findings import PENALTY, Draft, EarlierPost, Report
from content_svc.analysis.media import check_media
from content_svc.analysis.readability import check_readability, check_structure, prose_paragraphs
from content_svc.analysis.seo import check_keywords, check_summary, check_title
from content_svc.analysis.words import check_words
from content_svc.kit.rendering import plain_text, render_markdown


def analyse(
    draft: Draft,
    *,
    platforms: Sequence[str],
    scanner: WordScanner,
    earlier: Sequence[EarlierPost] = (),
    media_platforms: Sequence[str] | None = None,
) -> Report:
    """`media_platforms`: whose media rules to check (all of `platforms` by default)."""
    report = Report()
    body_text = plain_text(render_markdown(draft.body_markdown))
    prose = prose_paragraphs(draft.body_markdown)
    check_title(report, draft.title, platforms)
    check_keywords(report, draft, body_text, prose)
    check_structure(report, draft.body_markdown, prose, body_text)
    check_readability(report, body_text)
    check_summary(report, draft.summary)
    check_words(report, draft, scanner)
    check_duplicates(report, draft, earlier)
    check_media(report, draft, platforms if media_platforms is None else media_platforms)
    order = {"error": 0, "warning": 1, "info": 2}
    report.findings.sort(key=lambda f: order[f.severity])
    report.score = max(0, 100 - sum(PENALTY[f.severity] for f in report.findings))
    return report
