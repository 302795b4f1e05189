"""What a Teams handler is handed: the parts of an activity msbot uses, as plain values (no SDK
objects cross to the worker threads), with the bot's own mentions taken out of the text and the
reply chain a channel message belongs to.

Teams names a channel reply chain in the conversation id: a reply's conversation is
``19:…@thread.tacv2;messageid=<root activity id>``; the channel itself is the part before
``;messageid=``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from bot.permissions import Actor
from handlers.teams.actors import TeamsUser, actor_for

PERSONAL = "personal"
CHANNEL = "channel"
GROUP_CHAT = "groupChat"
# The invoke Teams sends when a person accepts or declines a file consent card.
FILE_CONSENT = "fileConsent/invoke"
_THREAD_MARK = ";messageid="
# <at>…</at>, any attributes, across lines; Teams wraps each mention in one.
_AT = re.compile(r"<at\b[^>]*>(.*?)</at>", re.IGNORECASE | re.DOTALL)
_SPACES = re.compile(r"[ \t\r\n\u00a0]+")


def split_conversation(conversation_id: str) -> tuple[str, str | None]:
    """(the channel or chat id, the root activity id of the reply chain or None)."""
    base, mark, root = conversation_id.partition(_THREAD_MARK)
    return base, (root or None) if mark else None


def strip_mentions(text: str, mentioned_names: frozenset[str] | None = None) -> str:
    """``text`` without the ``<at>`` mentions of the bot (every mention when no names are
    given), other people's mentions kept as their plain names, whitespace collapsed."""

    def replace(match: re.Match) -> str:
        name = match.group(1).strip()
        if mentioned_names is None or name in mentioned_names:
            return " "
        return name

    return _SPACES.sub(" ", _AT.sub(replace, text or "")).strip()


@dataclass(frozen=True)
class TeamsRequest:
    services: Any = field(repr=False, compare=False)
    kind: str  # "message" | "invoke" | "installed" | "edit" | "delete"
    conversation_id: str
    conversation_type: str  # "personal" | "channel" | "groupChat"
    thread_id: str | None
    activity_id: str | None
    service_url: str
    tenant_id: str | None
    user: TeamsUser
    text: str = ""
    value: dict | None = None
    invoke_name: str | None = None
    # The people (not msbot) the message @mentions: their AAD object id where Teams gives
    # one (their account's user id), else their "29:" member id.
    mentioned_ids: tuple[str, ...] = ()
    # The activity a card action came from (the card to update in place), if any.
    reply_to_id: str | None = None
    # Whether the message @mentions msbot (in a channel, only then is it a command).
    mentioned: bool = False

    @property
    def channel_id(self) -> str:
        """The conversation without its reply chain (the channel, or the chat)."""
        return split_conversation(self.conversation_id)[0]

    @property
    def personal(self) -> bool:
        return self.conversation_type == PERSONAL

    def actor(self) -> Actor:
        """Who is asking (looked up once, on first use); their 1:1 chat is remembered."""
        found = self.__dict__.get("_actor")
        if found is None:
            chat = (self.service_url, self.conversation_id if self.personal else None)
            found = actor_for(self.services, self.user, chat=chat if self.service_url else None)
            # Frozen for handlers; the cache is this request's own.
            object.__setattr__(self, "_actor", found)
        return found


def _plain(model) -> Any:
    """A pydantic model (or anything) as plain JSON values."""
    dump = getattr(model, "model_dump", None)
    return dump(by_alias=True, exclude_none=True) if dump else model


