"""A small registry of slash-command subcommands that also writes the command's help text,
so the commands and their help can never drift apart."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field

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


@dataclass
class Subcommand:
    name: str
    usage: str
    summary: str
    run: Callable
    # Whether ``run`` takes the request's actor (resolved by handlers.slack.actors).
    takes_actor: bool = False


@dataclass
class CommandRouter:
    command: str
    intro: str
    default: str = "help"
    subcommands: dict[str, Subcommand] = field(default_factory=dict)

    def sub(self, name: str, usage: str, summary: str):
        def register(fn: Callable) -> Callable:
            takes_actor = "actor" in inspect.signature(fn).parameters
            self.subcommands[name] = Subcommand(name, usage, summary, fn, takes_actor)
            return fn

        return register

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
        if (context or {}).get(ACTOR_UNAVAILABLE):
            # Who is asking is looked up before anything else (their person and roles, by the
            # request middleware): if the database could not answer that, nothing was done.
            ack(text=UNAVAILABLE)
            return
        try:
            if sub.takes_actor:
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
