"""`@msbot <command>` in a case thread, from one list (COMMANDS) so `@msbot help` lists exactly
what exists. Answers are private (chat.postEphemeral in the thread); changes show on the card and in
the thread through the outbox. A mention carries no trigger_id, so a command that needs a form
answers with a button that opens it.
"""

from __future__ import annotations

import re

import structlog
from slack_bolt import Ack, App

from bot import pending, people
from bot.complaints import investigation, lifecycle
from bot.db import CommitUncertain, transaction
from bot.errors import StoreUnavailable
from handlers.slack import actors, durable, middleware
from handlers.slack.complaints import case_card
from handlers.slack.complaints.anchors import case_of_thread
from handlers.slack.complaints.mention_commands import Asked, Command, Registry
from handlers.slack.complaints.replies import tell_privately
from handlers.slack.errors import UNAVAILABLE, explain
from handlers.slack.services import Services
from handlers.slack.slack_text import mention, safe

log = structlog.get_logger("msbot.complaints.mentions")

_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_REFERENCE = re.compile(r"^MS-\d{4}-\d{4,}$")
MAX_RELAY = 3000
# The record of a command sent its COMMIT and heard nothing back: it may run, or may not.
UNCONFIRMED = (
    "Sorry, the database did not confirm your command. It may still run; if nothing shows "
    "in the thread in a minute, send it again."
)


def _perform(asked: Asked, action: str, **details) -> None:
    investigation.perform(
        asked.services.engine, asked.reference, action, asked.actor, asked.services.now(), **details
    )
    asked.services.send_queued()


def _form_button(asked: Asked, form: str, label: str, why: str) -> None:
    button = {
        "type": "button",
        "text": {"type": "plain_text", "text": label},
        "action_id": case_card.OPEN_FORM,
        "value": f"{asked.reference}|{form}",
        "style": "primary",
    }
    asked.tell(
        why,
        [
            {"type": "section", "text": {"type": "mrkdwn", "text": why}},
            {"type": "actions", "elements": [button]},
        ],
    )


# `status <state>` for a state whose move needs details answers with the form's button.
FORMS_FOR_STATUS = {"resolved": "resolve", "out_of_scope": "out_of_scope", "closed": "follow_up"}


def _help(asked: Asked) -> None:
    asked.tell(registry.help_text())


def _status(asked: Asked) -> None:
    words = asked.args.split(maxsplit=1)
    target = words[0].lower().replace("-", "_") if words else ""
    if target not in lifecycle.STATUSES:
        states = ", ".join(f"`{s}`" for s in lifecycle.STATUSES)
        asked.tell(f"Give one of these states: {states}.")
        return
    # Refused now, naming the moves, rather than in a form.
    asked_for = investigation.move_for(asked.services.engine, asked.reference, target)
    current, follow_up_due = asked_for.status, asked_for.follow_up_due
    # Closing takes no form where the state offers a plain close (resolved, no follow-up).
    offered = lifecycle.offered_moves(current, follow_up_due)
    plain_close = target == "closed" and lifecycle.Offer("close") in offered
    if target in FORMS_FOR_STATUS and not plain_close:
        why = f"That needs a few details for {asked.reference}."
        _form_button(asked, FORMS_FOR_STATUS[target], "Open the form", why)
        return
    note = words[1] if len(words) > 1 else None
    investigation.move_to(
        asked.services.engine,
        asked.reference,
        target,
        asked.actor,
        asked.services.now(),
        **({"note": note} if note else {}),
    )
    asked.services.send_queued()


def _assign(asked: Asked) -> None:
    found = _MENTION.search(asked.args)
    if not found:
        asked.tell("Say who: `@msbot assign @person`.")
        return
    view = investigation.assign(
        asked.services.engine,
        asked.reference,
        actors.actor_for(asked.services, found.group(1)),
        asked.actor,
        asked.services.now(),
        only_if_unassigned=False,
    )
    asked.services.handoff.give(view.card_refresh_id, view)
    asked.services.send_queued()


