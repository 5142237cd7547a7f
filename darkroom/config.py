"""Settings, read once from the environment (``DARKROOM_*``) at the entry point and passed down."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

MiB = 1024 * 1024


class Settings(BaseSettings):
    """Every knob of a darkroom process; CLI flags use the same names without the prefix."""

    model_config = SettingsConfigDict(env_prefix="DARKROOM_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8000
    data_dir: Path = Path("./data")
    database_url: str = ""
    storage_url: str = ""
    public_url: str = ""
    admin_user: str = ""
    admin_password: str = ""

    max_upload_bytes: int = Field(32 * MiB, gt=0)
    max_pixels: int = Field(100_000_000, gt=0)
    max_side: int = Field(16384, gt=0)
    max_frames: int = Field(100, gt=0)
    render_concurrency: int = Field(default_factory=lambda: os.cpu_count() or 1, gt=0)

    # Small variants asked for again are kept in memory, per worker process (docs/operations.md).
    memory_cache_bytes: int = Field(64 * MiB, ge=0)
    # How often each process looks for changes other instances made (core/generation.py): the
    # bound on how long another instance may still serve a deleted or hidden image. 0: never
    # (one instance only).
    change_poll_seconds: float = Field(0.5, ge=0)

    # How stored files leave (docs/operations.md, "Delivery"): handed to a fronting nginx under
    # this internal location prefix (local store only), e.g. "/_darkroom/files/"; or, from S3,
    # redirected to a presigned URL valid this many seconds (0: streamed through darkroom).
    accel_redirect: str = ""
    storage_redirect_seconds: int = Field(0, ge=0)
    # The variant cache and render limits (docs/operations.md, "Variant cache and render limits").
    # Stored variants are kept within variant_cache_bytes (0: no bound), least recently used
    # evicted first. Renders for requests without credentials take a token from their client
    # address's bucket: render_burst at once, refilled at render_rate a second (0: no limit).
    variant_cache_bytes: int = Field(1024 * MiB, ge=0)
    render_rate: float = Field(2.0, ge=0, allow_inf_nan=False)
    render_burst: int = Field(20, ge=1)
    # `darkroom serve` (docs/operations.md, "Workers and the server"): worker processes, and how
    # long a stop or a restart waits for in-flight requests before it kills a worker.
    workers: int = Field(default_factory=lambda: os.cpu_count() or 1, gt=0)
    graceful_timeout: int = Field(30, ge=1)

    trash_retention_days: int = 30
    upload_expiry_hours: int = 24 * 7
    temp_image_hours: int = 24

    # Observability (docs/operations.md, "Metrics and logs"). /metrics carries no tenant data, yet
    # is off unless asked for: "on" serves it to anyone, "token" to callers with
    # `Authorization: Bearer <metrics_token>`; a token without DARKROOM_METRICS means "token".
    metrics: Literal["off", "on", "token"] = "off"
    metrics_token: str = ""
    log_format: Literal["text", "json"] = "text"  # json: one JSON line per request on stdout

    # Issue 11, bounds (docs/security.md, "Limits"): what one request may ask for. JSON bodies
    # of every door: bytes and nesting depth. Procore location paths (mt_location, path): tiers,
    # characters per tier name and in the whole path. Links: the hosts a Host header may name
    # when public_url is unset (loopback by default; "*" trusts any, as before).
    max_json_bytes: int = Field(1 * MiB, gt=0)
    max_json_depth: int = Field(32, ge=2)
    max_location_tiers: int = Field(32, ge=1)
    max_location_name_chars: int = Field(255, ge=1)
    max_location_path_chars: int = Field(2048, ge=1)
    # Comma-separated host names (a port is ignored); the first is used for links from others.
    trusted_hosts: str = "localhost,127.0.0.1,[::1]"

    @model_validator(mode="after")
    def _fill_derived_defaults(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite:///{self.data_dir / 'darkroom.db'}"
        if not self.storage_url:
            self.storage_url = f"file://{(self.data_dir / 'blobs').resolve()}"
        if bool(self.admin_user) != bool(self.admin_password):
            raise ValueError("DARKROOM_ADMIN_USER and DARKROOM_ADMIN_PASSWORD go together")
        if self.metrics_token and "metrics" not in self.model_fields_set:
            self.metrics = "token"
        if (self.metrics == "token") != bool(self.metrics_token):
            raise ValueError("DARKROOM_METRICS=token and DARKROOM_METRICS_TOKEN go together")
        return self

    @property
    def trash_retention(self) -> timedelta:
        return timedelta(days=self.trash_retention_days)

    @property
    def upload_expiry(self) -> timedelta:
        return timedelta(hours=self.upload_expiry_hours)

    @property
    def temp_image_ttl(self) -> timedelta:
        return timedelta(hours=self.temp_image_hours)

    # Capabilities that end, and guests (issue 11; docs/security.md, "Signed links", "Guests").
    # Links to images not every guest may see are signed (HMAC-SHA256) and expire: signing_keys
    # lists the keys, newest first (the first signs, every one verifies); unset, one key comes
    # from a secret kept in the data folder (one instance only: several must share this list).
    # link_seconds is how long links in API answers stay valid. Guests may upload so many
    # temporary images and bytes per client address per day.
    signing_keys: str = ""
    link_seconds: int = Field(3600, gt=0)
    guest_images_per_day: int = Field(100, ge=0)
    guest_bytes_per_day: int = Field(100 * MiB, ge=0)

    # Credentials (issue 11; docs/security.md, "Credentials"). A login session ends this many
    # seconds after it was opened, however busy (its idle timeout ends it sooner). Failed logins
    # per client address and per user name: login_free_failures cost nothing (0: no throttle),
    # then each waits login_backoff_seconds, doubling, up to login_backoff_max_seconds.
    session_max_seconds: int = Field(12 * 3600, gt=0)
    login_free_failures: int = Field(5, ge=0)
    login_backoff_seconds: float = Field(1.0, gt=0, allow_inf_nan=False)
    login_backoff_max_seconds: float = Field(300.0, gt=0, allow_inf_nan=False)

    # darkroom's own API (/v1, issue 12; docs/api.md): one upload request (many files) may be this
    # large in all; each file is still held to max_upload_bytes.
    v1_max_request_bytes: int = Field(256 * MiB, gt=0)

    @property
    def trusted_host_names(self) -> tuple[str, ...]:
        """``trusted_hosts`` split and lower-cased; ``("*",)`` trusts every Host header."""
        return tuple(name.strip().lower() for name in self.trusted_hosts.split(",") if name.strip())
