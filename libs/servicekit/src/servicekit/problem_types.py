"""The catalogue of problem types every Mediaops answer can carry, in English and Chinese.

A problem's `type` is the relative URI `/problems/<slug>` (RFC 9457 allows a relative
reference; it resolves against the address the caller asked, which for the public API is
the gateway, and the gateway serves a page for each type there). One entry per slug: the
status it comes with, its title and a sentence saying what it means and what to do, in
both languages. `title` in an answer is the catalogue's, in the caller's language.
"""

from __future__ import annotations

from dataclasses import dataclass

PROBLEM_BASE = "/problems/"


@dataclass(frozen=True)
class ProblemType:
    slug: str
    status: int
    title: str
    title_zh: str
    summary: str
    summary_zh: str

    @property
    def uri(self) -> str:
        return PROBLEM_BASE + self.slug


def _types(*entries: ProblemType) -> dict[str, ProblemType]:
    return {entry.slug: entry for entry in entries}


CATALOGUE = _types(
    ProblemType(
        "bad-request",
        400,
        "Bad request",
        "请求有误",
        "The request could not be read as sent (a header or the body is malformed); "
        "correct it and send it again.",
        "请求无法按发送的样子解析（某个请求头或请求体格式不对）；请改正后重新发送。",
    ),
    ProblemType(
        "unauthorized",
        401,
        "Authentication required",
        "需要登录",
        "No valid credential came with the request: sign in again (or refresh the access "
        "token), or send a valid API key.",
        "请求没有携带有效的凭证：请重新登录（或刷新访问令牌），或使用有效的 API 密钥。",
    ),
    ProblemType(
        "forbidden",
        403,
        "Not allowed",
        "没有权限",
        "The caller is known but may not do this: it needs another role, or an API key "
        "with another scope.",
        "已识别调用者，但无权执行此操作：需要其他角色，或具有相应权限范围的 API 密钥。",
    ),
    ProblemType(
        "not-found",
        404,
        "Not found",
        "未找到",
        "Nothing with this id exists in the caller's workspace (another workspace's ids "
        "answer the same), or the address is wrong.",
        "调用者的工作区中不存在该 ID 对应的资源（其他工作区的 ID 也同样如此回答），或地址有误。",
    ),
    ProblemType(
        "method-not-allowed",
        405,
        "Method not allowed",
        "不支持该方法",
        "The address exists but does not take this HTTP method.",
        "该地址存在，但不支持此 HTTP 方法。",
    ),
    ProblemType(
        "not-acceptable",
        406,
        "Not acceptable",
        "无法提供可接受的格式",
        "The answer cannot be given in a format the Accept header allows.",
        "无法以 Accept 请求头允许的格式给出响应。",
    ),
    ProblemType(
        "conflict",
        409,
        "Conflict",
        "冲突",
        "The request conflicts with the current state of what it changes (already done, "
        "changed by someone else, or not in a state that allows it); read it again, then "
        "decide.",
        "请求与目标资源的当前状态冲突（已经完成、已被他人修改，或当前状态不允许）；请重新读取后再决定。",
    ),
    ProblemType(
        "gone",
        410,
        "Gone",
        "已不存在",
        "What the address named existed but was removed for good.",
        "该地址指向的资源曾经存在，但已被永久删除。",
    ),
    ProblemType(
        "too-large",
        413,
        "Too large",
        "内容过大",
        "What was sent, or what it would make, is larger than allowed (a request body, a "
        "file, an event); send less.",
        "发送的内容（或由此产生的内容，如请求体、文件、事件）超过了允许的大小；请减少后重试。",
    ),
    ProblemType(
        "unsupported-media-type",
        415,
        "Unsupported media type",
        "不支持的媒体类型",
        "The body's type (its Content-Type, or what a file really is) is not one this "
        "address takes.",
        "请求体的类型（Content-Type，或文件的实际类型）不是该地址接受的类型。",
    ),
    ProblemType(
        "invalid",
        422,
        "Invalid input",
        "输入无效",
        "The request was read but some values are wrong; `errors` names each field and "
        "why. Nothing was stored.",
        "请求已读取，但部分取值有误；`errors` 列出了每个字段及原因。没有保存任何内容。",
    ),
    ProblemType(
        "idempotency-key-reused",
        422,
        "Idempotency-Key already used",
        "幂等键已被使用",
        "This Idempotency-Key was first used with another request (another body, path or "
        "query); use a new key for a new request.",
        "该 Idempotency-Key 之前用于另一个请求（请求体、路径或查询参数不同）；"
        "新的请求请使用新的键。",
    ),
    ProblemType(
        "idempotency-key-in-use",
        409,
        "Idempotency-Key in use",
        "幂等键正在使用中",
        "A request with this Idempotency-Key is still being processed; send it again "
        "after Retry-After to get its answer.",
        "使用该 Idempotency-Key 的请求仍在处理中；"
        "请在 Retry-After 指定的时间后重新发送以获取其响应。",
    ),
    ProblemType(
        "rate-limited",
        429,
        "Too many requests",
        "请求过于频繁",
        "The caller sent more requests than its limit allows; wait the Retry-After "
        "seconds and send again.",
        "调用者发送的请求超过了限额；请等待 Retry-After 指定的秒数后再发送。",
    ),
    ProblemType(
        "http-error",
        400,
        "HTTP error",
        "HTTP 错误",
        "The request was refused at the HTTP level; the status says why.",
        "请求在 HTTP 层被拒绝；状态码说明了原因。",
    ),
    ProblemType(
        "internal",
        500,
        "Internal error",
        "内部错误",
        "Something failed that should not have: a bug. It was logged with the request "
        "id (`instance`); quote it when you report it.",
        "发生了不应发生的错误（程序缺陷）。"
        "已连同请求 ID（`instance`）记录在日志中；报告问题时请提供该 ID。",
    ),
    ProblemType(
        "bad-gateway",
        502,
        "Bad gateway",
        "网关错误",
        "The service behind the gateway broke off the exchange; send the request again shortly.",
        "网关后面的服务中断了通信；请稍后重新发送请求。",
    ),
    ProblemType(
        "service-unavailable",
        503,
        "Service unavailable",
        "服务暂不可用",
        "A service (or its database) is away for a moment; nothing was stored. Send the "
        "request again after Retry-After.",
        "某个服务（或其数据库）暂时不可用，没有保存任何内容。"
        "请在 Retry-After 指定的时间后重新发送。",
    ),
    ProblemType(
        "gateway-timeout",
        504,
        "Upstream timed out",
        "上游服务超时",
        "The service behind the gateway did not answer in time; it may still finish. "
        "Retry with the same Idempotency-Key to get its answer instead of doing it twice.",
        "网关后面的服务未能及时响应，它可能仍会完成处理。"
        "请使用相同的 Idempotency-Key 重试，以获取其结果而不会重复执行。",
    ),
    ProblemType(
        "member-merged",
        308,
        "Member merged",
        "成员已合并",
        "This member was merged into another; the Location header names the member it became.",
        "该成员已合并到另一个成员；Location 响应头给出了合并后的成员。",
    ),
)

# What a bare HTTP status (a framework's refusal: unknown route, wrong method) is called.
STATUS_SLUGS = {
    400: "bad-request",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    406: "not-acceptable",
    409: "conflict",
    410: "gone",
    413: "too-large",
    415: "unsupported-media-type",
    422: "invalid",
    429: "rate-limited",
    500: "internal",
    502: "bad-gateway",
    503: "service-unavailable",
    504: "gateway-timeout",
}


def for_status(status: int) -> ProblemType:
    return CATALOGUE[STATUS_SLUGS.get(status, "internal" if status >= 500 else "http-error")]


def for_uri(uri: str) -> ProblemType | None:
    return CATALOGUE.get(uri.removeprefix(PROBLEM_BASE))
