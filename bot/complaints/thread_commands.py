"""The commands people give msbot in a case's thread (`@msbot assign me`, `@msbot status
triaged`), one list for every front end.

A front end strips the mention of msbot, finds the case whose card starts the thread, and hands
the rest here as an :class:`Asked`. A command makes one core call and returns an answer as
plain values (never markup): the front end words it, privately, for the person who asked.
Changes show on the card and in the thread through the outbox, so a command that changed
something answers :class:`Changed` and the front end wakes the outbox. Refusals are the
core's DomainErrors, raised through to the front end, which explains them privately.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Engine

from bot import people
from bot.complaints import investigation, lifecycle
from bot.complaints.investigation import TimelineEntry
from bot.complaints.relay import MAX_RELAY
from bot.complaints.views import CaseView
from bot.db import transaction
from bot.people import PersonRef
from bot.permissions import Actor

_REFERENCE = re.compile(r"^MS-\d{4}-\d{4,}$")
# "assign me": the asker, on every front end (each has its own way to name someone else).
MYSELF = frozenset({"me", "myself"})


@dataclass(frozen=True)
class Asked:
    """One command: who asked, about which case, with what words after the command's name.
    ``person(args)`` is the front end's reading of someone named in the arguments (a Slack
    mention, a Teams name), as an Actor; None when the arguments name nobody it knows."""

    engine: Engine
    now: datetime
    actor: Actor
    reference: str
    args: str
    person: Callable[[str], Actor | None]


# What a command answers; the front end words each.
@dataclass(frozen=True)
class Changed:
    """The case changed (the card and the thread show it); ``view`` is the case afterwards
    when the command has it, for a front end that draws the card refresh from it."""

    view: CaseView | None = None


# Short answers (Told.what), worded by describe().
HELP = "help"
NEED_STATE = "need_state"  # words: the states
NEED_PERSON = "need_person"
NEED_MESSAGE = "need_message"  # words: (the command,)
NEED_REFERENCE = "need_reference"
RELAYED = "relayed"
LINKED = "linked"  # words: (this case, the other)
UNLINKED = "unlinked"  # words: (this case, the other)


@dataclass(frozen=True)
class Told:
    what: str
    words: tuple[str, ...] = ()


@dataclass(frozen=True)
class FormOffered:
    """The command needs details: offer the form (resolve, out_of_scope, follow_up)."""

    form: str
    reference: str
    why: str  # a plain sentence
    label: str  # the words on the button that opens it


@dataclass(frozen=True)
class Timeline:
    reference: str
    entries: tuple[TimelineEntry, ...]
    people: dict[int, PersonRef]


@dataclass(frozen=True)
class Revealed:
    reference: str
    raised_by: PersonRef | None


Answer = Changed | Told | FormOffered | Timeline | Revealed


@dataclass(frozen=True)
class Markup:
    """How a front end marks up the plain answers: a command as code, a title as strong."""

    code: Callable[[str], str] = str
    strong: Callable[[str], str] = str
    bullet: str = "-"


def help_text(markup: Markup) -> str:
    lines = [markup.strong("In a case's thread, mention me with one of:")]
    for c in COMMANDS:
        example = f", e.g. {markup.code(c.example)}" if c.example else ""
        lines.append(f"{markup.bullet} {markup.code('@msbot ' + c.usage)}: {c.summary}{example}")
    lines.append("Any other reply in the thread is kept as an internal note.")
    return "\n".join(lines)


def describe(told: Told, markup: Markup) -> str:
    """A short answer in words, the front end's ``markup`` applied."""
    code, words = markup.code, told.words
    match told.what:
        case "need_state":
            return "Give one of these states: " + ", ".join(code(w) for w in words) + "."
        case "need_person":
            who = code("@msbot assign @person")
            return f"Say who: {who} (or {code('@msbot assign me')})."
        case "need_message":
            return f"Add the message: {code(f'@msbot {words[0]} <message>')}."
        case "need_reference":
            return f"Give a case reference, like {code('MS-2026-0012')}."
        case "relayed":
            return "Sent to the supplier; their reply will appear in this thread."
        case "linked" | "unlinked":
            return f"{told.what.capitalize()} {words[0]} and {words[1]}."
    return help_text(markup)


def _perform(asked: Asked, action: str, **details) -> Answer:
    view = investigation.perform(
        asked.engine, asked.reference, action, asked.actor, asked.now, **details
    )
    return Changed(view)


# `status <state>` for a state whose move needs details answers with the form.
FORMS_FOR_STATUS = {"resolved": "resolve", "out_of_scope": "out_of_scope", "closed": "follow_up"}
FORM_LABELS = {
    "resolve": "Resolve",
    "out_of_scope": "Out of scope",
    "follow_up": "Record follow-up",
}


def _help(asked: Asked) -> Answer:
    return Told(HELP)


