"""A case's room in Teams is its triage card's reply chain: a plain reply there by a member of
the team is an internal note (the app has the resource-specific consent permission
ChannelMessage.Read.Group, so replies reach msbot without a mention), and a reply that
mentions msbot is a thread command from the core's one list (bot/complaints/thread_commands.py,
the same as Slack's), worded here for Teams.

Teams hands msbot the text with the ``<at>msbot</at>`` mention removed. Answers to a command
are private: they go to the person's 1:1 chat with msbot, never to the channel; changes show
on the card (updated in place) and as lines in the thread, through the outbox. A note is keyed
on the message's conversation and id, so a redelivered message is stored once.
"""

from __future__ import annotations

import structlog
from sqlalchemy import Select

from bot.complaints import investigation
from bot.complaints import thread_commands as commands
from bot.conversations import CASE_CARD, subject_of
from bot.db import transaction
from bot.errors import DomainError, NotPermitted, StoreUnavailable
from bot.people import TEAMS
from bot.permissions import Actor
from handlers.teams import case_support
from handlers.teams.dispatch import tell_privately
from handlers.teams.keys import NOTE_KEY_MAX, bounded_key
from handlers.teams.requests import TeamsRequest
from handlers.teams.routes import Routes

log = structlog.get_logger("msbot.teams.thread")

NOT_A_CASE = "This is not a case's thread: mention me in the replies to a case's card."
NOT_A_NOTE = "Your reply was not saved as a case note."


def case_of_thread(req: TeamsRequest) -> Select:
    """The case whose card starts this reply chain (no row when it is no case's)."""
    return subject_of(TEAMS, req.channel_id, req.thread_id, CASE_CARD)


def note_key(req: TeamsRequest) -> str:
    # Bounded to case_note.source_key (ids as long as the edge allows would not fit).
    return bounded_key(f"{req.channel_id}/{req.activity_id}", limit=NOTE_KEY_MAX)


def _note_of(req: TeamsRequest) -> tuple:
    """(engine, case, key, text, now): the note a reply or its edit is, as the core takes it."""
    services = req.services
    return services.engine, case_of_thread(req), note_key(req), req.text, services.clock()


def on_reply(req: TeamsRequest) -> None:
    """A plain reply in a channel's reply chain: a note when the chain is a case's. Run from
    its record after the ack (handlers/teams/durable_messages.py): StoreUnavailable passes
    through, so it is resumed when the database is back rather than lost."""
    if req.conversation_type != "channel" or not req.thread_id or not req.activity_id:
        return
    if req.mentioned:
        # "@msbot <a word it does not know>": told privately, as in Slack, never a note.
        on_command(req)
        return
    if not req.text.strip():
        return
    try:
        investigation.record_note(*_note_of(req), actor=req.actor())
    except StoreUnavailable:
        raise
    except NotPermitted as exc:
        # In a case's thread, by someone off the team (the core's policy): told privately.
        log.info("teams.note_refused", code=exc.code)
        tell_privately(req, f"{NOT_A_NOTE} {exc}")
    except DomainError as exc:
        # Not a case thread, or a case gone: nothing to tell anyone.
        log.info("teams.reply_ignored", reason=type(exc).__name__)


def on_change(req: TeamsRequest) -> None:
    """An edit of a reply in a case thread updates its note (the core keeps the earlier text);
    a deletion marks it deleted. An edit that mentions msbot is a command's, not a note."""
    services = req.services
    # The core asks its policy with the actor; a refusal is told privately by the dispatcher.
    if req.kind == "delete":
        investigation.delete_note(
            services.engine, note_key(req), services.clock(), actor=req.actor()
        )
    elif req.kind == "edit" and not req.mentioned and req.text.strip():
        investigation.edit_note(*_note_of(req), actor=req.actor())


