"""Microsoft's Teams SDK, imported without its import-time side effect.

``microsoft_teams.apps`` runs ``load_dotenv(find_dotenv(usecwd=True))`` when imported: it would
copy a ``.env`` from the working directory or any directory above it into the environment, and
the SDK reads CLIENT_ID, TENANT_ID, CLOUD, SERVICE_URL and its unauthenticated switch from the
environment wherever msbot passes nothing. msbot's settings already read ``./.env`` their own
way (bot/config.py), so the SDK's own loading is switched off while it is imported. Every msbot
module takes the SDK's app-level names from here.
"""

from __future__ import annotations

import os

_SWITCH = "PYTHON_DOTENV_DISABLED"
_before = os.environ.get(_SWITCH)
os.environ[_SWITCH] = "1"
try:
    from microsoft_teams.apps import App
    from microsoft_teams.apps.auth import TokenValidator
    from microsoft_teams.apps.http import FastAPIAdapter
finally:
    if _before is None:
        del os.environ[_SWITCH]
    else:
        os.environ[_SWITCH] = _before

__all__ = ["App", "FastAPIAdapter", "TokenValidator"]
