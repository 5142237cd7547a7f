"""Signed, expiring links (``core/signing.py``): what a signature covers, when it stops
verifying, and where the key comes from when none is configured."""

from __future__ import annotations

from pathlib import Path

import pytest

from darkroom.core import signing
from darkroom.core.signing import Signer

OLD, NEW = "old-key-0123456789abcdef", "new-key-0123456789abcdef"
NOW = 1_800_000_000


def test_signature_verifies_until_its_expiry() -> None:
    signer = Signer([NEW])
    signature = signer.sign("image:a", NOW + 60)
    assert signer.verify("image:a", NOW + 60, signature, now=NOW)
    assert signer.verify("image:a", NOW + 60, signature, now=NOW + 59)
    assert not signer.verify("image:a", NOW + 60, signature, now=NOW + 60)


def test_signature_covers_identity_and_expiry() -> None:
    signer = Signer([NEW])
    signature = signer.sign("image:a", NOW + 60)
    assert not signer.verify("image:b", NOW + 60, signature, now=NOW)
    assert not signer.verify("image:a", NOW + 61, signature, now=NOW)


def test_first_key_signs_and_every_listed_key_verifies() -> None:
    old_signature = Signer([OLD]).sign("image:a", NOW + 60)
    rotated = Signer([NEW, OLD])
    assert rotated.verify("image:a", NOW + 60, old_signature, now=NOW)
    assert rotated.sign("image:a", NOW + 60) == Signer([NEW]).sign("image:a", NOW + 60)
    assert not Signer([NEW]).verify("image:a", NOW + 60, old_signature, now=NOW)


def test_short_keys_are_refused() -> None:
    with pytest.raises(ValueError, match="16 characters"):
        Signer(["short"])


def test_listed_keys_are_used_before_the_folder_secret(tmp_path: Path) -> None:
    listed = Signer.from_settings(f" {NEW} , {OLD} ", tmp_path)
    assert listed.sign("i", NOW) == Signer([NEW]).sign("i", NOW)
    assert not (tmp_path / signing.SECRET_FILE).exists()


def test_folder_secret_is_made_once_and_kept(tmp_path: Path) -> None:
    first = Signer.from_settings("", tmp_path)
    secret = tmp_path / signing.SECRET_FILE
    assert secret.stat().st_mode & 0o777 == 0o600
    again = Signer.from_settings("", tmp_path)
    assert first.sign("i", NOW) == again.sign("i", NOW)
    assert Signer.from_settings("", tmp_path / "elsewhere").sign("i", NOW) != first.sign("i", NOW)


def test_expiry_is_at_least_the_lifetime_and_rounded() -> None:
    for now in (NOW, NOW + 1, NOW + 899):
        until = signing.expiry(3600, now=now)
        assert now + 3600 < until <= now + 3600 + 900
        assert until % 900 == 0
    assert signing.expiry(3600, now=NOW) == signing.expiry(3600, now=NOW + 1)
