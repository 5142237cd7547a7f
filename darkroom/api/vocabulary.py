"""The one table of vendor nouns: what each API's tenants and collections are in darkroom's words.

Core knows spaces, albums and album policies, never a company, an account or an advertisement.
Each door names its spaces and albums with the kinds below; an album made with a kind gets that
kind's policy, stored on the album (``core.policy``), so core enforces it without asking which
API made the album. The CLI names spaces with the same kinds (``procore-company:1``).

| API     | vendor noun             | darkroom                                         |
|---------|-------------------------|--------------------------------------------------|
| Procore | company                 | top-level space ``procore-company``              |
| Procore | project                 | space ``procore-project`` under its company      |
| Procore | image category          | album ``procore-category``                       |
| Procore | (no category)           | album ``procore-unclassified``, one per project  |
| Procore | location, trade         | location (tree per space), trade (per company)   |
| Moov    | account                 | space ``moov-account``                           |
| Moov    | the account's images    | album ``moov-account``: dedupe, 300, 16 MB, PJW  |
| Cyclos  | user                    | the user's personal space                        |
| Cyclos  | profile / custom images | albums ``cyclos-profile`` / ``cyclos-custom``    |
| Cyclos  | advertisement           | album ``cyclos-ad`` named by the ad's id         |
| Cyclos  | contact info            | single-slot album ``cyclos-contact-info``        |
| Cyclos  | temporary image         | core's temporary images (``temporary`` album)    |
"""

from __future__ import annotations

from dataclasses import replace

from darkroom.config import MiB
from darkroom.core import trades
from darkroom.core.access import PERSONAL_SPACE
from darkroom.core.policy import AlbumPolicy, AlbumType
from darkroom.core.spaces import Seeds
from darkroom.core.temporary import TEMPORARY_ALBUM
from darkroom.media import ImageFormat

# --- Procore Photos -----------------------------------------------------------------------------
PROCORE_COMPANY = "procore-company"
PROCORE_PROJECT = "procore-project"
PROCORE_CATEGORY = AlbumType("procore-category", AlbumPolicy())
PROCORE_UNCLASSIFIED = AlbumType("procore-unclassified", AlbumPolicy())
PROCORE_DEFAULT_TRADE = "General"  # every company starts with it, so tagging works at once

# --- Moov Images --------------------------------------------------------------------------------
MOOV_ACCOUNT = "moov-account"
MOOV_REQUEST_BYTES = 16 * MiB  # "requests larger than 16MB will be rejected"
MOOV_FORMATS = frozenset({ImageFormat.PNG, ImageFormat.JPEG, ImageFormat.WEBP})
MOOV_IMAGES = AlbumType(
    "moov-account",
    AlbumPolicy(dedupe=True, max_images=300, max_bytes=16 * MiB, formats=MOOV_FORMATS),
)

# --- Cyclos Images ------------------------------------------------------------------------------
CYCLOS_USER = PERSONAL_SPACE
CYCLOS_UPLOAD_BYTES = 16 * MiB  # C3: maxUploadSize
CYCLOS_SERVED_FORMATS = frozenset({ImageFormat.JPEG, ImageFormat.PNG, ImageFormat.GIF})
CYCLOS_FORMATS = frozenset({*CYCLOS_SERVED_FORMATS, ImageFormat.WEBP})
_CYCLOS = AlbumPolicy(max_bytes=CYCLOS_UPLOAD_BYTES, formats=CYCLOS_FORMATS)
CYCLOS_PROFILE = AlbumType("cyclos-profile", replace(_CYCLOS, max_images=10))
CYCLOS_CUSTOM = AlbumType("cyclos-custom", replace(_CYCLOS, max_images=50, visible_to_guests=False))
CYCLOS_AD = AlbumType("cyclos-ad", replace(_CYCLOS, max_images=20))
CYCLOS_CONTACT_INFO = AlbumType(
    "cyclos-contact-info", replace(_CYCLOS, max_images=1, single_slot=True)
)
CYCLOS_TEMP = AlbumType(TEMPORARY_ALBUM, replace(_CYCLOS, visible_to_guests=False))
CYCLOS_GUEST_TEMP = AlbumType(  # a guest keeps at most 10 live temporary images
    TEMPORARY_ALBUM, replace(_CYCLOS, max_images=10, visible_to_guests=False)
)

# What a space of each kind starts with, made in the write that makes the space.
SEEDS: Seeds = {PROCORE_COMPANY: trades.starter(PROCORE_DEFAULT_TRADE)}

# Space kinds that live under a parent of another kind, fixed when they are made (a project in
# its company): only an admin makes or moves them (``spaces.place``).
PARENT_KINDS: dict[str, str] = {PROCORE_PROJECT: PROCORE_COMPANY}

# Space kinds as the CLI and the admin endpoint name them.
SPACE_KINDS: dict[str, str] = {
    PROCORE_COMPANY: PROCORE_COMPANY,
    PROCORE_PROJECT: PROCORE_PROJECT,
    MOOV_ACCOUNT: MOOV_ACCOUNT,
    "cyclos-user": CYCLOS_USER,
}

# --- darkroom's own API (/v1) ------------------------------------------------------------------
# Albums people make in the gallery: ordered, any format the server takes, no limit of their own;
# duplicates refused only when asked for at creation. Not visible to guests: in a personal space
# only its owner and managers see them (the Cyclos door included), and their content links are
# signed and privately cached.
_GALLERY = AlbumPolicy(visible_to_guests=False)
V1_GALLERY = AlbumType("gallery", _GALLERY)
V1_GALLERY_DEDUPED = AlbumType("gallery", replace(_GALLERY, dedupe=True))
V1_RESTORED_ALBUM = "Restored"  # where a restored image goes when its album is gone
# Where ``darkroom import`` puts plain files in a space of each kind: the one album a door lists
# (a Moov account's), so its clients see them; other kinds get gallery albums named after folders.
IMPORT_ALBUMS: dict[str, AlbumType] = {MOOV_ACCOUNT: MOOV_IMAGES}
SPACE_NAMES: dict[str, str] = {  # how /v1 names a space of each kind, before its id
    PROCORE_COMPANY: "Procore company",
    PROCORE_PROJECT: "Procore project",
    MOOV_ACCOUNT: "Moov account",
    CYCLOS_USER: "Cyclos user",
}
