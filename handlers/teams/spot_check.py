"""Opening a spot check in Teams (Slack's `/complaint spotcheck` and its modal): a case the
team starts itself, with the complaint form's fields less the supplier's own, checked by the
core (bot.complaints.spotcheck, which also asks the policy: investigators and leads only).

Three ways in, one submission path:
- the message extension's "Open a spot check" command opens the form as a dialog;
- `spotcheck` in the 1:1 chat answers (to investigators and leads; anyone else is refused in
  that chat) with a card that is the form itself, as the Agents Playground opens no dialog
  from a card button, and a button opening the same form as a dialog where Teams can.
Each form carries a submission token made when it was drawn, so a double click or a repeated
delivery stores one case; a refused answer brings the form back with every answer kept and
the reason under its field. The new case gets its triage card through the outbox like any
other (the core queues it in the same transaction).
"""

from __future__ import annotations

import dataclasses

import structlog

from bot.complaints import intake, investigation
from bot.complaints import policy as complaint_policy
from bot.db import CommitUncertain, deadline
from bot.errors import DomainError, StoreUnavailable, ValidationFailed
from handlers.teams.card_forms import dialog_form, form_inputs
from handlers.teams.cards import (
    TOKEN_KEY,
    adaptive_card,
    execute_action,
    heading,
    new_submission_token,
    shorten_texts,
    submitted,
    text_block,
)
from handlers.teams.complaints import dialog as complaint_dialog
from handlers.teams.dispatch import tell_privately
from handlers.teams.keys import SUBMISSION_KEY_MAX, bounded_key
from handlers.teams.package import OPEN_SPOT_CHECK_COMMAND
from handlers.teams.requests import TeamsRequest
from handlers.teams.routes import InvokeAnswer, Routes
from handlers.teams.welcome import open_dialog_button

log = structlog.get_logger("msbot.teams.spot_check")

DIALOG = "spotcheck"  # the dialog's id: the 1:1 card's dialog button and the dialog's submit
CARD_VERB = "spotcheck.card"  # the 1:1 card's own submit (Action.Execute)
TITLE = "Open a spot check"
INTRO = (
    "Open a case the team starts itself after reading procurement documents. It follows the "
    "same workflow as a complaint, with no supplier to keep informed."
)
# Slack's spot-check modal leaves these out: a spot check has no supplier.
SUPPLIER_FIELDS = frozenset({"organisation_name", "organisation_type", "anonymous"})
FIELDS = tuple(f for f in complaint_dialog.FIELDS if f.id not in SUPPLIER_FIELDS)
WHOLE_FORM = complaint_dialog.WHOLE_FORM
NO_TOKEN = 'This form no longer works. Type "spotcheck" for a new one.'
UNAVAILABLE = (
    "Sorry, we could not open the spot check because our database is unavailable. Nothing "
    "was saved. Please press the button again in a few minutes."
)


def dialog_card(values=None, errors=None, token: str | None = None) -> dict:
    return dialog_form(
        FIELDS,
        verb=DIALOG,
        submission_token=token or new_submission_token(),
        submit_title="Open case",
        intro=INTRO,
        values=values,
        errors=errors,
    )


def chat_card(values=None, errors=None, token: str | None = None) -> dict:
    """The form as a card in the 1:1 chat: its own inputs and "Open case" (the fallback where
    no dialog opens), and a button opening the same form as a dialog."""
    card = adaptive_card(
        [heading(TITLE), text_block(INTRO), *form_inputs(FIELDS, values=values, errors=errors)],
        [
            execute_action(
                "Open case",
                CARD_VERB,
                {TOKEN_KEY: token or new_submission_token()},
                style="positive",
            ),
            open_dialog_button("Use a dialog instead", DIALOG),
        ],
    )
    shorten_texts(card, inputs=True)
    return card


def opened_card(reference: str) -> dict:
    return adaptive_card([heading("Spot check opened"), text_block(opened_text(reference))])


def opened_text(reference: str) -> str:
    return f"Case {reference} is open; its card is in the triage channel."


def _open(req: TeamsRequest, answers: dict[str, str], token: str):
    """The case opened (or found, for a repeat of the same token), or the errors to show
    under the form's fields (WHOLE_FORM: at its top)."""
    services = req.services
    form = dataclasses.replace(
        complaint_dialog.read_form(answers),
        organisation_name="",
        organisation_type="other",
        anonymous=False,
    )
    try:
        with deadline():
            actor = req.actor()
            result = investigation.open_spot_check(
                services.engine,
                form,
                actor,
                services.today(),
                intake.IntakePolicy(
                    sla_central_months=services.settings.sla_central_months,
                    sla_wider_months=services.settings.sla_wider_months,
                ),
                # The person's own, and apart from their complaints' tokens: a replayed token
                # opens (or finds) the replayer's case, never shows someone else's.
                submission_key=bounded_key(
                    "spot", actor.person_id, token, limit=SUBMISSION_KEY_MAX
                ),
            )
    except ValidationFailed as exc:
        return None, dict(exc.errors)
    except CommitUncertain:
        log.error("spot_check.commit_uncertain")
        return None, {WHOLE_FORM: complaint_dialog.UNCONFIRMED}
    except StoreUnavailable:
        log.error("spot_check.store_unavailable")
        return None, {WHOLE_FORM: UNAVAILABLE}
    except DomainError as exc:  # the policy's refusal, in its own words
        return None, {WHOLE_FORM: str(exc)}
    case = result.complaint
    if result.created:
        services.send_queued()  # its triage card
        services.after_commit(complaint_dialog.group_new_case, services, case.id)
    return case, None


def _token(req: TeamsRequest) -> tuple[str | None, dict[str, str]]:
    _, token, answers = submitted(req.value)
    if not token or not complaint_dialog.TOKEN_PATTERN.fullmatch(token):
        return None, answers
    return token, answers


def open_dialog(req: TeamsRequest) -> dict:
    # Refused before the form opens (the core asks again on submission); the dispatcher shows
    # the refusal in the dialog, to this person only.
    complaint_policy.require(req.actor(), "spotcheck")
    return dialog_card()


def submit_dialog(req: TeamsRequest) -> InvokeAnswer:
    token, answers = _token(req)
    if token is None:
        return InvokeAnswer.show(dialog_card(answers), TITLE)
    case, errors = _open(req, answers, token)
    if errors:
        return InvokeAnswer.show(dialog_card(answers, errors, token), TITLE)
    return InvokeAnswer.tell(opened_text(case.reference))


def submit_card(req: TeamsRequest) -> InvokeAnswer:
    token, answers = _token(req)
    if token is None:
        return InvokeAnswer.tell(NO_TOKEN)
    case, errors = _open(req, answers, token)
    if errors:
        return InvokeAnswer.updated(chat_card(answers, errors, token))
    return InvokeAnswer.updated(opened_card(case.reference))


def spotcheck_command(req: TeamsRequest) -> None:
    """`spotcheck` in the 1:1 chat: the form, to investigators and leads (the policy's
    refusal is told by the dispatcher, in the same chat)."""
    complaint_policy.require(req.actor(), "spotcheck")
    tell_privately(req, TITLE, chat_card())


DIALOG_ROUTE = (open_dialog, submit_dialog)
ROUTES = Routes(
    personal_commands={"spotcheck": spotcheck_command},
    actions={CARD_VERB: submit_card},
    dialogs={DIALOG: DIALOG_ROUTE, OPEN_SPOT_CHECK_COMMAND: DIALOG_ROUTE},
)
