"""The shapes of an Events API body, checked at the edge before Bolt or a listener reads it.

Bolt builds its context from the event (``event.user``, ``event.channel``, ``event.team``,
``event.message.user``, ``event.previous_message.thread_ts`` …) and our listeners read the
text, the timestamps and the nested message of an edit or a deletion. Slack always sends
those as strings and objects; a body where one has another type (``"message": [1]``,
``"text": 5``, ``"thread_ts": {"a": 1}``) can only come from a broken or forged client, and
used to reach the code as a ``TypeError`` and a 500.

The rule, the same as for interactions: **a field of the wrong type is a 400**, whatever the
event type or subtype, so nothing is acted on and Slack (which never sends such a body)
never retries one of its own. A well-shaped event the app does not act on (a bot message,
an odd subtype, a reply in a thread that is not a case, an event type it does not subscribe
to) is an acknowledged 200 that changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

# Slack ids and message timestamps ("1700000000.000100"). A ts is bounded so that the
# channel/ts key a note is stored under fits its column (60).
_ID = re.compile(r"^[A-Za-z0-9._-]{0,30}$")
_TS = re.compile(r"^[0-9]{1,12}\.[0-9]{1,9}$")

# Fields of an event, or of the message nested in an edit or a deletion, that are Slack ids.
_IDS = ("user", "channel", "bot_id", "team", "user_team", "source_team", "app_id", "enterprise")
# Fields that are message timestamps.
_TIMESTAMPS = ("ts", "thread_ts", "event_ts", "deleted_ts")
# Fields that are free text or a word we compare with.
_STRINGS = ("type", "subtype", "text", "channel_type", "tab")
# Messages nested in an event: an edit's new and old versions, a deletion's old one, the
# root of a broadcast reply. Each is checked like the event itself.
_MESSAGES = ("message", "previous_message", "root")
# Other objects Bolt reads ids from when the event has none of its own.
_HOLDERS = ("item", "assistant_thread")
# What Bolt reads from the first authorization (team, enterprise, bot user).
_AUTH_IDS = ("enterprise_id", "team_id", "user_id", "enterprise", "team")


class WrongShape(ValueError):
    """A field of the wrong type; the edge answers 400 with this one-line reason."""


def _objects_present(event: dict, keys) -> Iterator[tuple[str, dict]]:
    """(key, object) for each of ``keys`` the event has; a present non-object is refused."""
    for key in keys:
        value = event.get(key)
        if value is None:
            continue
        if not isinstance(value, dict):
            raise WrongShape(f"'event.{key}' must be an object")
        yield key, value


def check_event(body: dict) -> None:
    """Raise WrongShape for an event whose fields a listener or Bolt reads have the wrong type."""
    event = body.get("event")
    if not isinstance(event, dict):
        return  # edge._check_shape has already refused a present non-object event
    _check_message(event, "event")
    for key, nested in _objects_present(event, _MESSAGES):
        _check_message(nested, f"event.{key}")
    for key, holder in _objects_present(event, _HOLDERS):
        for id_key in ("channel", "channel_id", "user"):
            _check_id(holder, id_key, f"event.{key}")
    for auth in body.get("authorizations") or ():
        # edge._check_shape has refused anything but a list of objects.
        for key in _AUTH_IDS:
            _check_id(auth, key, "authorizations")


def _check_message(message: dict, where: str) -> None:
    for key in _IDS:
        _check_id(message, key, where)
    for key in _TIMESTAMPS:
        value = message.get(key)
        if value is not None and not (isinstance(value, str) and _TS.match(value)):
            raise WrongShape(f"'{where}.{key}' is not a Slack timestamp")
    for key in _STRINGS:
        value = message.get(key)
        if value is not None and not isinstance(value, str):
            raise WrongShape(f"'{where}.{key}' must be a string")


def _check_id(holder: dict, key: str, where: str) -> None:
    value = holder.get(key)
    if value is not None and not (isinstance(value, str) and _ID.match(value)):
        raise WrongShape(f"'{where}.{key}' is not a Slack id")
