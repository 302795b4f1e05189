"""The Teams front end's settings, read from the environment apart from the core's.

Two modes: ``serve`` (``msbot serve-teams``, facing Microsoft's Bot Connector) always validates
the Bot Framework JWT on every request, and refuses to start if anything asks it not to;
``local`` (``msbot local --teams``, facing the Agents Playground on this machine, which sends no
token) is the only mode that accepts unauthenticated requests.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from bot.config import settled

Mode = Literal["serve", "local"]

DEFAULT_PORT = 3978
# The Bot Connector's global address for Teams (each activity names its region's own).
DEFAULT_SERVICE_URL = "https://smba.trafficmanager.net/teams/"
# The SDK reads this variable itself when no explicit choice is passed; msbot always passes one,
# but a deployment that sets it expects it to work, so the settings say no out loud.
SDK_UNAUTHENTICATED_SWITCH = "DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS"
_SWITCHES = (SDK_UNAUTHENTICATED_SWITCH, "TEAMS_ALLOW_UNAUTHENTICATED")
_TRUE = {"1", "true", "yes", "on"}
# Entra app (client) ids and tenant ids are GUIDs.
_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


@dataclass(frozen=True)
class TeamsSettings:
    mode: Mode
    app_id: str | None
    app_password: str | None = None
    tenant_id: str | None = None
    port: int = DEFAULT_PORT
    # Loopback only: the playground's mocked connector, never a real one.
    allow_unauthenticated: bool = False
    # Largest request body accepted on /api/messages (Teams' own activities are far smaller).
    max_body_bytes: int = 256 * 1024
    # The team roles' channels in Teams ("19:…@thread.tacv2"), when the team works in Teams.
    triage_conversation_id: str | None = None
    leads_conversation_id: str | None = None
    # Where to reach the Bot Connector for a conversation nobody has written from yet (a
    # role's channel): the service URL Teams gives with every activity is used once known.
    service_url: str = DEFAULT_SERVICE_URL

    def __repr__(self) -> str:  # keeps the client secret out of logs and tracebacks
        secret = "set" if self.app_password else "unset"
        return (
            f"TeamsSettings(mode={self.mode!r}, app_id={self.app_id!r}, app_password={secret}, "
            f"tenant_id={self.tenant_id!r}, port={self.port}, "
            f"allow_unauthenticated={self.allow_unauthenticated})"
        )


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in _TRUE


def _port(raw: str | None, problems: list[str]) -> int:
    if not raw:
        return DEFAULT_PORT
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        problems.append(f"TEAMS_PORT must be a port number (1-65535), not {raw!r}")
        return DEFAULT_PORT
    return int(raw)


def load_teams_settings(mode: Mode, env: Mapping[str, str] | None = None) -> TeamsSettings:
    """Every problem at once, as ``bot.config`` does, raised as one ConfigError."""
    env = os.environ if env is None else env
    problems: list[str] = []
    app_id = env.get("TEAMS_APP_ID") or None
    password = env.get("TEAMS_APP_PASSWORD") or None
    tenant = env.get("TEAMS_TENANT_ID") or None
    port = _port(env.get("TEAMS_PORT"), problems)
    asked_unauthenticated = [name for name in _SWITCHES if _truthy(env.get(name))]

    if mode == "serve":
        for name in asked_unauthenticated:
            problems.append(
                f"{name} is refused: serve-teams always validates the Bot Framework token "
                "(unauthenticated requests are for `msbot local --teams` only)"
            )
        if not app_id:
            problems.append("TEAMS_APP_ID is required (the bot's Microsoft app id)")
        if not password:
            problems.append("TEAMS_APP_PASSWORD is required (the bot's client secret)")
    if app_id and not _GUID.match(app_id):
        problems.append("TEAMS_APP_ID must be the app's GUID (Azure bot registration)")
    if tenant and not _GUID.match(tenant):
        problems.append("TEAMS_TENANT_ID must be the tenant's GUID (leave unset if multi-tenant)")
    service_url = (env.get("TEAMS_SERVICE_URL") or "").strip() or DEFAULT_SERVICE_URL
    if mode == "serve" and not service_url.startswith("https://"):
        problems.append("TEAMS_SERVICE_URL must be an https address (the Bot Connector's)")
    settings = TeamsSettings(
        mode=mode,
        app_id=app_id,
        app_password=password,
        tenant_id=tenant,
        port=port,
        allow_unauthenticated=mode == "local",
        triage_conversation_id=(env.get("TEAMS_TRIAGE_CONVERSATION_ID") or "").strip() or None,
        leads_conversation_id=(env.get("TEAMS_LEADS_CONVERSATION_ID") or "").strip() or None,
        service_url=service_url,
    )
    return settled(problems, settings)


def local_settings(port: int) -> TeamsSettings:
    """The settings of ``msbot local --teams``: no Microsoft app, the playground's loopback."""
    return TeamsSettings(mode="local", app_id=None, port=port, allow_unauthenticated=True)
