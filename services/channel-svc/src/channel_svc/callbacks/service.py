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
from typing import Any

from servicekit.db import new_id, utcnow
from servicekit.problems import BadRequest, Forbidden, Invalid, NotFound
from sqlalchemy.ext.asyncio import AsyncSession

from channel_svc.adapters.base import unlock_channel
from channel_svc.adapters.wechat import WechatAdapter
from channel_svc.autoreplies.service import reply_for
from channel_svc.callbacks import effects, repository
from channel_svc.callbacks.schemas import CallbackSettingsWrite, SignedQuery
from channel_svc.callbacks.wechat_xml import BadXml, parse, passive_reply, sealed_reply
from channel_svc.channels.service import get_channel
from channel_svc.crypto import CredentialCipher, CredentialsUnreadable
from channel_svc.distributions.policies import ConfirmPolicy
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


async def _addressed(
    session: AsyncSession, token: str, cipher: CredentialCipher
) -> tuple[CallbackSettings, Secrets]:
    found = await repository.by_token(session, token) if 16 <= len(token) <= 64 else None
    if found is None:
        raise NotFound("No such callback.")
    settings, _ = found
    try:
        return settings, unsealed(settings, cipher)
    except (CredentialsUnreadable, ValueError, KeyError) as exc:
        raise Forbidden("This callback's settings cannot be read; configure it again.") from exc


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
    session: AsyncSession, token: str, query: SignedQuery, *, cipher: CredentialCipher, skew: float
) -> str:
    """WeChat's URL check: `echostr` back when the signature matches."""
    _, secrets_ = await _addressed(session, token, cipher)
    _check_signed(query, secrets_, now=utcnow(), skew=skew)
    if query.echostr is None:
        raise BadRequest("The URL check carries an echostr.")
    return query.echostr


def _opened(
    query: SignedQuery, body: bytes, settings: CallbackSettings, secrets_: Secrets
) -> tuple[dict[str, Any], MessageCrypto | None]:
    """The message's fields, and the crypto of safe mode (None in plain mode)."""
    try:
        fields = parse(body)
    except BadXml as exc:
        raise BadRequest(str(exc)) from exc
    if query.encrypt_type != "aes":
        if settings.mode == CallbackMode.SAFE:
            raise Forbidden("This callback takes encrypted messages only (safe mode).")
        return fields, None
    encrypted = fields.get("Encrypt")
    if not isinstance(encrypted, str) or not encrypted or secrets_.encoding_aes_key is None:
        raise Forbidden("An encrypted message needs Encrypt and a configured EncodingAESKey.")
    if not query.msg_signature or not signature_matches(
        query.msg_signature, secrets_.token, query.timestamp, query.nonce, encrypted
    ):
        raise Forbidden("The msg_signature does not match this callback's token.")
    crypto = MessageCrypto(secrets_.encoding_aes_key, settings.appid)
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
    settings: CallbackSettings,
    secrets_: Secrets,
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
        from_user=settings.original_id,
        create_time=created,
    )
    if crypto is None:
        return Answer(xml, "application/xml")
    encrypted = crypto.encrypt(xml)
    nonce = query.nonce
    sealed = sealed_reply(
        encrypted,
        signature=signature(secrets_.token, str(created), nonce, encrypted),
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
    confirm: ConfirmPolicy,
    skew: float,
) -> Answer:
    now = utcnow()
    settings, secrets_ = await _addressed(session, token, cipher)
    timestamp = _check_signed(query, secrets_, now=now, skew=skew)
    fields, crypto = _opened(query, body, settings, secrets_)
    if fields.get("ToUserName") != settings.original_id:
        raise Forbidden("The message is addressed to another account (ToUserName).")
    sender = fields.get("FromUserName")
    msg_type = fields.get("MsgType")
    if not isinstance(sender, str) or not sender or not isinstance(msg_type, str) or not msg_type:
        raise BadRequest("The message has no FromUserName or MsgType.")
    fresh_request = await repository.claim_nonce(
        session,
        channel_id=settings.channel_id,
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
        workspace_id=settings.workspace_id,
        channel_id=settings.channel_id,
        dedupe_key=effects.dedupe_key(fields),
        msg_type=msg_type[:32],
        event=str(event)[:64] if event else None,
        from_user=sender[:200],
        fields=fields,
        received_at=now,
    )
    if await repository.claim_message(session, message):
        await effects.apply(session, message, fields, confirm=confirm, now=now)
    reply = None
    if msg_type == "text":
        reply = await reply_for(session, settings.channel_id, text=str(fields.get("Content") or ""))
    elif msg_type in ("image", "voice"):
        reply = await reply_for(session, settings.channel_id, text=None)
    elif event == "subscribe":
        reply = await reply_for(session, settings.channel_id, text=None, subscribe=True)
    return _answer(reply, fields, settings, secrets_, crypto, query, now)
