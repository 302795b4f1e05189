"""The lists each Teams feature fills, and what a handler answers an invoke with.

A feature module exposes a ``Routes`` value (no registration at import time); the front end
merges them (``merge``) and dispatches on them (handlers/teams/dispatch.py):

- ``commands``: the first word of a 1:1 message, or of a channel message that mentions the
  bot (only those: msbot reads every channel message), the same words as Slack's registry ->
  ``fn(req) -> None``;
- ``personal_commands``: the same, for 1:1 messages only, looked up first there (the 1:1
  chat's ``help``, ``status``, ``home`` are the supplier's; a channel's are the case thread's);
- ``actions``: an ``Action.Execute`` verb, or an ``Action.Submit`` button's data["verb"]
  (handlers/teams/cards.VERB_KEY) -> ``fn(req) -> InvokeAnswer``;
- ``dialogs``: a dialog id -> (``open(req) -> card``, ``submit(req) -> InvokeAnswer``). A card
  button opening a dialog (task/fetch) carries the dialog id as its verb; a message extension
  command (composeExtension/fetchTask) is the dialog of the same id; the dialog's own submit
  button carries the dialog id as its verb;
- ``channel_reply``: ``fn(req)`` for a plain reply (no mention of the bot) in a channel reply
  chain;
- ``personal_reply``: ``fn(req)`` for a 1:1 message that is no command;
- ``channel_change``: ``fn(req)`` for an edit (``req.kind`` "edit") or a deletion ("delete")
  of a message in a channel reply chain (a case thread's note follows its message).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from handlers.teams.card_forms import continue_dialog, dialog_message
from handlers.teams.card_text import plain_text
from handlers.teams.requests import TeamsRequest

ADAPTIVE = "application/vnd.microsoft.card.adaptive"
MESSAGE = "application/vnd.microsoft.activity.message"
DIALOG_INVOKES = frozenset(
    {"task/fetch", "task/submit", "composeExtension/fetchTask", "composeExtension/submitAction"}
)


@dataclass(frozen=True)
class InvokeAnswer:
    """What a card action or a dialog submission answers, at most one of:
    ``card`` replaces the clicked card in place (for this invoke); ``dialog`` shows a dialog
    (again, with its errors); ``message`` is a short text Teams shows the person who acted
    (and only them); none closes the dialog or leaves the card as it is."""

    card: dict | None = None
    dialog: dict | None = None
    title: str = "msbot"
    message: str | None = None

    @classmethod
    def updated(cls, card: dict) -> InvokeAnswer:
        return cls(card=card)

    @classmethod
    def show(cls, dialog: dict, title: str = "msbot") -> InvokeAnswer:
        return cls(dialog=dialog, title=title)

    @classmethod
    def tell(cls, text: str) -> InvokeAnswer:
        return cls(message=text)

    @classmethod
    def close(cls) -> InvokeAnswer:
        return cls()

    def body(self, invoke_name: str | None) -> dict:
        """The invoke response's body for this kind of invoke."""
        if invoke_name in DIALOG_INVOKES:
            if self.dialog is not None:
                return continue_dialog(self.dialog, self.title)
            if self.message:
                return dialog_message(self.message)
            return {}
        if self.card is not None:
            return {"statusCode": 200, "type": ADAPTIVE, "value": self.card}
        return {
            "statusCode": 200,
            "type": MESSAGE,
            "value": plain_text(self.message or "Done.", 500),
        }


Handler = Callable[[TeamsRequest], None]
Action = Callable[[TeamsRequest], InvokeAnswer]
Dialog = tuple[Callable[[TeamsRequest], dict], Action]


@dataclass(frozen=True)
class Routes:
    commands: dict[str, Handler] = field(default_factory=dict)
    personal_commands: dict[str, Handler] = field(default_factory=dict)
    actions: dict[str, Action] = field(default_factory=dict)
    dialogs: dict[str, Dialog] = field(default_factory=dict)
    channel_reply: Handler | None = None
    personal_reply: Handler | None = None
    channel_change: Handler | None = None


def merge(*routes: Routes) -> Routes:
    """One Routes from every feature's; a word, verb or dialog claimed twice is an error, as
    is a second channel or 1:1 reply handler (two features cannot both own plain replies)."""
    commands: dict[str, Handler] = {}
    personal_commands: dict[str, Handler] = {}
    actions: dict[str, Action] = {}
    dialogs: dict[str, Dialog] = {}
    channel_reply = personal_reply = channel_change = None
    for part in routes:
        for mine, theirs, what in (
            (commands, part.commands, "command"),
            (personal_commands, part.personal_commands, "1:1 command"),
            (actions, part.actions, "action"),
            (dialogs, part.dialogs, "dialog"),
        ):
            clash = mine.keys() & theirs.keys()
            if clash:
                raise ValueError(f"two Teams routes for {what} {sorted(clash)}")
            mine.update(theirs)
        if part.channel_reply is not None:
            if channel_reply is not None:
                raise ValueError("two Teams handlers for channel replies")
            channel_reply = part.channel_reply
        if part.personal_reply is not None:
            if personal_reply is not None:
                raise ValueError("two Teams handlers for 1:1 replies")
            personal_reply = part.personal_reply
        if part.channel_change is not None:
            if channel_change is not None:
                raise ValueError("two Teams handlers for channel edits and deletions")
            channel_change = part.channel_change
    return Routes(
        commands,
        personal_commands,
        actions,
        dialogs,
        channel_reply,
        personal_reply,
        channel_change,
    )
