"""The Slack app manifests declare exactly what the code handles."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.conftest import make_settings

ROOT = Path(__file__).resolve().parent.parent
SCOPES = {"commands", "chat:write", "im:write"}
# The scope each handled event needs (Slack refuses to deliver an event without it).
EVENT_SCOPES = {
    "app_mention": {"app_mentions:read"},
    "message.channels": {"channels:history"},
    "message.groups": {"groups:history"},
    "message.im": {"im:history"},
    "app_home_opened": set(),
}
# Web API methods that need their own read scope.
API_SCOPES = {
    "usergroups:read",  # usergroups.users.list for INVESTIGATOR_GROUP_ID
    # The outbox's look-up of a row in doubt (conversations.history and .replies, with
    # include_all_metadata) in a public or private channel, or a DM.
    "channels:history",
    "groups:history",
    "im:history",
}


def _closures(app):
    for listener in app._listeners:
        for matcher in listener.matchers:
            func = getattr(matcher, "func", None)
            names = getattr(getattr(func, "__code__", None), "co_freevars", ())
            cells = getattr(func, "__closure__", None) or ()
            yield from zip(names, (c.cell_contents for c in cells), strict=False)


def _app():
    from handlers.app import build_app, build_services

    settings = make_settings("sqlite://", "http://127.0.0.1:9/api/")
    return build_app(build_services(settings, engine=None))


def registered_commands() -> set[str]:
    # Bolt's command matchers keep the command name in their closure.
    return {
        value for _, value in _closures(_app()) if isinstance(value, str) and value.startswith("/")
    }


def registered_events() -> set[str]:
    """Event types listened for (Bolt's event matchers keep them in their closure)."""
    found = set()
    for name, value in _closures(_app()):
        if name == "event_type" and isinstance(value, str):
            found.add(value)
        elif name == "constraints" and isinstance(value, dict) and "type" in value:
            found.add(value["type"])
    return found


@pytest.mark.parametrize("name", ["manifest.yml", "manifest.socket-mode.yml"])
def test_manifest_matches_code(name):
    manifest = yaml.safe_load((ROOT / name).read_text())
    declared = {c["command"] for c in manifest["features"]["slash_commands"]}
    assert declared == registered_commands()
    events = set(manifest["settings"]["event_subscriptions"]["bot_events"])
    # message.channels/groups/im all arrive as the "message" event type.
    assert {e.split(".")[0] for e in events} == registered_events()
    assert registered_events() == {"app_home_opened", "app_mention", "message"}
    needed = SCOPES | API_SCOPES | set().union(*(EVENT_SCOPES[e] for e in events))
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == needed
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert manifest["settings"]["socket_mode_enabled"] is (name == "manifest.socket-mode.yml")