def _data_of(kind: str, invoke_name: str | None, value: Any) -> dict | None:
    """The submitted data as one dict whatever the activity, its verb under "verb": an
    Action.Execute's verb, a dialog's button verb, or a message extension's command id."""
    value = _plain(value)
    if not isinstance(value, dict):
        return None
    if kind != "invoke":
        return value
    if invoke_name == FILE_CONSENT:
        # The consent card's context comes back as given (its verb included), with the
        # choice and, on "accept", where to put the file.
        context = value.get("context") if isinstance(value.get("context"), dict) else {}
        upload = value.get("uploadInfo") if isinstance(value.get("uploadInfo"), dict) else {}
        return {**context, "action": value.get("action"), "upload": upload}
    if invoke_name == "adaptiveCard/action":
        action = value.get("action") if isinstance(value.get("action"), dict) else {}
        data = action.get("data") if isinstance(action.get("data"), dict) else {}
        return {**data, "verb": action.get("verb") or data.get("verb")}
    data = value.get("data") if isinstance(value.get("data"), dict) else {}
    if invoke_name and invoke_name.startswith("composeExtension/"):
        return {**data, "verb": data.get("verb") or value.get("commandId")}
    return dict(data)


def from_activity(services, kind: str, activity) -> TeamsRequest:
    """The request for an SDK activity (read on the event loop, handed to a thread)."""
    conversation = activity.conversation
    conversation_id = conversation.id
    conversation_type = getattr(conversation, "conversation_type", None) or PERSONAL
    _, thread_id = split_conversation(conversation_id)
    if thread_id == activity.id:
        thread_id = None  # a new post names its own chain: it is no reply
    sender = activity.from_
    tenant = getattr(conversation, "tenant_id", None)
    channel_data = getattr(activity, "channel_data", None)
    if not tenant and channel_data is not None and getattr(channel_data, "tenant", None):
        tenant = channel_data.tenant.id
    user = TeamsUser(
        id=(sender.id if sender else "") or "",
        name=getattr(sender, "name", None),
        aad_object_id=getattr(sender, "aad_object_id", None),
        tenant_id=tenant,
    )
    bot_name = getattr(activity.recipient, "name", None) if activity.recipient else None
    names = _bot_names(activity, bot_name)
    raw_text = getattr(activity, "text", None) or ""
    invoke_name = getattr(activity, "name", None) if kind == "invoke" else None
    return TeamsRequest(
        services=services,
        kind=kind,
        conversation_id=conversation_id,
        conversation_type=conversation_type,
        thread_id=thread_id,
        activity_id=activity.id,
        service_url=activity.service_url or "",
        tenant_id=tenant,
        user=user,
        text=strip_mentions(raw_text, names),
        mentioned=_mentions_bot(activity, raw_text, names),
        value=_data_of(kind, invoke_name, getattr(activity, "value", None)),
        invoke_name=invoke_name,
        reply_to_id=getattr(activity, "reply_to_id", None),
        mentioned_ids=_mentioned_people(activity),
    )


def _mentioned_people(activity) -> tuple[str, ...]:
    bot_id = activity.recipient.id if activity.recipient else None
    found = []
    for entity in getattr(activity, "entities", None) or ():
        mentioned = getattr(entity, "mentioned", None)
        who = getattr(mentioned, "id", None) if mentioned is not None else None
        if who and who != bot_id:
            found.append(str(getattr(mentioned, "aad_object_id", None) or who))
    return tuple(found)


def _mentions_bot(activity, text: str, names: frozenset[str] | None) -> bool:
    bot_id = activity.recipient.id if activity.recipient else None
    for entity in getattr(activity, "entities", None) or ():
        mentioned = getattr(entity, "mentioned", None)
        if mentioned is not None and bot_id and getattr(mentioned, "id", None) == bot_id:
            return True
    # No entity (an emulator, an old client): a mention of the bot's name in the text.
    return any(names is None or match.group(1).strip() in names for match in _AT.finditer(text))


def _bot_names(activity, bot_name: str | None) -> frozenset[str] | None:
    """The texts of the mentions of the bot (Teams' mention entities name whom each one
    mentions); None, meaning every mention, when the activity says nothing about them."""
    bot_id = activity.recipient.id if activity.recipient else None
    names = set()
    for entity in getattr(activity, "entities", None) or ():
        mentioned = getattr(entity, "mentioned", None)
        if mentioned is not None and getattr(mentioned, "id", None) == bot_id:
            text = getattr(entity, "text", None) or ""
            names.add(strip_mentions(text.replace("<at>", "").replace("</at>", "")) or "")
    if bot_name:
        names.add(bot_name)
    return frozenset(names) if names else None
