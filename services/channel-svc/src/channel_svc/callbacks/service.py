"""WeChat's message callback: the account's server configuration, the URL check, and each
pushed message verified, kept once and answered.

A push is accepted when its signature matches the channel's token (safe mode: also
`msg_signature` over the ciphertext, which must open with the channel's key and appid), its
timestamp is within `callback_max_skew_seconds` of our clock, and that signed request was
not seen before (a replay is refused: 403). The message is then kept once by WeChat's
own rule (`MsgId`; events: sender and `CreateTime`): a retry, which WeChat sends when it
got no answer within 5 s, gets the same passive reply and changes nothing. The passive
reply comes from the channel's auto-replies alone, in the mode the message came in.
"""

from __future__ import annotations

import json
import random
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar

from servicekit.db import new_id, utcnow
from servicekit.problems import BadRequest, Forbidden, Invalid, NotFound
from sqlalchemy.ext.asyncio import AsyncSession

from channel_svc.adapters.base import unlock_channel
from channel_svc.adapters.wechat import WechatAdapter
from channel_svc.autoreplies import repository as autoreplies
from channel_svc.autoreplies.service import Rule, choose
from channel_svc.callbacks import effects, repository
from channel_svc.callbacks.schemas import CallbackSettingsWrite, SignedQuery
from channel_svc.callbacks.wechat_xml import BadXml, parse, passive_reply, sealed_reply
from channel_svc.channels.service import get_channel
from channel_svc.crypto import CredentialCipher, CredentialsUnreadable
from channel_svc.distributions.policies import ConfirmPolicy
from channel_svc.kit.ttl_cache import TtlCache
from channel_svc.kit.wxcrypt import CryptoError, MessageCrypto, signature, signature_matches
from channel_svc.models import CallbackMessage, CallbackMode, CallbackSettings, Channel

SUCCESS = "success"  # WeChat's "no reply"
# One request in this many also deletes the replay records too old to matter.
PURGE_ONE_IN = 200


# -- the settings ---------------------------------------------------------------------------


async def _wechat_channel(session: AsyncSession, workspace_id: str, channel_id: str) -> Channel:
    channel = await get_channel(session, workspace_id=workspace_id, channel_id=channel_id)
    if channel.platform != WechatAdapter.platform:
        raise Invalid(f"Only wechat_oa channels receive WeChat's callback, not {channel.platform}.")
    return channel


def _appid(channel: Channel, cipher: CredentialCipher) -> str:
    try:
        appid = unlock_channel(channel, cipher).credentials().get("appid")
    except CredentialsUnreadable:
        appid = None
    if not appid:
        raise Invalid.field("credentials", "the channel needs its credentials (appid) first")
    return str(appid)


async def configure(
    session: AsyncSession,
    *,
    workspace_id: str,
    channel_id: str,
    data: CallbackSettingsWrite,
    cipher: CredentialCipher,
) -> CallbackSettings:
    """Set the channel's server configuration; its callback URL stays the same."""
    channel = await _wechat_channel(session, workspace_id, channel_id)
    if data.mode == CallbackMode.SAFE and data.encoding_aes_key is None:
        raise Invalid.field("encoding_aes_key", "safe mode needs the EncodingAESKey")
    sealed = cipher.encrypt(
        json.dumps({"token": data.token, "encoding_aes_key": data.encoding_aes_key})
    )
    now = utcnow()
    settings = await repository.settings_of(session, channel.id)
    if settings is None:
        settings = CallbackSettings(
            channel_id=channel.id,
            workspace_id=workspace_id,
            token=secrets.token_urlsafe(24),
            created_at=now,
        )
        session.add(settings)
    settings.mode = data.mode
    settings.original_id = data.original_id
    settings.appid = _appid(channel, cipher)
    settings.secret_encrypted = sealed
    settings.updated_at = now
    await session.flush()
    return settings


async def get_settings(
    session: AsyncSession, *, workspace_id: str, channel_id: str
) -> CallbackSettings:
    channel = await _wechat_channel(session, workspace_id, channel_id)
    settings = await repository.settings_of(session, channel.id)
    if settings is None:
        raise NotFound(f"Channel {channel_id} has no callback configured yet (PUT it).")
    return settings


