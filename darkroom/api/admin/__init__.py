"""darkroom's own admin HTTP interface (``/admin/v1``), for administrators (HTTP Basic).

It provisions what the vendor APIs need but do not create themselves: the advertisements and
contact infos of Cyclos users, and the attachment of temporary images (which Cyclos does in its
user and ad registration, which darkroom does not implement). It calls the same core functions
as the CLI. Errors have darkroom's plain body (``{"error": ...}``).
"""

from darkroom.api.admin.routes import router

__all__ = ["router"]