def _status(asked: Asked) -> Answer:
    words = asked.args.split(maxsplit=1)
    target = words[0].lower().replace("-", "_") if words else ""
    if target not in lifecycle.STATUSES:
        return Told(NEED_STATE, tuple(lifecycle.STATUSES))
    # Refused now, naming the moves, rather than in a form.
    asked_for = investigation.move_for(asked.engine, asked.reference, target)
    # Closing takes no form where the state offers a plain close (resolved, no follow-up).
    offered = lifecycle.offered_moves(asked_for.status, asked_for.follow_up_due)
    plain_close = target == "closed" and lifecycle.Offer("close") in offered
    if target in FORMS_FOR_STATUS and not plain_close:
        why = f"That needs a few details for {asked.reference}."
        return FormOffered(FORMS_FOR_STATUS[target], asked.reference, why, "Open the form")
    note = words[1] if len(words) > 1 else None
    view = investigation.move_to(
        asked.engine,
        asked.reference,
        target,
        asked.actor,
        asked.now,
        **({"note": note} if note else {}),
    )
    return Changed(view)


def _assign(asked: Asked) -> Answer:
    words = asked.args.strip()
    assignee = asked.actor if words.lower() in MYSELF else asked.person(words) if words else None
    if assignee is None:
        return Told(NEED_PERSON)
    view = investigation.assign(
        asked.engine, asked.reference, assignee, asked.actor, asked.now, only_if_unassigned=False
    )
    return Changed(view)


def _contacted(asked: Asked) -> Answer:
    return _perform(asked, "contact_authority")


def _replied(asked: Asked) -> Answer:
    return _perform(asked, "authority_replied")


def _relay(asked: Asked, *, await_reply: bool) -> Answer:
    text = asked.args.strip()
    if not text:
        return Told(NEED_MESSAGE, ("ask-supplier" if await_reply else "tell-supplier",))
    investigation.tell_supplier(
        asked.engine,
        asked.reference,
        asked.actor,
        text[:MAX_RELAY],
        asked.now,
        await_reply=await_reply,
    )
    return Told(RELAYED)


def _tell_supplier(asked: Asked) -> Answer:
    return _relay(asked, await_reply=False)


def _ask_supplier(asked: Asked) -> Answer:
    return _relay(asked, await_reply=True)


def _form(form: str, why: str) -> Callable[[Asked], Answer]:
    def offer(asked: Asked) -> Answer:
        return FormOffered(form, asked.reference, why.format(asked.reference), FORM_LABELS[form])

    return offer


def _timeline(asked: Asked) -> Answer:
    with transaction(asked.engine) as s:
        entries = investigation.timeline(s, asked.reference, asked.actor)
        named = investigation.timeline_people(s, entries)
    return Timeline(asked.reference, tuple(entries), named)


def _other_reference(asked: Asked) -> str | None:
    ref = asked.args.strip().split()[0].upper() if asked.args.strip() else ""
    return ref if _REFERENCE.match(ref) else None


def _linking(what: str, change: Callable) -> Callable[[Asked], Answer]:
    """link / unlink: the same reading of the other case, a different change."""

    def run(asked: Asked) -> Answer:
        ref = _other_reference(asked)
        if ref is None:
            return Told(NEED_REFERENCE)
        change(asked.engine, asked.reference, ref, asked.actor, asked.now)
        return Told(what, (asked.reference, ref))

    return run


def _reveal(asked: Asked) -> Answer:
    person_id = investigation.reveal(asked.engine, asked.reference, asked.actor, asked.now)
    with transaction(asked.engine) as s:
        raised_by = people.ref(s, person_id)
    return Revealed(asked.reference, raised_by)


@dataclass(frozen=True)
class Command:
    name: str
    usage: str  # after "@msbot "
    summary: str
    run: Callable[[Asked], Answer]
    example: str | None = None  # shown as code after the summary


# Every thread command, in the order help lists them.
COMMANDS = (
    Command("help", "help", "list these commands", _help),
    Command("status", "status <state>", "move the case to a state", _status, "status triaged"),
    Command(
        "assign", "assign @person", "give the case to a member of the team", _assign, "assign me"
    ),
    Command(
        "contacted-authority", "contacted-authority", "we have written to the authority", _contacted
    ),
    Command("authority-replied", "authority-replied", "the authority has answered", _replied),
    Command(
        "tell-supplier", "tell-supplier <message>", "send the supplier a message", _tell_supplier
    ),
    Command(
        "ask-supplier",
        "ask-supplier <question>",
        "ask the supplier and wait for their answer",
        _ask_supplier,
    ),
    Command(
        "resolve",
        "resolve",
        "record the outcome (opens a form)",
        _form("resolve", "Record the outcome of {}."),
    ),
    Command(
        "out-of-scope",
        "out-of-scope",
        "close the case as out of scope (opens a form)",
        _form("out_of_scope", "Say why {} is out of scope."),
    ),
    Command(
        "follow-up",
        "follow-up",
        "record whether the agreed change happened, and close",
        _form("follow_up", "Record the follow-up of {}."),
    ),
    Command("timeline", "timeline", "show the case's history and notes (only to you)", _timeline),
    Command(
        "link", "link MS-2026-0012", "link a related case", _linking(LINKED, investigation.link)
    ),
    Command(
        "unlink",
        "unlink MS-2026-0012",
        "remove a link to another case",
        _linking(UNLINKED, investigation.unlink),
    ),
    Command("reveal", "reveal", "leads: see privately who raised an anonymous case", _reveal),
)
COMMANDS_BY_NAME = {c.name: c for c in COMMANDS}


def parse(text: object) -> tuple[str, str]:
    """('command', 'arguments') from what follows the mention of msbot."""
    rest = text.strip() if isinstance(text, str) else ""
    word, _, args = rest.partition(" ")
    return word.lower(), args.strip()
