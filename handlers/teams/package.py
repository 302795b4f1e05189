"""`msbot teams-package`: the Teams app package (manifest.json and two icons in one zip) that an
administrator uploads to Teams to install msbot.

The manifest follows Microsoft's app manifest schema 1.22 (a copy with its source is in
tests/data/, where a test validates every package against it). Publisher details come from
settings; the placeholders they fall back to are refused unless the package is explicitly for a
test tenant or the Agents Playground, so nobody ships "example.org" to a real organisation.
"""

from __future__ import annotations

import io
import json
import os
import re
import sys
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from urllib.parse import urlsplit

from bot.config import ConfigError
from handlers.teams import icons

MANIFEST_VERSION = "1.22"
SCHEMA_URL = f"https://developer.microsoft.com/json-schemas/teams/v{MANIFEST_VERSION}/MicrosoftTeams.schema.json"
MANIFEST_FILE, COLOR_FILE, OUTLINE_FILE = "manifest.json", "color.png", "outline.png"
DEFAULT_OUT = "msbot-teams.zip"
# Reading channel messages without an @mention needs this resource-specific consent permission:
# case-thread replies become notes just as they do in Slack.
CHANNEL_MESSAGES_RSC = "ChannelMessage.Read.Group"
RAISE_COMPLAINT_COMMAND = "raiseComplaint"
OPEN_SPOT_CHECK_COMMAND = "openSpotCheck"
# A fixed zip timestamp (the earliest zip allows) keeps every build of the same input identical.
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_SEMVER = re.compile(r"^\d+\.\d+\.\d+$")
NIL_GUID = "00000000-0000-0000-0000-000000000000"

# What a person types to msbot in their 1:1 chat, and in a team's channel (where the commands
# are mentions in a case's thread). Teams shows at most ten per scope.
PERSONAL_COMMANDS = (
    ("help", "What msbot can do for you"),
    ("home", "Your complaints, tasks and shadowing at a glance"),
    ("complaint", "Raise a procurement complaint (opens a form)"),
    ("status", "Your complaints, or one in detail: status MS-2026-0012"),
    ("withdraw", "Withdraw a complaint you raised: withdraw MS-2026-0012 [reason]"),
    ("spotcheck", "Investigators: open a case the team starts itself (opens a form)"),
    ("timeline", "Investigators: a case's history and notes: timeline MS-2026-0012"),
    ("shadow", "Work shadowing: sign up, offer places, see your offers"),
    ("privacy", "Leads: a person's data, sent here: privacy export @person"),
)
TEAM_COMMANDS = (
    ("help", "The commands for a case's thread"),
    ("status", "Move the case to a state, e.g. status triaged"),
    ("assign", "Give the case to someone on the team"),
    ("tell-supplier", "Send the supplier a message (they never see the notes)"),
    ("ask-supplier", "Ask the supplier a question and wait for the answer"),
    ("resolve", "Record the outcome (opens a form)"),
    ("out-of-scope", "Close the case as out of scope (opens a form)"),
    ("follow-up", "Record whether the agreed change happened (opens a form)"),
    ("timeline", "The case's history and notes (only to you)"),
    ("reveal", "Leads: see privately who raised an anonymous case"),
)

PLACEHOLDERS = {
    "TEAMS_DEVELOPER_NAME": "msbot (placeholder)",
    "TEAMS_DEVELOPER_URL": "https://msbot.example.org/",
    "TEAMS_PRIVACY_URL": "https://msbot.example.org/privacy",
    "TEAMS_TERMS_URL": "https://msbot.example.org/terms",
    "TEAMS_VALID_DOMAINS": "msbot.example.org",
}
_HINTS = {
    "TEAMS_DEVELOPER_NAME": "the organisation that runs msbot, as users should see it (32 chars)",
    "TEAMS_DEVELOPER_URL": "an https page where users find support",
    "TEAMS_PRIVACY_URL": "the https address of the privacy notice",
    "TEAMS_TERMS_URL": "the https address of the terms of use",
    "TEAMS_VALID_DOMAINS": "the bot's public host name(s), comma-separated",
}


@dataclass(frozen=True)
class PackageSettings:
    bot_id: str
    app_id: str
    app_version: str
    developer_name: str
    developer_url: str
    privacy_url: str
    terms_url: str
    valid_domains: tuple[str, ...]
    placeholders_used: tuple[str, ...] = field(default=())


def _default_version() -> str:
    try:
        return metadata.version("msbot")
    except metadata.PackageNotFoundError:  # running from a checkout that was never installed
        return "0.1.0"