@dataclass(frozen=True)
class Secrets:
    token: str
    encoding_aes_key: str | None


def unsealed(settings: CallbackSettings, cipher: CredentialCipher) -> Secrets:
    values = json.loads(cipher.decrypt(settings.secret_encrypted))
    return Secrets(token=values["token"], encoding_aes_key=values.get("encoding_aes_key"))


# -- a push -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    body: str
    media_type: str


@dataclass(frozen=True)
class Addressee:
    """What answering a push to one callback token needs, read once per TTL (a busy
    account's pushes then cost no query for it): the callback's settings, their opened
    secrets, and the channel's enabled auto-replies."""

    channel_id: str
    workspace_id: str
    mode: str
    original_id: str
    appid: str
    secrets: Secrets
    rules: tuple[Rule, ...]

    # The fields that are the callback settings' own columns.
    SETTINGS: ClassVar[tuple[str, ...]] = (
        "channel_id",
        "workspace_id",
        "mode",
        "original_id",
        "appid",
    )


# Per public token; None for a token that names no callback. Cleared when this replica
# commits a change to a callback, an auto-reply or a channel.
Addressees = TtlCache[str, Addressee | None]


async def _addressed(
    session: AsyncSession, token: str, cipher: CredentialCipher, cache: Addressees
) -> Addressee:
    found, addressee = cache.get(token)
    if not found:
        addressee = await _read_addressee(session, token, cipher)
        cache.put(token, addressee)
    if addressee is None:
        raise NotFound("No such callback.")
    return addressee


async def _read_addressee(
    session: AsyncSession, token: str, cipher: CredentialCipher
) -> Addressee | None:
    found = await repository.by_token(session, token) if 16 <= len(token) <= 64 else None
    if found is None:
        return None
    settings, _ = found
    try:
        secrets_ = unsealed(settings, cipher)
    except (CredentialsUnreadable, ValueError, KeyError) as exc:
        raise Forbidden("This callback's settings cannot be read; configure it again.") from exc
    rows = await autoreplies.of_channel(session, settings.channel_id)
    return Addressee(
        **{name: getattr(settings, name) for name in Addressee.SETTINGS},
        secrets=secrets_,
        rules=tuple(Rule.of(row) for row in rows),
    )


def _check_signed(query: SignedQuery, secrets_: Secrets, *, now: datetime, skew: float) -> int:
    """The request's timestamp, once its plain signature and clock are right."""
    if not query.timestamp.isdigit() or not query.nonce or not query.signature:
        raise Forbidden("The request is not signed (signature, timestamp, nonce).")
    if not signature_matches(query.signature, secrets_.token, query.timestamp, query.nonce):
        raise Forbidden("The signature does not match this callback's token.")
    timestamp = int(query.timestamp)
    if abs(now.timestamp() - timestamp) > skew:
        raise Forbidden(f"The request's timestamp is more than {skew:.0f} s from our clock.")
    return timestamp


async def check_url(
    session: AsyncSession,
    token: str,
    query: SignedQuery,
    *,
    cipher: CredentialCipher,
    cache: Addressees,
    skew: float,
) -> str:
    """WeChat's URL check: `echostr` back when the signature matches."""
    addressee = await _addressed(session, token, cipher, cache)
    _check_signed(query, addressee.secrets, now=utcnow(), skew=skew)
    if query.echostr is None:
        raise BadRequest("The URL check carries an echostr.")
    return query.echostr


