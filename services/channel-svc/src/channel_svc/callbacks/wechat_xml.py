"""WeChat's XML both ways: a pushed message read into a dict (defusedxml: the body comes
from the internet), and the passive replies written the way WeChat expects them."""

from __future__ import annotations

from typing import Any

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

XmlValue = str | dict[str, Any] | list[Any]


class BadXml(Exception):
    """The body is not the `<xml>` document WeChat sends."""


def _value(element: Any) -> XmlValue:
    children = list(element)
    if not children:
        return (element.text or "").strip()
    result: dict[str, Any] = {}
    for child in children:
        value = _value(child)
        if child.tag in result:  # a repeated element (article items): a list
            previous = result[child.tag]
            result[child.tag] = (
                [*previous, value] if isinstance(previous, list) else [previous, value]
            )
        else:
            result[child.tag] = value
    return result


def parse(body: bytes) -> dict[str, Any]:
    try:
        root = ElementTree.fromstring(body)
    except (ElementTree.ParseError, DefusedXmlException, ValueError) as exc:
        raise BadXml(f"the body is not XML WeChat sends: {exc}") from exc
    value = _value(root)
    if root.tag != "xml" or not isinstance(value, dict):
        raise BadXml("the body is not an <xml> document with fields")
    return value


def cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def passive_reply(reply: dict[str, Any], *, to_user: str, from_user: str, create_time: int) -> str:
    """The XML of a passive reply: `reply` as an auto-reply stores it (text, image, article)."""
    head = (
        f"<ToUserName>{cdata(to_user)}</ToUserName><FromUserName>{cdata(from_user)}"
        f"</FromUserName><CreateTime>{create_time}</CreateTime>"
    )
    kind = reply["kind"]
    if kind == "text":
        body = f"<MsgType>{cdata('text')}</MsgType><Content>{cdata(reply['text'])}</Content>"
    elif kind == "image":
        body = (
            f"<MsgType>{cdata('image')}</MsgType><Image><MediaId>{cdata(reply['media_id'])}"
            "</MediaId></Image>"
        )
    else:
        items = "".join(
            f"<item><Title>{cdata(a['title'])}</Title><Description>"
            f"{cdata(a.get('description') or '')}</Description><PicUrl>"
            f"{cdata(a.get('picurl') or '')}</PicUrl><Url>{cdata(a['url'])}</Url></item>"
            for a in reply["articles"]
        )
        body = (
            f"<MsgType>{cdata('news')}</MsgType><ArticleCount>{len(reply['articles'])}"
            f"</ArticleCount><Articles>{items}</Articles>"
        )
    return f"<xml>{head}{body}</xml>"


def sealed_reply(encrypted: str, *, signature: str, timestamp: int, nonce: str) -> str:
    """A passive reply in safe mode: the encrypted reply and its signature."""
    return (
        f"<xml><Encrypt>{cdata(encrypted)}</Encrypt><MsgSignature>{cdata(signature)}"
        f"</MsgSignature><TimeStamp>{timestamp}</TimeStamp><Nonce>{cdata(nonce)}</Nonce></xml>"
    )
