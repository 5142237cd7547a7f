"""Signed, expiring links: how a capability URL of an image not every guest may see is made to
end.

A link names a capability (``identity``, e.g. ``image:<public id>``) and an instant
(``expires_at``, Unix seconds); its signature is HMAC-SHA256 over both, under the newest signing
key. Verification tries every key still listed, so keys rotate as imgproxy's key/salt pairs do:
put the new key first, keep the old one after it for as long as links signed with it should
still work, then remove it (docs/security.md, "Signed links").

Keys come from ``DARKROOM_SIGNING_KEYS`` (comma-separated, newest first). Without it, one key is
derived from a secret made once and kept in the data folder (``signing-secret``), which is
enough for one instance and its workers; several instances must share the setting.

A signed link is a bearer capability until it expires (as an S3 presigned URL is): removing a
grant does not end links already handed out, while trashing, deleting or hiding the image does
(the doors check the image on every request). Nothing here speaks HTTP.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from collections.abc import Sequence
from pathlib import Path

from darkroom.clock import utcnow
from darkroom.core.records import ImageRecord

SECRET_FILE = "signing-secret"
MIN_KEY_CHARS = 16
# Expiry instants handed out are rounded up to a multiple of a quarter of the lifetime (at most
# an hour), so the links of one image stay the same for a while and clients can cache them.
MAX_STEP_SECONDS = 3600
_DOMAIN = b"darkroom-link-v1\0"  # keeps these MACs apart from any other use of the same key


class Signer:
    """Signs with the first key, verifies with any (module docstring)."""

    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise ValueError("at least one signing key is needed")
        short = [key for key in keys if len(key) < MIN_KEY_CHARS]
        if short:
            raise ValueError(f"signing keys need at least {MIN_KEY_CHARS} characters")
        # Keyed once: each MAC copies its key's state instead of hashing the key again.
        self._keys = tuple(
            hmac.new(hashlib.sha256(_DOMAIN + key.encode()).digest(), digestmod=hashlib.sha256)
            for key in keys
        )

    @classmethod
    def from_settings(cls, signing_keys: str, data_dir: Path) -> Signer:
        """The keys of ``DARKROOM_SIGNING_KEYS``, else the data folder's own secret."""
        listed = [key.strip() for key in signing_keys.split(",") if key.strip()]
        return cls(listed or [_folder_secret(data_dir)])

    def sign(self, identity: str, expires_at: int) -> str:
        """The signature of ``identity`` until ``expires_at`` (URL-safe base64, 43 characters)."""
        return _mac(self._keys[0], identity, expires_at)

    def verify(
        self, identity: str, expires_at: int, signature: str, *, now: int | None = None
    ) -> bool:
        """Whether ``signature`` is one of ours for ``identity`` and ``expires_at`` is still to
        come (``now``: Unix seconds, the clock's by default)."""
        instant = int(utcnow().timestamp()) if now is None else now
        if expires_at <= instant:
            return False
        given = signature.encode()
        found = False
        for key in self._keys:  # every key, so timing does not tell which one matched
            found |= hmac.compare_digest(given, _mac(key, identity, expires_at).encode())
        return found


def image_identity(image: ImageRecord) -> str:
    """What a link to ``image`` signs: its public id, the same for every door and rendition."""
    return f"image:{image.public_id}"


def guest_visible(image: ImageRecord) -> bool:
    """Whether every guest may see ``image``: its capability URL then needs no signature."""
    return image.album.policy.visible_to_guests and not image.private and not image.album.private


def expiry(seconds: int, *, now: int | None = None) -> int:
    """The ``expires_at`` of a link valid at least ``seconds`` from now, rounded up (see
    ``MAX_STEP_SECONDS``)."""
    instant = int(utcnow().timestamp()) if now is None else now
    step = max(1, min(MAX_STEP_SECONDS, seconds // 4))
    return ((instant + seconds) // step + 1) * step


def _mac(keyed: hmac.HMAC, identity: str, expires_at: int) -> str:
    mac = keyed.copy()
    mac.update(f"{identity}\n{expires_at}".encode())
    return base64.urlsafe_b64encode(mac.digest()).rstrip(b"=").decode()


def _folder_secret(data_dir: Path) -> str:
    """The data folder's secret, made on first use (by whichever worker comes first)."""
    path = data_dir / SECRET_FILE
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    data_dir.mkdir(parents=True, exist_ok=True)
    made = secrets.token_urlsafe(32)
    temporary = data_dir / f".{SECRET_FILE}.{os.getpid()}"
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(made)
        file.flush()
        os.fsync(file.fileno())
    try:
        os.link(temporary, path)  # fails when another process made it first: theirs wins
    except FileExistsError:
        pass
    finally:
        temporary.unlink()
    return path.read_text().strip()
