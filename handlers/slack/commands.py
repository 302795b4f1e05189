"""A slash command's subcommands, listed once, from which the router also writes the
command's help text, so the commands and their help can never drift apart. Each use declares
its subcommands (``SUBCOMMANDS``) beside its listeners; the app factory (handlers/slack/app.py)
builds each command's router from those lists, in help order."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from bot.errors import StoreUnavailable
from handlers.slack.slack_text import escape

UNAVAILABLE = (
    "Sorry, our database is unavailable right now, so nothing was changed. "
    "Please try again in a few minutes."
)
# Set on Bolt's context by the request middleware when the person asking could not be looked up.
ACTOR_UNAVAILABLE = "actor_unavailable"

# Record ids are PostgreSQL INTEGER columns: a number past this would fail in the database
# (not just find nothing), so it is refused before any query.
MAX_ID = 2**31 - 1


def whole_number(word: object) -> int | None:
    """A whole number as people type one in a command ("12" or "#12"); None for anything else
    (signs, decimals, other scripts' digits, absurdly long numbers)."""
    if not isinstance(word, str):  # a forged button value or metadata may be anything
        return None
    text = word.strip().removeprefix("#")
    if not (text.isascii() and text.isdigit()) or len(text) > 30:
        return None
    return int(text)


def record_id(word: object) -> int | None:
    """A record's number (typed, or from a button or modal metadata): 1 to MAX_ID, else None."""
    value = whole_number(word)
    return value if value is not None and 1 <= value <= MAX_ID else None


@dataclass(frozen=True)
class Subcommand:
    name: str
    usage: str
    summary: str
    # run(services, ack, body, args[, actor=]); None for `help`, which the router answers.
    run: Callable | None

    @property
    def takes_actor(self) -> bool:
        """Whether ``run`` takes the request's actor (resolved by handlers.slack.actors)."""
        return self.run is not None and "actor" in inspect.signature(self.run).parameters


# `help`, answered by the router with its help text; placed where it is to be listed.
HELP = Subcommand("help", "help", "show this help", None)


class CommandRouter:
    def __init__(
        self, command: str, intro: str, subcommands: Iterable[Subcommand], default: str = "help"
    ):
        self.command, self.intro, self.default = command, intro, default
        self.subcommands: dict[str, Subcommand] = {}
        for sub in subcommands:
            if sub.name in self.subcommands:
                raise ValueError(f"{command} {sub.name} is listed twice")
            self.subcommands[sub.name] = sub

    def split(self, text: str | None) -> tuple[Subcommand | None, str, list[str]]:
        """(subcommand or None if unknown, the word typed, remaining arguments)."""
        words = (text or "").split()
        word = words[0].lower() if words else self.default
        return self.subcommands.get(word), word, words[1:]

    def dispatch(self, services, ack, body: dict, context=None) -> None:
        """Run the subcommand typed, with the request's actor if it takes one (from Bolt's
        ``context``); an unknown one is answered with the help text."""
        sub, word, args = self.split(body.get("text"))
        if sub is None:
            ack(text=f"I don't know `{escape(word[:30])}`.\n\n{self.help_text()}")
            return
        if sub.takes_actor and (context or {}).get(ACTOR_UNAVAILABLE):
            # Who is asking is looked up before anything else (their person and roles, by the
            # request middleware): if the database could not answer that, nothing was done.
            # A subcommand that acts for nobody (opening a form) still runs.
            ack(text=UNAVAILABLE)
            return
        try:
            if sub.run is None:
                ack(text=self.help_text())
            elif sub.takes_actor:
                sub.run(services, ack, body, args, actor=(context or {}).get("actor"))
            else:
                sub.run(services, ack, body, args)
        except StoreUnavailable:
            if getattr(ack, "response", None) is not None:
                raise
            ack(text=UNAVAILABLE)

    def help_text(self) -> str:
        lines = [self.intro, ""]
        for sub in self.subcommands.values():
            invocation = f"{self.command} {sub.usage}".strip()
            # Usages name their arguments as <host>, <number>: escaped, or Slack's mrkdwn would
            # read them as links and drop them.
            lines.append(f"• `{escape(invocation)}`: {sub.summary}")
        return "\n".join(lines)
