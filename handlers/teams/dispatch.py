"""From an activity (as a TeamsRequest, on a worker thread) to the handler a feature listed in
its Routes, and the answer back: an invoke's response body, or a message sent in reply.

Every handler runs under one database budget (bot.db.deadline), so an invoke is answered well
inside Teams' time limit even when the database is silent. A message activity Teams delivers
twice (its retry) is handled once: its activity id is claimed first (bot.deliveries). Refusals
and private answers never go to a channel: in a channel they go to the person's 1:1 chat.

A message whose work must not be lost (a reply that becomes a case note, a mention command in
a channel, a supplier's reply in their 1:1 chat) is instead handed to ``record``
(handlers/teams/durable_messages.py): stored before Teams gets its answer, run after it.
"""

from __future__ import annotations

import structlog

from bot import deliveries
from bot.db import REQUEST_BUDGET_SECONDS, deadline
from bot.errors import DomainError, StoreUnavailable
from handlers.teams.cards import VERB_KEY
from handlers.teams.connector import ConnectorError
from handlers.teams.keys import DELIVERY_KEY_MAX, bounded_key
from handlers.teams.outgoing import TeamsOut
from handlers.teams.requests import FILE_CONSENT, TeamsRequest
from handlers.teams.routes import Handler, InvokeAnswer, Routes

log = structlog.get_logger("msbot.teams")

UNAVAILABLE = (
    "Sorry, our database is unavailable right now, so nothing was changed. "
    "Please try again in a few minutes."
)
FAILED = "Sorry, something went wrong on our side and nothing was changed. Please try again."
UNKNOWN = 'Sorry, I don\'t know that button or form any more. Type "help" to see what I can do.'


def _refusal(exc: Exception) -> str:
    if isinstance(exc, StoreUnavailable):
        return UNAVAILABLE
    if isinstance(exc, DomainError) and str(exc):
        return str(exc)
    return FAILED


class Dispatcher:
    def __init__(self, routes: Routes, fallback=None, record=None):
        self.routes = routes
        # What a message nobody routes gets (the welcome card, handlers/teams/app.py).
        self.fallback = fallback
        # fn(req): record a message whose work must survive a crash, and run it after the ack
        # (None: everything runs before the answer, as the plumbing's tests want).
        self.record = record

    # Invokes: the answer is the HTTP response's body.
    def invoke(self, req: TeamsRequest) -> dict:
        with deadline(REQUEST_BUDGET_SECONDS):
            try:
                answer = self._invoke(req)
            except Exception as exc:
                if not isinstance(exc, DomainError):
                    log.exception("teams.invoke_failed", invoke=req.invoke_name)
                answer = InvokeAnswer.tell(_refusal(exc))
        return answer.body(req.invoke_name)

    def _invoke(self, req: TeamsRequest) -> InvokeAnswer:
        name = req.invoke_name
        if name in ("adaptiveCard/action", FILE_CONSENT):
            action = self.routes.actions.get(_dialog_id(req))
            return action(req) if action else InvokeAnswer.tell(UNKNOWN)
        if name in ("task/fetch", "composeExtension/fetchTask"):
            dialog = self.routes.dialogs.get(_dialog_id(req))
            if dialog is None:
                return InvokeAnswer.tell(UNKNOWN)
            opener, _ = dialog
            return InvokeAnswer.show(opener(req))
        if name in ("task/submit", "composeExtension/submitAction"):
            dialog = self.routes.dialogs.get(_dialog_id(req))
            if dialog is None:
                return InvokeAnswer.tell(UNKNOWN)
            _, submit = dialog
            return submit(req)
        log.info("teams.invoke_ignored", invoke=name)
        return InvokeAnswer.close()

    # Messages: answered by sending.
    def message(self, req: TeamsRequest) -> None:
        handler, durable = self.route(req)
        if handler is None:
            return
        with deadline(REQUEST_BUDGET_SECONDS):
            try:
                if durable and self.record is not None and req.activity_id:
                    # The record is this delivery's claim: a redelivery finds it and does
                    # nothing. A failure to record is told there; any other is told below.
                    self.record(req)
                    return
                key = bounded_key(req.conversation_id, req.activity_id, limit=DELIVERY_KEY_MAX)
                if req.activity_id and not deliveries.claim(req.services.engine, key):
                    log.info("teams.repeat_ignored")
                    return
                handler(req)
            except Exception as exc:
                if not isinstance(exc, DomainError):
                    log.exception("teams.message_failed")
                tell_privately(req, _refusal(exc))

    def changed(self, req: TeamsRequest) -> None:
        """An edit or deletion of a message in a channel's reply chain. Not claimed: the note's
        own change is idempotent (the same edit twice is one; a second deletion changes
        nothing), and an edit's activity id is its message's, claimed when it was posted."""
        if req.personal or not req.thread_id or self.routes.channel_change is None:
            return
        with deadline(REQUEST_BUDGET_SECONDS):
            try:
                self.routes.channel_change(req)
            except Exception as exc:
                if not isinstance(exc, DomainError):
                    log.exception("teams.change_failed")
                tell_privately(req, _refusal(exc))

    def route(self, req: TeamsRequest) -> tuple[Handler | None, bool]:
        """The handler of a message (None: nobody's), and whether its work must be recorded
        before the ack (a mention command in a channel, a reply in a channel's reply chain, a
        1:1 reply): what someone wrote, lost if the process died before it ran."""
        if req.value and isinstance(req.value.get(VERB_KEY), str):
            return self._submitted, False
        word = req.text.partition(" ")[0].lower().strip(".!?")
        if req.personal:
            command = self.routes.personal_commands.get(word) or self.routes.commands.get(word)
        else:
            # In a channel only a message that @mentions msbot is a command; with the
            # resource-specific consent msbot sees every message there.
            command = self.routes.commands.get(word) if req.mentioned else None
        if command is not None:
            return command, not req.personal
        if req.thread_id and not req.personal and self.routes.channel_reply:
            return self.routes.channel_reply, True
        if req.personal and self.routes.personal_reply and req.text:
            return self.routes.personal_reply, True
        if self.fallback is not None and (req.personal or req.mentioned):
            return self.fallback, False
        return None, False

    def _submitted(self, req: TeamsRequest) -> None:
        # An Action.Submit on a card in a chat arrives as a message carrying its data.
        action = self.routes.actions.get(req.value[VERB_KEY])
        answer = action(req) if action else InvokeAnswer.tell(UNKNOWN)
        _answer_submit(req, answer)


