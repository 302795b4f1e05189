"""The bot scopes each Web API method needs, and the scopes an installed app was granted.

Slack answers a call the bot token's scopes do not allow with
``{"ok": false, "error": "missing_scope", "needed": ..., "provided": ...}``; the fake Slack does
the same, from this table and the scopes of the manifest it was installed from, so a scope
missing from ``manifest.yml`` fails the tests (and `msbot local`) as it would fail in a real
workspace. Scopes from each method's page in Slack's reference (docs.slack.dev/reference/methods).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

# The app's HTTP-mode manifest, in a source checkout (an installed wheel does not carry it).
MANIFEST = Path(__file__).resolve().parents[2] / "manifest.yml"

_HISTORY = ("channels:history", "groups:history", "im:history", "mpim:history")
_READ = ("channels:read", "groups:read", "im:read", "mpim:read")

# method -> the bot scopes that allow it (any one of them); () needs none.
METHOD_SCOPES: dict[str, tuple[str, ...]] = {
    "api.test": (),
    "auth.test": (),
    # Socket Mode: an app-level token's connections:write, not a bot scope.
    "apps.connections.open": (),
    "bots.info": ("users:read",),
    "chat.delete": ("chat:write",),
    "chat.getPermalink": (),
    "chat.postEphemeral": ("chat:write",),
    "chat.postMessage": ("chat:write",),
    "chat.scheduleMessage": ("chat:write",),
    "chat.update": ("chat:write",),
    "conversations.history": _HISTORY,
    "conversations.replies": _HISTORY,
    "conversations.info": _READ,
    "conversations.members": _READ,
    "conversations.open": ("im:write", "mpim:write", "channels:manage", "groups:write"),
    # files_upload_v2 is these two calls (and a plain upload to the URL the first returns).
    "files.getUploadURLExternal": ("files:write",),
    "files.completeUploadExternal": ("files:write",),
    "files.info": ("files:read",),
    "pins.add": ("pins:write",),
    "reactions.add": ("reactions:write",),
    "reactions.remove": ("reactions:write",),
    "team.info": ("team:read",),
    "usergroups.list": ("usergroups:read",),
    "usergroups.users.list": ("usergroups:read",),
    "users.info": ("users:read",),
    "users.list": ("users:read",),
    "users.lookupByEmail": ("users:read.email",),
    "views.open": (),
    "views.publish": (),
    "views.push": (),
    "views.update": (),
}

# A conversation's kind, by its id's first letter, for the methods whose scope depends on it
# (reading a public channel needs channels:history, a private one groups:history, a DM
# im:history).
_KIND_OF_ID = {"C": 0, "G": 1, "D": 2}


def needed(method: str, args: dict) -> tuple[str, ...]:
    """The scopes that would allow this call (any one); () when it needs none."""
    scopes = METHOD_SCOPES.get(method, ())
    kind = _KIND_OF_ID.get(str(args.get("channel") or "")[:1])
    if scopes in (_HISTORY, _READ) and kind is not None:
        return (scopes[kind],)
    return scopes


def missing_scope(method: str, args: dict, granted: frozenset[str] | None) -> dict | None:
    """Slack's answer when the granted scopes do not allow this call, else None (also when
    nothing was installed: ``granted`` None enforces nothing)."""
    if granted is None:
        return None
    allowed_by = needed(method, args)
    if not allowed_by or granted & set(allowed_by):
        return None
    return {
        "ok": False,
        "error": "missing_scope",
        "needed": ",".join(allowed_by),
        "provided": ",".join(sorted(granted)),
    }


def manifest_scopes(path: Path | str = MANIFEST) -> frozenset[str] | None:
    """The bot scopes a manifest asks for (``oauth_config.scopes.bot``), or None when there is
    no manifest file. Read by hand (PyYAML is only a test dependency): the manifest is plain
    block YAML, and tests/test_manifest.py checks this reading against a YAML parser."""
    path = Path(path)
    if not path.is_file():
        return None
    return frozenset(_bot_scopes(path.read_text().splitlines()))


def _bot_scopes(lines: Iterable[str]) -> list[str]:
    wanted = ["oauth_config", "scopes", "bot"]
    depth, indents, found = 0, [], []
    for raw in lines:
        line = raw.split("#", 1)[0].rstrip()
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip())
        while (
            indents
            and indent <= indents[-1]
            and not (depth == len(wanted) and line.lstrip().startswith("- "))
        ):
            indents.pop()
            depth -= 1
            if depth < len(wanted) and found:
                return found
        text = line.strip()
        if depth < len(wanted) and text == f"{wanted[depth]}:":
            indents.append(indent)
            depth += 1
        elif depth == len(wanted) and text.startswith("- "):
            found.append(text[2:].strip().strip("'\""))
    return found
