"""Safe mode's crypto: WeChat's published sample opens, and channel-svc's implementation and
the fake's (written apart) open each other's messages."""

from __future__ import annotations

import pytest
from channel_svc.kit.wxcrypt import CryptoError, MessageCrypto, aes_key, signature

from tests.fakes import wechat_crypto

# The sample of WeChat's own message-encryption SDK (WXBizMsgCrypt's demo).
SAMPLE_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
SAMPLE_TOKEN = "spamtest"
SAMPLE_APPID = "wx2c2769f8efd9abc2"
SAMPLE_TIMESTAMP = "1409735669"
SAMPLE_NONCE = "1320562132"
SAMPLE_SIGNATURE = "5d197aaffba7e9b25a30732f161a50dee96bd5fa"
SAMPLE_ENCRYPT = (
    "hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8"
    "PGHQHFVAFmOD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jis"
    "a+h6tEDYsVticbSnyU8dKOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8"
    "tCOp3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9Fy"
    "JvnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE="
)
KEY = "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR"
APPID = "wx0123456789abcdef"


def test_wechats_sample_message_is_signed_and_opens() -> None:
    assert (
        signature(SAMPLE_TOKEN, SAMPLE_TIMESTAMP, SAMPLE_NONCE, SAMPLE_ENCRYPT) == SAMPLE_SIGNATURE
    )
    opened = MessageCrypto(SAMPLE_KEY, SAMPLE_APPID).decrypt(SAMPLE_ENCRYPT)
    assert opened.startswith("<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName>")
    assert "<Content><![CDATA[abcdteT]]></Content>" in opened
    assert "<MsgId>6054768590064713728</MsgId>" in opened
    # The fake's own implementation reads it the same way.
    assert wechat_crypto.unseal(SAMPLE_ENCRYPT, SAMPLE_KEY, SAMPLE_APPID) == opened


@pytest.mark.parametrize("message", ["<xml>文案</xml>", "", "x" * 31, "y" * 32, "回复" * 500])
def test_ours_and_the_fakes_open_each_others_messages(message: str) -> None:
    ours = MessageCrypto(KEY, APPID)
    assert wechat_crypto.unseal(ours.encrypt(message), KEY, APPID) == message
    assert ours.decrypt(wechat_crypto.seal(message, KEY, APPID)) == message


def test_a_fixed_prefix_gives_the_same_ciphertext_as_padding_to_32_bytes() -> None:
    sealed = MessageCrypto(KEY, APPID).encrypt("hello", random_prefix=b"0123456789abcdef")
    # 16 + 4 + 5 + 18 = 43 bytes, padded to 64 (two 32-byte blocks), base64: 88 characters.
    assert len(sealed) == 88


def test_another_accounts_or_a_damaged_message_does_not_open() -> None:
    sealed = wechat_crypto.seal("<xml/>", KEY, "wxffffffffffffffff")
    with pytest.raises(CryptoError, match="another account"):
        MessageCrypto(KEY, APPID).decrypt(sealed)
    with pytest.raises(CryptoError):
        MessageCrypto(KEY, APPID).decrypt("not base64!")
    with pytest.raises(CryptoError):
        MessageCrypto(KEY, APPID).decrypt(wechat_crypto.seal("<xml/>", SAMPLE_KEY, APPID))


@pytest.mark.parametrize("bad", ["short", "!" * 43, KEY + "A"])
def test_an_encoding_aes_key_has_43_base64_characters(bad: str) -> None:
    with pytest.raises(ValueError, match="EncodingAESKey"):
        aes_key(bad)
