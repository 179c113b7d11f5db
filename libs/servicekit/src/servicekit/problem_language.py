"""The language of a problem answer, and the Chinese of what servicekit itself says.

The caller's `Accept-Language` (q-values honoured, by werkzeug) picks English or Chinese
(`zh`, `zh-CN` and other Chinese tags get simplified Chinese). Field names never change;
a validation error's message is said in Chinese from its pydantic error type.

The request being answered is kept in a context variable by the request middleware
(`servicekit.metrics.RequestContextMiddleware`), so that a problem rendered anywhere in
the request (a handler, a middleware, an endpoint) knows its language and request id.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextvars import ContextVar
from typing import Any

from starlette.types import Scope
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

EN = "en"
ZH = "zh-CN"
_OFFERED = ["en", "zh", "zh-CN"]

current_scope: ContextVar[Scope | None] = ContextVar("mediaops_problem_scope", default=None)


def header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return str(value.decode("latin-1"))
    return None


def language_of(scope: Scope | None) -> str:
    """The answer's language for the caller who sent `scope`'s request."""
    accepted = header(scope, b"accept-language") if scope is not None else None
    if not accepted:
        return EN
    best = parse_accept_header(accepted, LanguageAccept).best_match(_OFFERED, default=EN)
    return ZH if best.lower().startswith("zh") else EN


def request_id_of(scope: Scope | None) -> str | None:
    if scope is None:
        return None
    state: Mapping[str, Any] = scope.get("state", {})
    request_id = state.get("request_id")
    return str(request_id) if request_id else None


# Pydantic's error types, said in Chinese; `{name}` takes the error's context value.
_VALIDATION_ZH = {
    "missing": "必填字段",
    "string_too_short": "至少需要 {min_length} 个字符",
    "string_too_long": "最多 {max_length} 个字符",
    "too_short": "至少需要 {min_length} 项",
    "too_long": "最多 {max_length} 项",
    "greater_than": "必须大于 {gt}",
    "greater_than_equal": "必须大于或等于 {ge}",
    "less_than": "必须小于 {lt}",
    "less_than_equal": "必须小于或等于 {le}",
    "multiple_of": "必须是 {multiple_of} 的倍数",
    "int_parsing": "必须是整数",
    "int_type": "必须是整数",
    "int_from_float": "必须是整数",
    "float_parsing": "必须是数字",
    "float_type": "必须是数字",
    "decimal_parsing": "必须是数字",
    "bool_parsing": "必须是布尔值（true 或 false）",
    "bool_type": "必须是布尔值（true 或 false）",
    "string_type": "必须是字符串",
    "list_type": "必须是列表",
    "set_type": "必须是列表",
    "dict_type": "必须是对象",
    "model_type": "必须是对象",
    "model_attributes_type": "必须是对象",
    "json_invalid": "不是有效的 JSON",
    "json_type": "不是有效的 JSON",
    "literal_error": "必须是以下取值之一：{expected}",
    "enum": "必须是以下取值之一：{expected}",
    "extra_forbidden": "不允许出现该字段",
    "string_pattern_mismatch": "格式不符合要求",
    "datetime_parsing": "必须是带时区的日期时间（RFC 3339，例如 2026-01-31T08:00:00Z）",
    "datetime_from_date_parsing": "必须是日期时间（RFC 3339，例如 2026-01-31T08:00:00Z）",
    "datetime_type": "必须是日期时间（RFC 3339，例如 2026-01-31T08:00:00Z）",
    "timezone_aware": "必须带时区",
    "date_parsing": "必须是日期（例如 2026-01-31）",
    "date_from_datetime_parsing": "必须是日期（例如 2026-01-31）",
    "date_type": "必须是日期（例如 2026-01-31）",
    "time_parsing": "必须是时间（例如 08:30）",
    "url_parsing": "必须是有效的网址",
    "url_type": "必须是有效的网址",
    "url_scheme": "网址协议不被接受（应为 {expected_schemes}）",
    "url_too_long": "网址过长（最多 {max_length} 个字符）",
    "uuid_parsing": "必须是 UUID",
    "uuid_type": "必须是 UUID",
    "value_error": "取值无效：{error}",
    "assertion_error": "取值无效：{error}",
    "union_tag_invalid": "类型取值无效：{tag}（应为 {expected_tags}）",
}


def validation_message_zh(error: Mapping[str, Any]) -> str:
    """A pydantic error said in Chinese; one of an unknown type keeps its English."""
    template = _VALIDATION_ZH.get(str(error.get("type", "")))
    context = error.get("ctx") or {}
    if template is not None:
        try:
            return template.format(**{k: str(v) for k, v in context.items()})
        except (KeyError, IndexError, ValueError):
            pass
    return f"取值无效（{error.get('msg', 'invalid')}）"
