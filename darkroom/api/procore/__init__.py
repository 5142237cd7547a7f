"""The Procore Photos front door (``/rest/v1.0/...``)."""

from __future__ import annotations

from fastapi import FastAPI

from darkroom.api.common.doors import DoorRegistry


def install(app: FastAPI, doors: DoorRegistry) -> None:
    """Mount the Procore routes and register the door's error bodies and body cap."""