def _opened(
    query: SignedQuery, body: bytes, addressee: Addressee
) -> tuple[dict[str, Any], MessageCrypto | None]:
    """The message's fields, and the crypto of safe mode (None in plain mode)."""
    try:
        fields = parse(body)
    except BadXml as exc:
        raise BadRequest(str(exc)) from exc
    if query.encrypt_type != "aes":
        if addressee.mode == CallbackMode.SAFE:
            raise Forbidden("This callback takes encrypted messages only (safe mode).")
        return fields, None
    encrypted = fields.get("Encrypt")
    secrets_ = addressee.secrets
    if not isinstance(encrypted, str) or not encrypted or secrets_.encoding_aes_key is None:
        raise Forbidden("An encrypted message needs Encrypt and a configured EncodingAESKey.")
    if not query.msg_signature or not signature_matches(
        query.msg_signature, secrets_.token, query.timestamp, query.nonce, encrypted
    ):
        raise Forbidden("The msg_signature does not match this callback's token.")
    crypto = MessageCrypto(secrets_.encoding_aes_key, addressee.appid)
    try:
        plain = crypto.decrypt(encrypted)
        return parse(plain.encode("utf-8")), crypto
    except CryptoError as exc:
        raise Forbidden(f"The message cannot be opened: {exc}.") from exc
    except BadXml as exc:
        raise BadRequest(str(exc)) from exc


def _answer(
    reply: dict[str, Any] | None,
    fields: dict[str, Any],
    addressee: Addressee,
    crypto: MessageCrypto | None,
    query: SignedQuery,
    now: datetime,
) -> Answer:
    if reply is None:
        return Answer(SUCCESS, "text/plain")
    created = int(now.timestamp())
    xml = passive_reply(
        reply,
        to_user=str(fields.get("FromUserName") or ""),
        from_user=addressee.original_id,
        create_time=created,
    )
    if crypto is None:
        return Answer(xml, "application/xml")
    encrypted = crypto.encrypt(xml)
    nonce = query.nonce
    sealed = sealed_reply(
        encrypted,
        signature=signature(addressee.secrets.token, str(created), nonce, encrypted),
        timestamp=created,
        nonce=nonce,
    )
    return Answer(sealed, "application/xml")


async def receive(
    session: AsyncSession,
    token: str,
    query: SignedQuery,
    body: bytes,
    *,
    cipher: CredentialCipher,
    cache: Addressees,
    confirm: ConfirmPolicy,
    skew: float,
) -> Answer:
    now = utcnow()
    addressee = await _addressed(session, token, cipher, cache)
    timestamp = _check_signed(query, addressee.secrets, now=now, skew=skew)
    fields, crypto = _opened(query, body, addressee)
    if fields.get("ToUserName") != addressee.original_id:
        raise Forbidden("The message is addressed to another account (ToUserName).")
    sender = fields.get("FromUserName")
    msg_type = fields.get("MsgType")
    if not isinstance(sender, str) or not sender or not isinstance(msg_type, str) or not msg_type:
        raise BadRequest("The message has no FromUserName or MsgType.")
    fresh_request = await repository.claim_nonce(
        session,
        channel_id=addressee.channel_id,
        timestamp=timestamp,
        nonce=query.nonce,
        signature=query.msg_signature or query.signature,
        now=now,
    )
    if not fresh_request:
        raise Forbidden("This signed request was received before (a replay).")
    if random.randrange(PURGE_ONE_IN) == 0:
        await repository.forget_nonces(session, before=now - timedelta(seconds=2 * skew))
    event = fields.get("Event") if msg_type == "event" else None
    message = CallbackMessage(
        id=new_id(),
        workspace_id=addressee.workspace_id,
        channel_id=addressee.channel_id,
        dedupe_key=effects.dedupe_key(fields),
        msg_type=msg_type[:32],
        event=str(event)[:64] if event else None,
        from_user=sender[:200],
        fields=fields,
        received_at=now,
    )
    if await repository.claim_message(session, message):
        await effects.apply(session, message, fields, confirm=confirm, now=now)
    rule = None
    if msg_type == "text":
        rule = choose(addressee.rules, text=str(fields.get("Content") or ""))
    elif msg_type in ("image", "voice"):
        rule = choose(addressee.rules, text=None)
    elif event == "subscribe":
        rule = choose(addressee.rules, text=None, subscribe=True)
    reply = None if rule is None else dict(rule.reply)
    return _answer(reply, fields, addressee, crypto, query, now)
