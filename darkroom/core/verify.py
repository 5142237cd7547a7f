"""Integrity check: rehash every stored blob and compare with the name it is stored under."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from sqlalchemy import select

from darkroom.core.blobs import blob_key
from darkroom.core.runtime import Runtime
from darkroom.db.models import Blob
from darkroom.errors import NotFound

CHUNK = 1024 * 1024


@dataclass
class VerifyReport:
    checked: int = 0
    missing: list[str] = field(default_factory=list)
    corrupt: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.missing and not self.corrupt


def verify(rt: Runtime) -> VerifyReport:
    """Every blob row's bytes, read back in full and hashed."""
    with rt.transaction() as session:
        shas = list(session.scalars(select(Blob.sha256).order_by(Blob.sha256)))
    report = VerifyReport()
    for sha in shas:
        report.checked += 1
        digest = hashlib.sha256()
        try:
            with rt.store.open(blob_key(sha)) as handle:
                while chunk := handle.read(CHUNK):
                    digest.update(chunk)
        except NotFound:
            report.missing.append(sha)
            continue
        if digest.hexdigest() != sha:
            report.corrupt.append(sha)
    return report