def _contacted(asked: Asked) -> None:
    _perform(asked, "contact_authority")


def _replied(asked: Asked) -> None:
    _perform(asked, "authority_replied")


def _relay(asked: Asked, *, await_reply: bool) -> None:
    text = asked.args.strip()
    if not text:
        word = "ask-supplier" if await_reply else "tell-supplier"
        asked.tell(f"Add the message: `@msbot {word} <message>`.")
        return
    investigation.tell_supplier(
        asked.services.engine,
        asked.reference,
        asked.actor,
        text[:MAX_RELAY],
        asked.services.now(),
        await_reply=await_reply,
    )
    asked.services.send_queued()
    asked.tell("Sent to the supplier; their reply will appear in this thread.")


def _tell_supplier(asked: Asked) -> None:
    _relay(asked, await_reply=False)


def _ask_supplier(asked: Asked) -> None:
    _relay(asked, await_reply=True)


def _resolve(asked: Asked) -> None:
    _form_button(asked, "resolve", "Resolve", f"Record the outcome of {asked.reference}.")


def _out_of_scope(asked: Asked) -> None:
    _form_button(
        asked, "out_of_scope", "Out of scope", f"Say why {asked.reference} is out of scope."
    )


def _follow_up(asked: Asked) -> None:
    _form_button(
        asked, "follow_up", "Record follow-up", f"Record the follow-up of {asked.reference}."
    )


def _timeline(asked: Asked) -> None:
    from handlers.slack.complaints.casework import timeline_people, timeline_text

    with transaction(asked.services.engine) as s:
        entries = investigation.timeline(s, asked.reference, asked.actor)
        named = timeline_people(s, entries)
    asked.tell(timeline_text(asked.reference, entries, named))


def _other_reference(asked: Asked) -> str | None:
    ref = asked.args.strip().split()[0].upper() if asked.args.strip() else ""
    if not _REFERENCE.match(ref):
        asked.tell("Give a case reference, like `MS-2026-0012`.")
        return None
    return ref


def _linking(link: bool):
    """`link` or `unlink` the case asked about and the one the command names."""
    change, done = (investigation.link, "Linked") if link else (investigation.unlink, "Unlinked")

    def run(asked: Asked) -> None:
        if ref := _other_reference(asked):
            change(asked.services.engine, asked.reference, ref, asked.actor, asked.services.now())
            asked.services.send_queued()
            asked.tell(f"{done} {asked.reference} and {ref}.")

    return run


def _reveal(asked: Asked) -> None:
    person_id = investigation.reveal(
        asked.services.engine, asked.reference, asked.actor, asked.services.now()
    )
    asked.services.send_queued()
    with transaction(asked.services.engine) as s:
        raised_by = people.ref(s, person_id)
    asked.tell(
        f"{asked.reference} was raised by {mention(raised_by)}. "
        "Only you can see this; the reveal is recorded."
    )


def parse(text: str | None) -> tuple[str, str]:
    """('command', 'arguments') from '<@UBOT> command arguments'."""
    # Parsed before the ack now: a body of the wrong shape must not become a 500.
    rest = _MENTION.sub("", text if isinstance(text, str) else "", count=1).strip()
    word, _, args = rest.partition(" ")
    return word.lower(), args.strip()


def _answered_without_the_database(services: Services, event: dict) -> bool:
    """Help, an unknown word, or a mention outside a thread: answered here, nothing recorded."""
    user, channel, thread_ts = event.get("user") or "", event.get("channel") or "", None
    word, _ = parse(event.get("text"))
    if word in ("", "help"):
        text = registry.help_text()
    elif word not in registry.commands:
        text = f"I don't know `{safe(word, 30)}`.\n\n{registry.help_text()}"
    elif not event.get("thread_ts"):
        text = "Mention me in a case's thread (reply to its card in the triage channel)."
    else:
        return False
    thread_ts = event.get("thread_ts")
    services.after_ack(tell_privately, services, channel, user, text, thread_ts)
    return True


