"""Markdown becomes HTML a platform or a browser can show without running anything."""

from __future__ import annotations

import pytest
from content_svc.kit.rendering import render_markdown


def test_scripts_and_event_handlers_vanish() -> None:
    html = render_markdown(
        "Hello\n\n<script>alert('x')</script>\n\n<img src=\"https://cdn.example.com/a.png\" "
        'onerror="alert(1)">\n\n<a href="https://example.com" onclick="steal()">site</a>'
    )
    assert "<script" not in html
    assert "alert" not in html
    assert "onerror" not in html
    assert "onclick" not in html
    assert '<img src="https://cdn.example.com/a.png">' in html


@pytest.mark.parametrize(
    "markdown",
    [
        "[click](javascript:alert(1))",
        '<a href="javascript:alert(1)">click</a>',
        '<a href="JaVaScRiPt:alert(1)">click</a>',
        '<a href="data:text/html,<script>alert(1)</script>">click</a>',
    ],
)
def test_dangerous_urls_are_dropped(markdown: str) -> None:
    html = render_markdown(markdown).lower()
    assert 'href="javascript' not in html
    assert 'href="data' not in html
    assert "<script" not in html
    assert "click" in html


def test_headings_lists_tables_and_links_survive() -> None:
    html = render_markdown(
        "# 标题\n\n## Section\n\n- one\n- two\n\n1. first\n\n"
        "| 平台 | 阅读 |\n|:--|--:|\n| 微博 | 3000 |\n\n"
        "~~old~~ **bold** [官网](https://example.com/path?a=1&b=2)\n\n"
        "```python\nprint('hi')\n```\n"
    )
    assert "<h1>标题</h1>" in html
    assert "<h2>Section</h2>" in html
    assert "<ul>\n<li>one</li>\n<li>two</li>\n</ul>" in html
    assert "<ol>\n<li>first</li>\n</ol>" in html
    assert '<th style="text-align:left">平台</th>' in html
    assert '<td style="text-align:right">3000</td>' in html
    assert "<s>old</s>" in html
    assert "<strong>bold</strong>" in html
    assert (
        '<a href="https://example.com/path?a=1&amp;b=2" rel="noopener noreferrer">官网</a>' in html
    )
    assert '<code class="language-python">' in html


def test_chinese_text_is_intact() -> None:
    text = "春季新品发布会回顾：感谢大家的参与！「限时」优惠，详情见官网。"
    assert render_markdown(text) == f"<p>{text}</p>\n"


def test_only_harmless_styles_and_classes_are_kept() -> None:
    html = render_markdown(
        '<span class="evil" style="position:fixed">x</span>\n\n'
        '<table><tr><td style="text-align:center;background:url(x)">c</td></tr></table>'
    )
    assert "evil" not in html
    assert "position" not in html
    assert "background" not in html
    assert 'style="text-align:center"' in html