def _https_url(name: str, value: str, problems: list[str]) -> None:
    parts = urlsplit(value)
    if parts.scheme != "https" or not parts.hostname:
        problems.append(f"{name} must be an https:// address, not {value!r}")


def _host(text: str) -> str:
    """The host name in a URL or a bare host name."""
    text = text.strip()
    return (urlsplit(text).hostname or "") if "://" in text else text


def _is_placeholder_host(host: str) -> bool:
    host = host.lower().rstrip(".")
    return any(host == d or host.endswith("." + d) for d in ("example.org", "example.com"))


def load_package_settings(
    env: Mapping[str, str] | None = None,
    *,
    bot_id: str | None = None,
    app_version: str | None = None,
    allow_placeholders: bool = False,
) -> PackageSettings:
    """Every problem at once, as ConfigError. ``allow_placeholders`` is for a test tenant or the
    playground: missing publisher details get example values, a missing bot id the nil GUID."""
    env = os.environ if env is None else env
    problems: list[str] = []
    used: list[str] = []

    def setting(name: str) -> str:
        value = (env.get(name) or "").strip() or PLACEHOLDERS[name]
        hosts = value.split(",") if name == "TEAMS_VALID_DOMAINS" else [value]
        if name == "TEAMS_DEVELOPER_NAME":
            hosts = []
        if value == PLACEHOLDERS[name] or any(_is_placeholder_host(_host(h)) for h in hosts):
            used.append(name)
        return value

    name = setting("TEAMS_DEVELOPER_NAME")
    urls = {key: setting(key) for key in ("TEAMS_DEVELOPER_URL", "TEAMS_PRIVACY_URL")}
    urls["TEAMS_TERMS_URL"] = setting("TEAMS_TERMS_URL")
    listed = setting("TEAMS_VALID_DOMAINS").split(",")
    domains = tuple(d.strip().lower() for d in listed if d.strip())

    if len(name) > 32:
        problems.append(f"TEAMS_DEVELOPER_NAME is {len(name)} characters; Teams allows 32")
    for key, url in urls.items():
        _https_url(key, url, problems)
    for domain in domains:
        if "/" in domain or ":" in domain or " " in domain:
            problems.append(f"TEAMS_VALID_DOMAINS holds host names only, not {domain!r}")
    if not domains:
        problems.append("TEAMS_VALID_DOMAINS must name at least the bot's public host")
    if len(domains) > 16:
        problems.append("TEAMS_VALID_DOMAINS may list at most 16 host names")

    bot = (bot_id or env.get("TEAMS_APP_ID") or "").strip()
    if not bot:
        if allow_placeholders:
            used.append("TEAMS_APP_ID")
            bot = NIL_GUID
        else:
            problems.append("TEAMS_APP_ID (or --bot-id) is required: the bot's Microsoft app id")
    elif not _GUID.match(bot):
        problems.append(f"the bot id must be the Azure bot registration's GUID, not {bot!r}")
    app_id = (env.get("TEAMS_PACKAGE_ID") or "").strip() or bot
    if app_id and not _GUID.match(app_id):
        problems.append(f"TEAMS_PACKAGE_ID must be a GUID, not {app_id!r}")

    version = (app_version or env.get("TEAMS_APP_VERSION") or _default_version()).strip()
    if not _SEMVER.match(version):
        problems.append(f"the app version must be MAJOR.MINOR.PATCH, not {version!r}")

    if used and not allow_placeholders:
        for key in used:
            if key in _HINTS:
                problems.append(f"{key} is a placeholder; set it to {_HINTS[key]}")
    if problems:
        raise ConfigError(problems)
    return PackageSettings(
        bot_id=bot,
        app_id=app_id,
        app_version=version,
        developer_name=name,
        developer_url=urls["TEAMS_DEVELOPER_URL"],
        privacy_url=urls["TEAMS_PRIVACY_URL"],
        terms_url=urls["TEAMS_TERMS_URL"],
        valid_domains=domains,
        placeholders_used=tuple(used),
    )


def _commands(pairs) -> list[dict]:
    return [{"title": title, "description": description} for title, description in pairs]


