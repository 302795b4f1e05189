"""What a mention command is (handlers/slack/complaints/mentions.py lists them): who asked,
where, about which case, and how `@msbot help` describes the list."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import structlog

from bot.permissions import Actor
from handlers.slack.services import Services

log = structlog.get_logger("msbot.complaints.mentions")


@dataclass
class Asked:
    """One mention command: who asked, where, about which case, with what arguments."""

    services: Services
    user: str
    actor: Actor
    channel: str
    thread_ts: str
    reference: str
    args: str

    def tell(self, text: str, blocks: list[dict] | None = None) -> None:
        try:
            self.services.client.chat_postEphemeral(
                channel=self.channel,
                user=self.user,
                thread_ts=self.thread_ts,
                text=text,
                blocks=blocks,
            )
        except Exception as exc:
            log.warning("mention.reply_failed", error=str(exc)[:200])


@dataclass(frozen=True)
class Command:
    name: str
    usage: str
    summary: str
    run: Callable[[Asked], None]


class Registry:
    """The mention commands, in help order, from one list (mentions.COMMANDS)."""

    def __init__(self, commands: tuple[Command, ...]):
        self.commands = {c.name: c for c in commands}

    def help_text(self) -> str:
        lines = ["*In a case's thread, mention me with one of:*"]
        lines += [f"• `@msbot {c.usage}`: {c.summary}" for c in self.commands.values()]
        lines.append("Any other reply in the thread is kept as an internal note.")
        return "\n".join(lines)
