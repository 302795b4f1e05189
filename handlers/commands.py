"""A small registry of slash-command subcommands that also writes the command's help text,
so the commands and their help can never drift apart."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Subcommand:
    name: str
    usage: str
    summary: str
    run: Callable


@dataclass
class CommandRouter:
    command: str
    intro: str
    default: str = "help"
    subcommands: dict[str, Subcommand] = field(default_factory=dict)

    def sub(self, name: str, usage: str, summary: str):
        def register(fn: Callable) -> Callable:
            self.subcommands[name] = Subcommand(name, usage, summary, fn)
            return fn

        return register

    def split(self, text: str | None) -> tuple[Subcommand | None, str, list[str]]:
        """(subcommand or None if unknown, the word typed, remaining arguments)."""
        words = (text or "").split()
        word = words[0].lower() if words else self.default
        return self.subcommands.get(word), word, words[1:]

    def help_text(self) -> str:
        lines = [self.intro, ""]
        for sub in self.subcommands.values():
            invocation = f"{self.command} {sub.usage}".strip()
            lines.append(f"• `{invocation}`: {sub.summary}")
        return "\n".join(lines)
