"""The darkroom command line: serve, migrate, users, tokens, grants, maintenance, Cyclos
provisioning, and a library in and out (import, duplicates, export).

Every command builds Settings once from the environment (``DARKROOM_*``) and its own flags, which
carry the same names, and calls the same core services the HTTP front doors call. Each module
registers its commands on ``app`` when imported.
"""

# isort: off
# Imported in the order --help lists their commands.
from darkroom.cli import server, accounts, access, maintenance, library, cyclos
from darkroom.cli._base import app

# isort: on

__all__ = ["access", "accounts", "app", "cyclos", "library", "maintenance", "server"]
