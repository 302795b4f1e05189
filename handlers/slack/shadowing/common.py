"""What every `/shadow` listener shares: the command's router, one way of wording the core's
refusals and outages, private answers, and the click and modal plumbing.

Buttons are acknowledged at once; the core call and the Slack calls that follow run after the
ack (Services.after_ack). On success the clicked message is re-rendered from the database
(which removes buttons that no longer apply); when the core refuses, the clicker alone is told
why and nothing changes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import structlog
from slack_bolt import Ack, BoltContext, Respond
from slack_sdk.errors import SlackApiError

from bot.errors import InvalidTransition, NotFound, NotPermitted, StoreUnavailable, ValidationFailed
from bot.permissions import Actor
from bot.shadowing import policy
from handlers.slack import errors
from handlers.slack.commands import record_id, whole_number
from handlers.slack.complaints import team
from handlers.slack.services import Services
from handlers.slack.shadowing import forms
from handlers.slack.slack_text import escape

log = structlog.get_logger("msbot.shadowing")

# The top of `/shadow help`.
INTRO = (
    "*Work-shadowing:* civil servants spend time with voluntary-sector organisations, "
    "which offer places. Coordinators match people to places in rounds."
)

UNAVAILABLE = errors.SHADOW_UNAVAILABLE
FAILED = (
    "Sorry, something went wrong on our side. Check `/shadow status` to see where things "
    "stand, and try again if nothing changed."
)
# The core's refusals: their messages are written to be shown to the person who asked.
REFUSALS = (NotPermitted, InvalidTransition, NotFound, ValidationFailed)

T = TypeVar("T")

# (services, id from the button's value, the clicker as the core's Actor) -> the clicked
# message re-rendered
Work = Callable[[Services, int, Actor], tuple[str, list[dict]]]


def attempt(call: Callable[[], T]) -> tuple[T | None, Exception | None]:
    """Run one core call. A refusal or an outage comes back (not raised) as the second value,
    so each place that answers (a command reply, modal errors, a private message) words it
    once, the same way."""
    try:
        return call(), None
    except (*REFUSALS, StoreUnavailable) as exc:
        return None, exc


def explain(exc: Exception, prefix: str = "") -> str:
    """What to tell the user about a refusal (after ``prefix``) or an outage: the one error
    map's words, with work-shadowing's outage sentence."""
    return errors.explain(exc, unavailable=UNAVAILABLE, prefix=prefix)


def no_such(what: str, word: str, listed_by: str) -> str:
    """The answer to a record number that can't exist (zero, or past the database's range)."""
    return (
        f"There is no {what} {escape(word.strip()[:30])}: {what} numbers are whole numbers "
        f"like 12. {listed_by} lists them."
    )


@dataclass(frozen=True)
class Numbered:
    """A `/shadow` command that changes one record (a host, a placement, a conflict) named by
    the number in its first word: `/shadow close 12`, `/shadow end 7 ill`."""

    what: str  # "host", "placement" or "conflict"
    usage: str  # the answer when the number (or another word the command needs) is missing
    listed_by: str = "`/shadow status`"

    def change(self, services: Services, ack: Ack, args: list[str], call, **kwargs) -> int | None:
        """Run ``call(engine, number, **kwargs)`` and return the number. When there is no
        number, one that can't exist or a refusal, answer why (the usage, or "nothing
        changed") and return None. A command that needs other words checks them first and
        answers ``usage`` itself."""
        if not args or whole_number(args[0]) is None:
            ack(text=self.usage)
            return None
        number = record_id(args[0])
        if number is None:
            ack(text=no_such(self.what, args[0], self.listed_by))
            return None
        _, problem = attempt(lambda: call(services.engine, number, **kwargs))
        if problem:
            ack(text=explain(problem, "Nothing changed. "))
            return None
        return number


def person_for_slack(services: Services, slack_user_id: str) -> int:
    """The person a Slack user id names (one picked in a form, say)."""
    return team.person(services, slack_user_id).id


def post_privately(
    services: Services, channel: str | None, user: str, text: str, blocks: list | None = None
) -> None:
    """An ephemeral message to ``user`` in ``channel``, or a DM where that is impossible.

    Ephemeral messages fail where the bot is not a member (a private channel, someone
    else's DM); a DM from the bot always reaches the user.
    """
    if channel:
        try:
            services.client.chat_postEphemeral(channel=channel, user=user, text=text, blocks=blocks)
            return
        except SlackApiError as exc:
            log.info("shadow.ephemeral_failed", error=exc.response.get("error"))
    dm = services.client.conversations_open(users=user)["channel"]["id"]
    services.client.chat_postMessage(
        channel=dm, text=text, blocks=blocks, unfurl_links=False, unfurl_media=False
    )


# --- buttons --------------------------------------------------------------------------------


def _user_of(body: dict) -> str:
    user = body.get("user")
    found = user.get("id") if isinstance(user, dict) else None
    return found if isinstance(found, str) else ""


def clicker(body: dict) -> str:
    return _user_of(body)


def clicked_channel(body: dict) -> str | None:
    return (body.get("container") or {}).get("channel_id") or (body.get("channel") or {}).get("id")


def clicked_value(body: dict) -> int | None:
    """The record number a clicked button carries, or None if it is not a valid one."""
    return record_id(((body.get("actions") or [{}])[0]).get("value"))


def tell_clicker(services: Services, body: dict, text: str) -> None:
    post_privately(services, clicked_channel(body), clicker(body), text)


def replace_clicked(
    services: Services, body: dict, respond: Respond, text: str, blocks: list[dict]
) -> None:
    """Show the outcome in the message that was clicked, without its spent buttons."""
    container = body.get("container") or {}
    try:
        if container.get("is_ephemeral"):
            # chat.update cannot reach an ephemeral message; its response_url can.
            respond(text=text, blocks=blocks, replace_original=True)
        else:
            services.client.chat_update(
                channel=container.get("channel_id"),
                ts=container.get("message_ts"),
                text=text,
                blocks=blocks,
            )
    except SlackApiError as exc:
        # The change itself is saved; only the old message still shows its buttons.
        log.warning("shadow.update_clicked_failed", error=exc.response.get("error"))


def refuse_unless_allowed(ack: Ack, actor: Actor, action: str) -> bool:
    """Answer the command with the policy's refusal, unless ``actor`` may take ``action``:
    for commands whose work runs after the ack, so the refusal is still the reply."""
    try:
        policy.require(actor, action)
    except NotPermitted as exc:
        ack(text=explain(exc))
        return True
    return False


def handle_click(
    services: Services, body: dict, respond: Respond, work: Work, actor: Actor
) -> None:
    action = (body.get("actions") or [{}])[0]
    target = clicked_value(body)
    if target is None:
        tell_clicker(services, body, "Sorry, that button no longer works.")
        return
    try:
        text, blocks = work(services, target, actor)
    except REFUSALS as exc:
        # A refusal can still have queued notices (a late answer lapses the offer at once).
        services.send_queued()
        tell_clicker(services, body, explain(exc))
        return
    except StoreUnavailable:
        tell_clicker(services, body, UNAVAILABLE)
        return
    except Exception:
        # A bug, not a refusal: the clicker must not be left wondering whether it worked.
        log.exception("shadow.click_failed", action=action.get("action_id"))
        tell_clicker(services, body, FAILED)
        return
    services.send_queued()
    replace_clicked(services, body, respond, text, blocks)


def on_click(app, services: Services, action_id: str, work: Work) -> None:
    """Register a button whose click runs ``work`` after the ack (see handle_click)."""

    def listener(ack: Ack, body: dict, respond: Respond, context: BoltContext) -> None:
        ack()
        services.after_ack(handle_click, services, body, respond, work, context["actor"])

    app.action(action_id)(listener)


# --- modals ---------------------------------------------------------------------------------


def submitter(body: dict) -> str:
    user = _user_of(body)
    structlog.contextvars.bind_contextvars(user=user)
    return user


def open_modal(services: Services, ack: Ack, body: dict, view: dict) -> None:
    """Acknowledge the command, then open ``view``: its trigger_id expires after 3 seconds."""
    ack()
    services.after_ack(services.client.views_open, trigger_id=body.get("trigger_id"), view=view)


def unanswered(ack: Ack, answers: dict[str, tuple[object, str]]) -> bool:
    """{field: (answer, what to ask for)}: show the request beside each field left without an
    answer (None), and say whether there was one."""
    missing = {field: ask for field, (answer, ask) in answers.items() if answer is None}
    if missing:
        ack(response_action="errors", errors=missing)
    return bool(missing)


def submission(services: Services, view: dict, context: BoltContext) -> dict:
    """What the core's stored-once forms (a sign-up, a host's offer) take beside the form: who
    submits it, the modal's view id (a second delivery stores nothing), today and the
    departments offered."""
    return {
        "actor": context["actor"],
        "submission_key": view.get("id"),
        "today": services.today(),
        "departments": services.settings.departments,
    }


def save_form(
    services: Services,
    ack: Ack,
    fields: tuple[str, ...],
    save: Callable[[], T],
    done: Callable[[T], dict],
) -> None:
    """Run the core call that stores a submitted modal. A refusal is shown in the modal (see
    refused); else the modal becomes ``done(saved)`` and the notices the call queued go out."""
    saved, problem = attempt(save)
    if problem:
        refused(ack, fields, problem)
        return
    ack(response_action="update", view=done(saved))
    services.send_queued()


def refused(ack: Ack, fields: tuple[str, ...], exc: Exception) -> None:
    """A refusal shown in the modal: by field where the core names one, else on the first.
    Modal errors are plain text, so they are not mrkdwn-escaped."""
    found = errors.form_errors(exc, fields[0], unavailable=UNAVAILABLE)
    ack(response_action="errors", errors=forms.errors_for(fields, found))
