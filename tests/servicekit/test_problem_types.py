"""The catalogue of problem types: every type any app can answer is in it, in English and
Chinese; the caller's Accept-Language picks the language, q-values honoured."""

from __future__ import annotations

import importlib
import re

import pytest
from servicekit.problem_language import EN, ZH, language_of, validation_message_zh
from servicekit.problem_types import CATALOGUE, PROBLEM_BASE, STATUS_SLUGS
from servicekit.problems import ProblemError

CHINESE = re.compile(r"[\u4e00-\u9fff]")
APPS = ("content_svc.app", "channel_svc.app", "user_svc.app", "metrics_svc.app", "gateway.app")


def subclasses(kind: type[ProblemError]) -> list[type[ProblemError]]:
    found: list[type[ProblemError]] = []
    for sub in kind.__subclasses__():
        found += [sub, *subclasses(sub)]
    return found


def test_every_type_speaks_english_and_chinese_and_names_its_page() -> None:
    for slug, kind in CATALOGUE.items():
        assert kind.slug == slug
        assert kind.uri == f"{PROBLEM_BASE}{slug}"
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*", slug), slug
        assert kind.title
        assert kind.summary
        assert not CHINESE.search(kind.title + kind.summary)
        assert CHINESE.search(kind.title_zh), slug
        assert CHINESE.search(kind.summary_zh), slug
    assert set(STATUS_SLUGS.values()) <= set(CATALOGUE)


def test_every_problem_an_app_can_raise_is_in_the_catalogue() -> None:
    for module in APPS:
        importlib.import_module(module)
    raised: list[type[ProblemError]] = [ProblemError, *subclasses(ProblemError)]
    assert len(raised) > 12  # the apps' own kinds were found, not only servicekit's
    for kind in raised:
        entry = CATALOGUE.get(kind.slug)
        assert entry is not None, f"{kind.__qualname__}: {kind.slug} is not in the catalogue"
        assert entry.status == kind.status, kind.slug
        assert entry.title == kind.title, kind.slug


@pytest.mark.parametrize(
    ("accepted", "language"),
    [
        ("zh-CN", ZH),
        ("zh", ZH),
        ("zh-cn,zh;q=0.9,en;q=0.8", ZH),
        ("zh;q=0.9, en;q=0.8", ZH),
        ("en;q=0.9, zh-CN;q=0.95", ZH),
        ("en, zh;q=0.5", EN),
        ("zh;q=0, en", EN),
        ("fr", EN),
        ("", EN),
        (None, EN),
    ],
)
def test_accept_language_with_q_values_picks_the_language(
    accepted: str | None, language: str
) -> None:
    headers = [] if accepted is None else [(b"accept-language", accepted.encode())]
    assert language_of({"type": "http", "headers": headers}) == language


def test_validation_messages_in_chinese_keep_the_numbers() -> None:
    too_long = {"type": "string_too_long", "msg": "...", "ctx": {"max_length": 200}}
    assert validation_message_zh(too_long) == "最多 200 个字符"
    assert validation_message_zh({"type": "missing", "msg": "Field required"}) == "必填字段"
    unknown = validation_message_zh({"type": "something_new", "msg": "Odd"})
    assert CHINESE.search(unknown)
    assert "Odd" in unknown