def handle(services: Services, event: dict) -> None:
    """Run one recorded command. StoreUnavailable passes through: the command is then resumed
    when the database is back (handlers/slack/durable.py), so it must not be told as a failure."""
    user = event.get("user") or ""
    channel = event.get("channel") or ""
    thread_ts = event.get("thread_ts")
    word, args = parse(event.get("text"))
    command = registry.commands[word]

    def tell(text: str) -> None:
        tell_privately(services, channel, user, text, thread_ts)

    try:
        with transaction(services.engine) as s:
            case = investigation.case_for(s, case_of_thread(channel, thread_ts))
            reference = case.reference if case is not None else None
        if reference is None:
            tell("This thread is not a case. Mention me in the thread of a case's card.")
            return
        asked = Asked(
            services, user, actors.actor_for(services, user), channel, thread_ts, reference, args
        )
        command.run(asked)
    except (StoreUnavailable, pending.ClaimLost):
        raise  # not done: resumed later, or done by the runner that holds it
    except Exception as exc:  # a refusal (DomainError), or a fault: nothing was changed
        tell(explain(exc, services.engine))


def run_recorded(services: Services, payload: dict, attempt: int) -> None:
    event = payload.get("event") or {}
    try:
        handle(services, event)
    except StoreUnavailable:
        if attempt == 1:
            word, _ = parse(event.get("text"))
            tell_privately(
                services,
                event.get("channel"),
                event.get("user") or "",
                f"The database is not answering, so `{safe(word, 30)}` has not run yet. "
                "It will run as soon as the database is back; no need to send it again.",
                event.get("thread_ts"),
            )
        raise


# Every mention command, in the order `@msbot help` lists them.
COMMANDS = (
    Command("help", "help", "list these commands", _help),
    Command("status", "status <state>", "move the case to a state, e.g. `status triaged`", _status),
    Command("assign", "assign @person", "give the case to someone on the team", _assign),
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
    Command("resolve", "resolve", "record the outcome (opens a form)", _resolve),
    Command(
        "out-of-scope",
        "out-of-scope",
        "close the case as out of scope (opens a form)",
        _out_of_scope,
    ),
    Command(
        "follow-up", "follow-up", "record whether the agreed change happened, and close", _follow_up
    ),
    Command("timeline", "timeline", "show the case's history and notes (only to you)", _timeline),
    Command("link", "link MS-2026-0012", "link a related case", _linking(True)),
    Command("unlink", "unlink MS-2026-0012", "remove a link to another case", _linking(False)),
    Command("reveal", "reveal", "leads: see privately who raised an anonymous case", _reveal),
)
registry = Registry(COMMANDS)


def _recorded_event(event: dict) -> dict:
    return {k: event.get(k) for k in ("user", "channel", "thread_ts", "ts", "text")}


# The command is recorded with its delivery key before the ack: that is its claim
# (handlers/slack/middleware.py drop_repeated_deliveries).
CLAIMS_ITS_OWN_DELIVERY = frozenset({"app_mention"})


def register(app: App, services: Services) -> None:
    @app.event("app_mention")
    def on_mention(ack: Ack, body: dict, event: dict) -> None:
        if _answered_without_the_database(services, event):
            ack()
            return
        key = middleware.delivery_key(body) or f"mention:{event.get('channel')}/{event.get('ts')}"
        try:
            command_id = pending.record(
                services.engine, key, "mention", {"event": _recorded_event(event)}
            )
        except StoreUnavailable as exc:
            ack()
            answer = UNCONFIRMED if isinstance(exc, CommitUncertain) else UNAVAILABLE
            services.after_ack(
                tell_privately,
                services,
                event.get("channel"),
                event.get("user") or "",
                answer,
                event.get("thread_ts"),
            )
            return
        ack()
        if command_id is not None:  # None: a retry of a command already recorded
            services.after_ack(durable.run_after_ack, services, command_id)
