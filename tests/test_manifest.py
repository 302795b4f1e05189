"""The Slack app manifests declare exactly what the code handles."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from handlers.local.scopes import METHOD_SCOPES, manifest_scopes, needed
from tests.conftest import make_settings

ROOT = Path(__file__).resolve().parent.parent
# The scope each handled event needs (Slack refuses to deliver an event without it).
EVENT_SCOPES = {
    "app_mention": {"app_mentions:read"},
    "message.channels": {"channels:history"},
    "message.groups": {"groups:history"},
    "message.im": {"im:history"},
    "app_home_opened": set(),
}
# A Web API call in the code: slack_sdk's method name on a client (called, or handed on to be
# called after the ack).
CLIENT_CALL = re.compile(r"\bclient\.([a-z]+_[A-Za-z0-9_]+)\b")
# slack_sdk helpers that are several Web API calls.
FAMILIES = {m.split(".")[0] for m in METHOD_SCOPES}
HELPERS = {"files_upload_v2": {"files.getUploadURLExternal", "files.completeUploadExternal"}}


def methods_called() -> set[str]:
    """The Web API methods msbot's own code calls (not the fake Slack's or the tests')."""
    found = set()
    for path in [*(ROOT / "bot").rglob("*.py"), *(ROOT / "handlers").rglob("*.py")]:
        if "local" in path.relative_to(ROOT).parts:
            continue
        for name in CLIENT_CALL.findall(path.read_text()):
            if name.split("_")[0] in FAMILIES:  # not an attribute such as client.base_url
                found |= HELPERS.get(name, {name.replace("_", ".")})
    return found


def _closures(app):
    for listener in app._listeners:
        for matcher in listener.matchers:
            func = getattr(matcher, "func", None)
            names = getattr(getattr(func, "__code__", None), "co_freevars", ())
            cells = getattr(func, "__closure__", None) or ()
            yield from zip(names, (c.cell_contents for c in cells), strict=False)


def _app():
    from handlers.slack.app import build_app, build_services

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
    declared = set(manifest["oauth_config"]["scopes"]["bot"])
    # The fake Slack installs from the manifest with its own reader: the two agree.
    assert manifest_scopes(ROOT / name) == declared
    # Every scope the calls in the code need is declared, and nothing else but what the
    # events and the commands need.
    calls = methods_called()
    assert {"chat.postMessage", "files.completeUploadExternal", "users.info"} <= calls
    assert calls <= METHOD_SCOPES.keys(), "a method the fake Slack's scope table lacks"
    unmet = {m: needed(m, {}) for m in calls if needed(m, {}) and not declared & {*needed(m, {})}}
    assert unmet == {}
    used = {scope for m in calls for scope in needed(m, {}) if scope in declared}
    assert declared == {"commands"} | used | set().union(*(EVENT_SCOPES[e] for e in events))
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert manifest["settings"]["socket_mode_enabled"] is (name == "manifest.socket-mode.yml")
