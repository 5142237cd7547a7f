"""Credentials from HTTP headers (Basic, Bearer, token headers), checked against the core.

Front doors call these and decide what a missing or wrong credential means on their wire.
"""

from __future__ import annotations

import base64
import binascii

from darkroom.core import accounts
from darkroom.core.access import Actor
from darkroom.core.accounts import CredentialKind
from darkroom.core.runtime import Runtime


def parse_basic(header: str | None) -> tuple[str, str] | None:
    """``Basic base64(user:password)`` → (user, password); None when absent, malformed or empty.

    Empty credentials (``Basic Og==``, what some generated clients always send) count as absent.
    """
    if not header:
        return None
    scheme, _, encoded = header.strip().partition(" ")
    if scheme.lower() != "basic" or not encoded.strip():
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, sep, password = decoded.partition(":")
    if not sep or not user:
        return None
    return user, password


def parse_bearer(header: str | None) -> str | None:
    """``Bearer <token>`` → token; None when absent or another scheme."""
    if not header:
        return None
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


READS = frozenset({"GET", "HEAD", "OPTIONS"})  # methods that must not write


def basic_actor(rt: Runtime, header: str | None, client: str | None = None) -> Actor | None:
    """The actor named by Basic credentials; None when there are none; Unauthorized when wrong,
    RateLimited when ``client`` (the address) or the user name failed too often."""
    credentials = parse_basic(header)
    if credentials is None:
        return None
    return accounts.password_actor(rt, *credentials, client=client)


def token_actor(
    rt: Runtime, token: str | None, kind: CredentialKind, client: str | None = None
) -> Actor | None:
    """The actor holding ``token`` of ``kind``; None when no token; Unauthorized when not valid
    (RateLimited instead once ``client`` sent too many wrong ones)."""
    if not token:
        return None
    return accounts.token_actor(rt, token, kind, client=client)
