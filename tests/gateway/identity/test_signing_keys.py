from __future__ import annotations

import stat
from pathlib import Path

import jwt
from gateway.identity.signing_keys import CURRENT_FILE, PREVIOUS_FILE, KeyRing, KeyStore, rotate


def test_first_run_makes_a_private_key_file_and_later_runs_reuse_it(tmp_path: Path) -> None:
    key_dir = tmp_path / "keys"

    first = KeyRing.load(key_dir)
    again = KeyRing.load(key_dir)

    mode = stat.S_IMODE((key_dir / CURRENT_FILE).stat().st_mode)
    assert mode == 0o600
    assert (key_dir / CURRENT_FILE).read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    assert again.current.kid == first.current.kid
    assert len(first.current.kid) == 16


def test_jwks_publishes_the_public_keys_only(tmp_path: Path) -> None:
    ring = KeyRing.load(tmp_path)

    entry, upcoming = ring.jwks()["keys"]

    assert entry["kty"] == "OKP"
    assert entry["crv"] == "Ed25519"
    assert entry["alg"] == "EdDSA"
    assert entry["use"] == "sig"
    assert entry["kid"] == ring.current.kid
    assert "d" not in entry  # the private part never leaves the key file
    assert ring.next is not None
    assert upcoming["kid"] == ring.next.kid  # pre-published: known before it signs
    assert "d" not in upcoming


def test_a_previous_key_stays_published_so_its_tokens_still_verify(tmp_path: Path) -> None:
    old = KeyRing.load(tmp_path)
    token = old.current.sign({"sub": "someone"})
    (tmp_path / CURRENT_FILE).rename(tmp_path / PREVIOUS_FILE)

    rotated = KeyRing.load(tmp_path)

    kids = [entry["kid"] for entry in rotated.jwks()["keys"]]
    assert rotated.next is not None
    assert kids == [rotated.current.kid, old.current.kid, rotated.next.kid]
    assert rotated.current.kid != old.current.kid
    published = jwt.PyJWKSet.from_dict(rotated.jwks())[old.current.kid]
    assert jwt.decode(token, published.key, algorithms=["EdDSA"])["sub"] == "someone"


def test_rotate_promotes_the_prepublished_key_and_keeps_the_old_one(tmp_path: Path) -> None:
    before = KeyRing.load(tmp_path)
    assert before.next is not None
    token = before.current.sign({"sub": "someone"})

    after = rotate(tmp_path)

    assert after.current.kid == before.next.kid  # services knew it before the rotation
    assert [key.kid for key in after.previous] == [before.current.kid]
    assert after.next is not None
    assert after.next.kid not in {before.current.kid, before.next.kid}
    published = jwt.PyJWKSet.from_dict(after.jwks())[before.current.kid]
    assert jwt.decode(token, published.key, algorithms=["EdDSA"])["sub"] == "someone"
    assert KeyRing.load(tmp_path).current.kid == after.current.kid  # it is on disk


def test_key_store_follows_a_rotation_without_a_restart(tmp_path: Path) -> None:
    store = KeyStore(tmp_path, check_seconds=0)
    first = store.ring().current.kid

    rotate(tmp_path)

    assert store.ring().current.kid != first
    assert [key.kid for key in store.ring().previous] == [first]