def _dialog_id(req: TeamsRequest) -> str:
    """The verb of the button (or the extension's command id) names the dialog."""
    return str((req.value or {}).get(VERB_KEY) or "")


def _answer_submit(req: TeamsRequest, answer: InvokeAnswer) -> None:
    """An Action.Submit has no invoke response: a new card replaces the clicked one, a
    message goes to the person alone."""
    if answer.card is not None and req.reply_to_id:
        send(req, TeamsOut("msbot", card=answer.card, update_id=req.reply_to_id))
    elif answer.message:
        tell_privately(req, answer.message)


def send(req: TeamsRequest, out: TeamsOut, conversation_id: str | None = None) -> None:
    """Send ``out`` now (an answer to the person's own request, as Slack answers a command
    directly), into ``conversation_id`` or the request's conversation. Failures are logged:
    the person sees no answer, and nothing is half-done (the core's changes are committed)."""
    services = req.services
    target = conversation_id or out.conversation_id or req.conversation_id
    try:
        if out.update_id:
            services.connector.update(req.service_url, target, out.update_id, out.activity())
        elif out.reply_to:
            services.connector.reply(req.service_url, target, out.reply_to, out.activity())
        else:
            services.connector.post(req.service_url, target, out.activity())
    except ConnectorError as exc:
        log.warning("teams.send_failed", status=exc.status, code=exc.code)


def reply(req: TeamsRequest, text: str, card: dict | None = None) -> None:
    """Answer in the conversation the request came from (for a channel, in its reply chain)."""
    out = TeamsOut(text, card=card, reply_to=req.thread_id if not req.personal else None)
    send(req, out, req.channel_id if out.reply_to else req.conversation_id)


def tell_privately(req: TeamsRequest, text: str, card: dict | None = None) -> None:
    """Only for the person who asked: their 1:1 chat (the request's, or theirs with msbot
    when they asked in a channel). Never the channel."""
    if req.personal:
        send(req, TeamsOut(text, card=card))
        return
    bot_id = req.services.bot_id
    if not bot_id:
        log.warning("teams.private_answer_dropped", reason="no bot id")
        return
    try:
        chat = req.services.connector.open_personal_chat(
            req.service_url, bot_id, req.user.id, req.tenant_id
        )
    except ConnectorError as exc:
        log.warning("teams.private_answer_dropped", status=exc.status, code=exc.code)
        return
    send(req, TeamsOut(text, card=card), chat)
