"""Keywords, questions and the word scanner on real operations copy."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from textkit import STARTER_WORDS, ScanWord, WordScanner, is_question, keywords, sentences, tokens


def test_tokens_split_chinese_and_english_and_drop_stopwords() -> None:
    found = tokens("今天我们发布了新品咖啡！How to brew the perfect coffee at home")
    assert "新品" in found
    assert "咖啡" in found
    assert {"brew", "perfect", "coffee", "home"} <= set(found)
    assert "我们" not in found
    assert "the" not in found


def test_keywords_rank_what_the_text_is_about() -> None:
    text = "云南咖啡豆的烘焙方法。咖啡豆烘焙的火候决定风味，云南咖啡豆适合中度烘焙。"
    top = [word for word, _ in keywords(text, top=3)]
    assert "咖啡豆" in top
    assert "烘焙" in top
    weights = [weight for _, weight in keywords(text)]
    assert weights[0] == 1.0
    assert weights == sorted(weights, reverse=True)


def test_keywords_of_english_text() -> None:
    top = keywords("Pricing question: is the pricing for the annual plan cheaper? Annual pricing.")
    assert top[0][0] == "pricing"


@pytest.mark.parametrize(
    "text",
    [
        "这个多少钱？",
        "怎么退款",
        "包邮吗",
        "你们几点开门呢",
        "How do I cancel my order",
        "is this available in blue",
        "price?",
        "为什么还没发货",
    ],
)
def test_questions_are_recognised(text: str) -> None:
    assert is_question(text)


@pytest.mark.parametrize("text", ["太好喝了！", "Love it.", "已下单", "", None, "谢谢分享"])
def test_statements_are_not_questions(text: str | None) -> None:
    assert not is_question(text)


def test_sentences_split_chinese_and_english() -> None:
    assert sentences("第一句。第二句！Third one. Fourth?") == [
        "第一句。",
        "第二句！",
        "Third one.",
        "Fourth?",
    ]


def test_scanner_reports_every_listed_word_with_its_position() -> None:
    scanner = WordScanner(STARTER_WORDS)
    text = "这是全网最低价的第一品牌咖啡，最近很火"
    found = {(m.word, m.start, m.end) for m in scanner.scan(text)}
    assert ("全网最低", 2, 6) in found
    assert ("第一品牌", 8, 12) in found
    # "最低" sits inside "全网最低" (same category) and is not reported twice;
    # "最近" (recently) is an ordinary word, not a superlative.
    assert not any(word == "最低" for word, _, _ in found)
    assert not any(text[s:e] == "最近" for _, s, e in found)


def test_scanner_is_case_insensitive_for_latin_and_keeps_categories() -> None:
    scanner = WordScanner([ScanWord("Best Ever", "advertising_law"), ScanWord("cure", "medical")])
    matches = scanner.scan("The BEST EVER coffee will cure you")
    assert [(m.word, m.category, m.start) for m in matches] == [
        ("Best Ever", "advertising_law", 4),
        ("cure", "medical", 26),
    ]


words = st.lists(st.text(alphabet="最佳第一ab", min_size=1, max_size=4), min_size=1, max_size=6)


@given(words=words, text=st.text(alphabet="最佳第一abc 。", max_size=60))
def test_every_match_is_a_listed_word_at_its_position(words: list[str], text: str) -> None:
    scanner = WordScanner([ScanWord(w, "custom") for w in words])
    listed = {w.strip().lower() for w in words if w.strip()}
    matches = scanner.scan(text)
    for match in matches:
        assert text[match.start : match.end].lower() == match.word.lower()
        assert match.word.lower() in listed
    # Nothing listed is missed: every occurrence is covered by some match.
    for word in listed:
        start = text.lower().find(word)
        if start >= 0:
            assert any(m.start <= start and start + len(word) <= m.end for m in matches)