def build_manifest(settings: PackageSettings) -> dict:
    return {
        "$schema": SCHEMA_URL,
        "manifestVersion": MANIFEST_VERSION,
        "version": settings.app_version,
        "id": settings.app_id,
        "developer": {
            "name": settings.developer_name,
            "websiteUrl": settings.developer_url,
            "privacyUrl": settings.privacy_url,
            "termsOfUseUrl": settings.terms_url,
        },
        "name": {"short": "msbot", "full": "msbot: procurement complaints and work shadowing"},
        "description": {
            "short": "Raise and handle procurement complaints; arrange work shadowing.",
            "full": (
                "msbot helps a commercial team handle procurement complaints from suppliers: "
                "a supplier raises a complaint in a form and can stay anonymous, the team "
                "triages and investigates it on a card in its channel, and the supplier hears "
                "back in their chat with msbot. It also runs a work-shadowing scheme between "
                "civil servants and voluntary-sector organisations."
            ),
        },
        "icons": {"color": COLOR_FILE, "outline": OUTLINE_FILE},
        "accentColor": icons.accent_hex(),
        "bots": [
            {
                "botId": settings.bot_id,
                "scopes": ["personal", "team"],
                "isNotificationOnly": False,
                "supportsFiles": True,
                "commandLists": [
                    {"scopes": ["personal"], "commands": _commands(PERSONAL_COMMANDS)},
                    {"scopes": ["team"], "commands": _commands(TEAM_COMMANDS)},
                ],
            }
        ],
        "composeExtensions": [
            {
                "botId": settings.bot_id,
                "commands": [
                    {
                        "id": RAISE_COMPLAINT_COMMAND,
                        "type": "action",
                        "title": "Raise a complaint",
                        "description": "Open the complaint form; you can stay anonymous",
                        "context": ["compose", "commandBox", "message"],
                        # The bot sends the dialog itself, so it can carry a submission token.
                        "fetchTask": True,
                    },
                    {
                        # Investigators and leads only: the bot refuses anyone else in the
                        # dialog itself (Teams cannot hide a command from some people).
                        "id": OPEN_SPOT_CHECK_COMMAND,
                        "type": "action",
                        "title": "Open a spot check",
                        "description": "Investigators: open a case the team starts itself",
                        "context": ["compose", "commandBox"],
                        "fetchTask": True,
                    },
                ],
            }
        ],
        "validDomains": list(settings.valid_domains),
        # Resource-specific consent needs the app's Entra id here as well as the permission.
        "webApplicationInfo": {"id": settings.bot_id, "resource": f"api://botid-{settings.bot_id}"},
        "authorization": {
            "permissions": {
                "resourceSpecific": [{"name": CHANNEL_MESSAGES_RSC, "type": "Application"}]
            }
        },
    }


def package_bytes(settings: PackageSettings) -> bytes:
    """The zip as bytes: manifest.json and the icons at the top level, as Teams requires."""
    buffer = io.BytesIO()
    files = {
        MANIFEST_FILE: json.dumps(build_manifest(settings), indent=2).encode() + b"\n",
        COLOR_FILE: icons.color_icon(),
        OUTLINE_FILE: icons.outline_icon(),
    }
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return buffer.getvalue()


def write_package(settings: PackageSettings, out: str | Path) -> Path:
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(package_bytes(settings))
    return path


def cmd_teams_package(args) -> int:
    if Path(".env").is_file():
        from dotenv import load_dotenv

        load_dotenv(".env", override=False)  # as the other commands: real variables win
    try:
        settings = load_package_settings(
            bot_id=args.bot_id,
            app_version=args.app_version,
            allow_placeholders=args.placeholders,
        )
    except ConfigError as exc:
        print("msbot teams-package cannot build the package; fix these settings:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  - {problem}", file=sys.stderr)
        return 2
    path = write_package(settings, args.out)
    print(f"Wrote {path} (app {settings.app_id}, version {settings.app_version}).")
    if settings.placeholders_used:
        print(
            "Placeholders used for " + ", ".join(settings.placeholders_used) + ": "
            "for a test tenant or the Agents Playground only."
        )
    print("Upload it in Teams: Apps > Manage your apps > Upload an app (see docs/teams.md).")
    return 0


PACKAGE_HELP = "write the Teams app package (a zip to upload)"


def add_package_options(parser) -> None:
    parser.add_argument("--out", default=DEFAULT_OUT, help=f"where to write it ({DEFAULT_OUT})")
    parser.add_argument("--bot-id", help="the bot's Microsoft app id (default: TEAMS_APP_ID)")
    parser.add_argument(
        "--app-version", help="the package's version, bumped for every upload (default: msbot's)"
    )
    parser.add_argument(
        "--placeholders",
        action="store_true",
        help="allow example publisher details and a nil bot id (test tenant or playground only)",
    )
