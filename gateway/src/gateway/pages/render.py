"""The pages that mailed links open: what each says and asks, as self-contained HTML.

Chinese then English, like the mails. Every page carries the same inline style and script
(`page.css`, `page.js`); their SHA-256 hashes make the Content-Security-Policy, so that
nothing else can run or style a page, and nothing is fetched from anywhere. A page only
asks: the script posts the form to the JSON API. Opening a link changes nothing, because
mail scanners and link previews open links too.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from string import Template

from gateway.identity.passwords import MIN_PASSWORD_LENGTH

_STYLE = resources.files(__package__).joinpath("page.css").read_text(encoding="utf-8")
_SCRIPT = resources.files(__package__).joinpath("page.js").read_text(encoding="utf-8")
# The tokens mailed are `<prefix>_` and URL-safe base64, well under the API's 200-character
# cap: anything else was cut or mangled on its way (a mail client's line break, say).
_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,200}")

_PAGE = Template("""<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>$title</title>
<style>$style</style>
</head>
<body>
<h1>$heading_zh<span lang="en">$heading_en</span></h1>
$body
<div id="status" role="status" aria-live="polite"></div>
<script>$script</script>
</body>
</html>
""")

_PASSWORD_RULES = (
    f"密码至少 {MIN_PASSWORD_LENGTH} 个字符，"
    "并且包含至少两类字符（小写字母、大写字母、数字、符号）。",
    f"At least {MIN_PASSWORD_LENGTH} characters, mixing at least two kinds "
    "(lower case, upper case, digits, symbols).",
)
_SIGN_IN = (
    "请在你的团队使用 Mediaops 的地方登录（或在命令行运行 mediaops login）。",
    "Sign in where your team uses Mediaops (or run mediaops login).",
)


def _csp_hash(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode()).digest()).decode() + "'"


# `'self'` for the API calls: the pages and the API are served from the same origin.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        f"script-src {_csp_hash(_SCRIPT)}",
        f"style-src {_csp_hash(_STYLE)}",
        "connect-src 'self'",
        "form-action 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ]
)


@dataclass(frozen=True)
class Field:
    kind: str  # "email", "password", "text"
    label: tuple[str, str]  # Chinese, English
    name: str | None  # the JSON field it is sent as; None: checked in the page only
    autocomplete: str
    required: bool = True
    same_as: str | None = None  # must equal the field of this name (a password typed twice)


@dataclass(frozen=True)
class Form:
    """One page: its words, what it asks, where it posts, and what it says when done."""

    heading: tuple[str, str]
    intro: tuple[str, str]
    # Relative to the page (all are two segments deep, `/signup/confirm`): right whether
    # or not the public URL has a path in front of them.
    endpoint: str
    fields: tuple[Field, ...]
    submit: tuple[str, str]
    # `{workspace.name}`: that field of the API's JSON answer, filled in by the script.
    done: tuple[str, str]
    needs_token: bool = True
    without_script: tuple[str, str] = (
        "这个页面需要 JavaScript。",
        "This page needs JavaScript.",
    )


_NEW_PASSWORD = Field("password", ("新密码", "New password"), "password", "new-password")
_AGAIN = Field(
    "password",
    ("再输入一次", "The new password again"),
    None,
    "new-password",
    same_as="password",
)

CONFIRM_SIGNUP = Form(
    heading=("确认注册", "Confirm your sign-up"),
    intro=(
        "点击下面的按钮，创建你的工作区和账号。",
        "Press the button below to create your workspace and your account.",
    ),
    endpoint="../api/v1/auth/signup/confirm",
    fields=(),
    submit=("确认注册", "Confirm sign-up"),
    done=(
        "工作区「{workspace.name}」已创建，{operator.email} 是它的所有者。" + _SIGN_IN[0],
        "The workspace “{workspace.name}” is created, with {operator.email} as its owner. "
        + _SIGN_IN[1],
    ),
    without_script=(
        "这个页面需要 JavaScript；也可以在命令行运行 mediaops confirm-signup，加上邮件中的令牌。",
        "This page needs JavaScript; or run mediaops confirm-signup with the token from the mail.",
    ),
)

RESET_PASSWORD = Form(
    heading=("设置新密码", "Choose a new password"),
    intro=(
        _PASSWORD_RULES[0] + "设置之后，所有已登录的设备都需要重新登录。",
        _PASSWORD_RULES[1] + " Once it is set, every device signed in must sign in again.",
    ),
    endpoint="../api/v1/auth/password/reset",
    fields=(_NEW_PASSWORD, _AGAIN),
    submit=("设置新密码", "Set the new password"),
    done=(
        "密码已更改，所有设备都已退出登录。" + _SIGN_IN[0],
        "Your password is changed, and every device was signed out. " + _SIGN_IN[1],
    ),
    without_script=(
        "这个页面需要 JavaScript；也可以在命令行运行 mediaops reset-password，加上邮件中的令牌。",
        "This page needs JavaScript; or run mediaops reset-password with the token from the mail.",
    ),
)

FORGOT_PASSWORD = Form(
    heading=("忘记密码", "Forgotten password"),
    intro=(
        "输入你的账号的邮箱地址，我们会给它发送一个设置新密码的链接。",
        "Enter your account's address, and we will mail it a link to choose a new password.",
    ),
    endpoint="../api/v1/auth/password/forgot",
    fields=(Field("email", ("邮箱地址", "Email address"), "email", "email"),),
    submit=("发送链接", "Send the link"),
    done=(
        "如果这个地址有账号，设置新密码的链接已经发出，请查收邮件。",
        "If this address has an account, a link to choose a new password is on its way: "
        "check your mail.",
    ),
    needs_token=False,
    without_script=(
        "这个页面需要 JavaScript；也可以在命令行运行 mediaops forgot-password。",
        "This page needs JavaScript; or run mediaops forgot-password.",
    ),
)

ACCEPT_INVITATION = Form(
    heading=("接受邀请", "Accept your invitation"),
    intro=(
        "设置密码即可加入工作区。" + _PASSWORD_RULES[0],
        "Choose a password to join the workspace. " + _PASSWORD_RULES[1],
    ),
    endpoint="../api/v1/auth/invitations/accept",
    fields=(
        Field(
            "text",
            ("你的名字（可不填）", "Your name (optional)"),
            "display_name",
            "name",
            required=False,
        ),
        _NEW_PASSWORD,
        _AGAIN,
    ),
    submit=("加入工作区", "Join the workspace"),
    done=(
        "你已加入工作区「{workspace.name}」（角色：{operator.role}）。"
        "请用 {operator.email} 和刚设置的密码登录：在你的团队使用 Mediaops 的地方"
        "（或在命令行运行 mediaops login）。",
        "You joined the workspace “{workspace.name}” as {operator.role}. Sign in with "
        "{operator.email} and the password you just chose, where your team uses Mediaops "
        "(or run mediaops login).",
    ),
)

_BAD_LINK = (
    ("链接不完整", "This link is incomplete"),
    (
        "这个链接缺少令牌，或者令牌在传递中被截断了。请从邮件中重新打开完整的链接，"
        "或者把整个链接复制到浏览器的地址栏。",
        "The token of this link is missing or was cut on its way. Open the link from the "
        "mail again, or copy the whole link into the address bar.",
    ),
)


def page(form: Form, *, token: str | None) -> tuple[int, str]:
    """The page's status and HTML; a form that needs a token and has none usable is a 400
    page that says so."""
    if form.needs_token and (token is None or not _TOKEN.fullmatch(token)):
        heading, words = _BAD_LINK
        return 400, _render(heading, _paragraphs(words))
    body = _paragraphs(form.intro) + _form(form, token if form.needs_token else None)
    return 200, _render(form.heading, body)


def document(heading: tuple[str, str], body: str) -> str:
    """A page of the house style around `body` (HTML the caller escaped)."""
    return _render(heading, body)


def _render(heading: tuple[str, str], body: str) -> str:
    return _PAGE.substitute(
        title=_text(f"{heading[0]} · {heading[1]} · Mediaops"),
        heading_zh=_text(heading[0]),
        heading_en=_text(heading[1]),
        style=_STYLE,
        script=_SCRIPT,
        body=body,
    )


def _form(form: Form, token: str | None) -> str:
    attributes = {
        "data-endpoint": form.endpoint,
        "data-done-zh": form.done[0],
        "data-done-en": form.done[1],
        "data-mismatch-zh": "两次输入的密码不一致。",
        "data-mismatch-en": "The two passwords are not the same.",
    }
    parts = [f'<form method="post"{_attributes(attributes)}>']
    if token is not None:
        # Escaped, and shape-checked before: the query string never becomes markup.
        parts.append(f'<input type="hidden" name="token" value="{_text(token)}">')
    for number, field in enumerate(form.fields, start=1):
        ident = f"field-{number}"
        parts.append(
            f'<label for="{ident}">{_text(field.label[0])} '
            f'<span class="en" lang="en">{_text(field.label[1])}</span></label>'
        )
        input_attributes = {
            "id": ident,
            "type": field.kind,
            "autocomplete": field.autocomplete,
            "name": field.name,
            "data-same-as": field.same_as,
            "minlength": str(MIN_PASSWORD_LENGTH) if field.kind == "password" else None,
        }
        required = " required" if field.required else ""
        parts.append(f"<input{_attributes(input_attributes)}{required}>")
    parts.append(
        f'<button type="submit">{_text(form.submit[0])} '
        f'<span lang="en">{_text(form.submit[1])}</span></button>'
    )
    parts.append("</form>")
    parts.append(f"<noscript>{_paragraphs(form.without_script)}</noscript>")
    return "\n".join(parts)


def paragraphs(words: tuple[str, str]) -> str:
    """The Chinese, then the English, each escaped."""
    return _paragraphs(words)


def _paragraphs(words: tuple[str, str]) -> str:
    return f'<p>{_text(words[0])}</p>\n<p class="en" lang="en">{_text(words[1])}</p>\n'


def _attributes(values: Mapping[str, str | None]) -> str:
    return "".join(f' {name}="{_text(value)}"' for name, value in values.items() if value)


def _text(value: str) -> str:
    return html.escape(value, quote=True)
