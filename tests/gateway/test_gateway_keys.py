from __future__ import annotations

import stat
from pathlib import Path

import jwt
from gateway.identity.keys import CURRENT_FILE, PREVIOUS_FILE, KeyRing


def test_first_run_makes_a_private_key_file_and_later_runs_reuse_it(tmp_path: Path) -> None:
    key_dir = tmp_path / "keys"

    first = KeyRing.load(key_dir)
    again = KeyRing.load(key_dir)

    mode = stat.S_IMODE((key_dir / CURRENT_FILE).stat().st_mode)
    assert mode == 0o600
    assert (key_dir / CURRENT_FILE).read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    assert again.current.kid == first.current.kid
    assert len(first.current.kid) == 16


def test_jwks_publishes_the_public_key_only(tmp_path: Path) -> None:
    ring = KeyRing.load(tmp_path)

    (entry,) = ring.jwks()["keys"]

    assert entry["kty"] == "OKP"
    assert entry["crv"] == "Ed25519"
    assert entry["alg"] == "EdDSA"
    assert entry["use"] == "sig"
    assert entry["kid"] == ring.current.kid
    assert "d" not in entry  # the private part never leaves the key file


def test_a_previous_key_stays_published_so_its_tokens_still_verify(tmp_path: Path) -> None:
    old = KeyRing.load(tmp_path)
    token = old.current.sign({"sub": "someone"})
    (tmp_path / CURRENT_FILE).rename(tmp_path / PREVIOUS_FILE)

    rotated = KeyRing.load(tmp_path)

    kids = [entry["kid"] for entry in rotated.jwks()["keys"]]
    assert kids == [rotated.current.kid, old.current.kid]
    assert rotated.current.kid != old.current.kid
    published = jwt.PyJWKSet.from_dict(rotated.jwks())[old.current.kid]
    assert jwt.decode(token, published.key, algorithms=["EdDSA"])["sub"] == "someone"
