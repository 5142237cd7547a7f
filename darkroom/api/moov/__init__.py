"""The Moov Images front door (``/accounts/{accountID}/images``, ``/images/{publicID}``)."""

from __future__ import annotations

from fastapi import FastAPI

from darkroom.api.common.doors import DoorRegistry


def install(app: FastAPI, doors: DoorRegistry) -> None:
    """Mount the Moov routes and register the door's error bodies and body cap."""
