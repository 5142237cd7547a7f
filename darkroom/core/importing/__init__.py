"""``darkroom import``: bring folders and zip files of photos in through core's ingest."""

from darkroom.core.importing.albums import Target
from darkroom.core.importing.outcomes import Outcome, Result, Summary, reason_of
from darkroom.core.importing.run import import_files
from darkroom.core.importing.sources import Entry, entries

__all__ = [
    "Entry",
    "Outcome",
    "Result",
    "Summary",
    "Target",
    "entries",
    "import_files",
    "reason_of",
]
