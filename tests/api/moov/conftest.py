"""Fixtures for the Moov door: a live server with an admin, the official client, raw HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
import pyvips
from moovio_sdk import Moov
from moovio_sdk.models import components

from darkroom.api import vocabulary
from darkroom.core import accounts, spaces
from darkroom.core.access import Role
from darkroom.core.runtime import Runtime
from darkroom.media import ImageFormat, sniff

ADMIN = ("root", "root-password")
ACCOUNT = "3a4ed2d9-03e1-4b0e-b45f-2a9ca72f8adb"
OTHER_ACCOUNT = "c0971a52-1f1c-4511-876a-f45c4cfd6154"
SDK_ACCEPT = "image/jpeg;q=1, image/png;q=0.7, image/webp;q=0"


def create_user(rt: Runtime, name: str, password: str, *, role: Role = Role.MEMBER) -> None:
    with rt.transaction() as session:
        accounts.create_principal(session, name, password=password, role=role)


def grant(rt: Runtime, name: str, account: str) -> None:
    with rt.transaction() as session:
        space = spaces.ensure(session, vocabulary.MOOV_ACCOUNT, account)
        accounts.add_grant(session, accounts.get_principal(session, name), space)


def client(server: str, user: str, password: str) -> Moov:
    return Moov(server_url=server, security=components.Security(username=user, password=password))


@pytest.fixture
def admin(api_runtime: Runtime) -> tuple[str, str]:
    create_user(api_runtime, *ADMIN, role=Role.ADMIN)
    return ADMIN


@pytest.fixture
def moov(server: str, admin: tuple[str, str]) -> Iterator[Moov]:
    """The official client, logged in as an admin (whose first use creates an account)."""
    with client(server, *admin) as sdk:
        yield sdk


@pytest.fixture
def http(server: str, admin: tuple[str, str]) -> Iterator[httpx.Client]:
    """Raw HTTP to the server with the admin's Basic credentials."""
    with httpx.Client(base_url=server, auth=admin, timeout=30) as raw:
        yield raw


def upload(moov: Moov, data: bytes, *, account: str = ACCOUNT, alt_text: str | None = None) -> str:
    """Upload ``data``; the new image's id."""
    metadata = {"alt_text": alt_text} if alt_text is not None else None
    answer = moov.images.upload(
        account_id=account, image={"file_name": "photo.bin", "content": data}, metadata=metadata
    )
    return answer.result.image_id


def decoded(data: bytes) -> tuple[ImageFormat, int, int]:
    """Format (from the magic bytes) and size of encoded image ``data``."""
    image = pyvips.Image.new_from_buffer(data, "")
    return sniff(data[:64]), image.width, image.height