def wording(answer: commands.Answer) -> str | None:
    """What the asker is told of a command's answer (None: nothing, the card shows it). Sent
    as plain text, so no markup."""
    match answer:
        case commands.Told():
            return commands.describe(answer, commands.Markup())
        case commands.FormOffered(_, reference, why, label):
            return f"{why} Use the {label} button on the card of {reference}."
        case commands.Timeline(reference, entries, named):
            return timeline_text(reference, entries, named)
        case commands.Revealed(reference, raised_by):
            who = (raised_by.name if raised_by else None) or "someone msbot no longer knows"
            return (
                f"{reference} was raised by {who}. Only you can see this; the reveal is recorded."
            )
    return None


TIMELINE_MAX = 40


def timeline_text(reference: str, entries, named) -> str:
    lines = [f"Timeline of {reference}"]
    if len(entries) > TIMELINE_MAX:
        lines.append(f"(the last {TIMELINE_MAX} of {len(entries)} entries)")
    for entry in entries[-TIMELINE_MAX:]:
        who = named.get(entry.actor_id) if isinstance(entry.actor_id, int) else None
        by = (who.name if who else None) or ("the supplier" if "supplier" in entry.kind else "")
        what = entry.text if entry.text and not entry.deleted else entry.kind.replace("_", " ")
        lines.append(f"- {entry.at:%-d %b %Y %H:%M}: {by + ': ' if by else ''}{what}")
    if not entries:
        lines.append("Nothing recorded yet.")
    return "\n".join(lines)


def _named(req: TeamsRequest, args: str) -> Actor | None:
    """Someone named in the arguments among the people who may take a case, as an Actor:
    Teams leaves another person's mention in the text as their display name."""
    services = req.services
    name = args.strip().lower()
    with transaction(services.engine) as s:
        staff = case_support.staff(s, services.roles)
    matches = [pid for pid, shown in staff if shown.strip().lower() == name]
    if len(matches) != 1:
        return None
    return case_support.person_actor(services.engine, services.roles, matches[0])


def on_command(req: TeamsRequest) -> None:
    """A mention of msbot in a channel: a thread command, answered in the asker's 1:1 chat.
    Run from its record after the ack: StoreUnavailable passes through (resumed later)."""
    services = req.services
    word, args = commands.parse(req.text)
    command = commands.COMMANDS_BY_NAME.get(word)

    def tell(text: str) -> None:
        tell_privately(req, text)

    if command is None or word == "help":
        unknown = f"I don't know {word[:30]}.\n\n" if word and command is None else ""
        tell(unknown + commands.help_text(commands.Markup()))
        return
    if req.conversation_type != "channel" or not req.thread_id:
        tell("Mention me in a case's thread (reply to its card in the triage channel).")
        return
    try:
        with transaction(services.engine) as s:
            case = investigation.case_for(s, case_of_thread(req))
            reference = case.reference if case is not None else None
        if reference is None:
            tell(NOT_A_CASE)
            return
        asked = commands.Asked(
            services.engine,
            services.clock(),
            req.actor(),
            reference,
            args,
            lambda words: _named(req, words),
        )
        answer = command.run(asked)
    except StoreUnavailable:
        raise
    except DomainError as exc:
        tell(case_support.explain(exc, services.engine))
        return
    services.send_queued()
    if (text := wording(answer)) is not None:
        tell(text)


def personal_timeline(req: TeamsRequest) -> None:
    """`timeline MS-2026-0007` in the 1:1 chat, as Slack's `/complaint timeline`: the case's
    history for investigators and leads (the core's policy refuses anyone else, and the
    dispatcher tells them in the same chat)."""
    words = req.text.split()[1:]
    if not words:
        tell_privately(req, 'Say which case: "timeline MS-2026-0007".')
        return
    with transaction(req.services.engine) as s:
        entries = investigation.timeline(s, words[0], req.actor())
        named = investigation.timeline_people(s, entries)
    tell_privately(req, timeline_text(words[0].upper()[:20], entries, named))


def routes() -> Routes:
    return Routes(
        commands={name: on_command for name in commands.COMMANDS_BY_NAME},
        personal_commands={"timeline": personal_timeline},
        channel_reply=on_reply,
        channel_change=on_change,
    )
