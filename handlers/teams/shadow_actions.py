"""The buttons on work-shadowing cards in Teams (Action.Execute invokes): the manager's Approve
and Decline, Accept and Decline on an offer, the placement's dates and "Mark completed", the
feedback, the coordinator's "Commit round", and the sign-up and host forms' own buttons.

Each runs the same core operation as Slack's, with the presser as the core's Actor (the policy
decides), and answers with the pressed card redrawn from what is true now; a refusal is told to
the presser alone and leaves the card as it was. A retried invoke does nothing twice: the core
refuses a second decision or answer, and a form's submission token stores one sign-up or host.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial

from bot.db import transaction
from bot.errors import StoreUnavailable, ValidationFailed
from bot.shadowing import hosts, placements, rounds, signup, views
from handlers.teams import shadow_forms as forms
from handlers.teams.cards import submitted
from handlers.teams.requests import TeamsRequest
from handlers.teams.routes import InvokeAnswer, Routes
from handlers.teams.shadow_cards import (
    APPLICANT_KEY,
    APPROVE,
    COMPLETE,
    DECLINE,
    FEEDBACK,
    HOST,
    OFFER_ACCEPT,
    OFFER_DECLINE,
    PLACEMENT_KEY,
    ROUND_COMMIT,
    ROUND_KEY,
    SCHEDULE,
    SIGNUP,
)
from handlers.teams.shadow_common import (
    NO_LONGER_WORKS,
    UNAVAILABLE,
    attempt,
    delivered,
    departments,
    expiry_days,
    explain,
    now,
    private,
    record_id,
    today,
    updated,
)
from handlers.teams.shadow_notices import (
    FEEDBACK_FIELDS,
    SCHEDULE_FIELDS,
    approval_request,
    feedback_request,
    offer,
    offer_update,
)
from handlers.teams.shadow_people import colleagues, manager_person, unreachable
from handlers.teams.shadow_status_cards import round_committed

DONE_NOT_REDRAWN = (
    'Done, but this card could not be redrawn: the database stopped answering. Type "shadow '
    'status" to see where things stand.'
)
# A submission token is carried back by the card; the core's key says whose it is.
KEY_PREFIX = "teams"


def _target(req: TeamsRequest, key: str) -> tuple[int | None, dict[str, str]]:
    _, _, data = submitted(req.value)
    return record_id(data.get(key)), data


def _placement_card(req: TeamsRequest, placement_id: int, draw: Callable) -> InvokeAnswer:
    with transaction(req.services.engine) as s:
        p = views.placement_view(s, placement_id)
    if p is None:
        return private(NO_LONGER_WORKS)
    return updated(draw(p, p.side_of(req.actor().person_id))[1])


def _acting(key: str, change: Callable, redraw: Callable) -> Callable:
    """A button that runs ``change(req, record id)`` and answers ``redraw(req, record id,
    what the change returned)``."""

    def act(req: TeamsRequest) -> InvokeAnswer:
        target, _ = _target(req, key)
        if target is None:
            return private(NO_LONGER_WORKS)
        result, problem = attempt(lambda: change(req, target))
        if problem:
            # A refusal can still have queued notices (a late answer lapses the offer at once).
            delivered(req)
            return private(explain(problem))
        delivered(req)
        try:
            return redraw(req, target, result)
        except StoreUnavailable:
            return private(DONE_NOT_REDRAWN)

    return act


def _decide(approve: bool) -> Callable:
    def change(req, applicant_id):
        signup.decide(
            req.services.engine, applicant_id, actor=req.actor(), approve=approve, now=now(req)
        )

    def redraw(req, applicant_id, _):
        with transaction(req.services.engine) as s:
            return updated(approval_request(views.applicant(s, applicant_id))[1])

    return _acting(APPLICANT_KEY, change, redraw)


def _respond(accept: bool) -> Callable:
    def change(req, placement_id):
        placements.respond(
            req.services.engine, placement_id, actor=req.actor(), accept=accept, now=now(req)
        )

    return _acting(PLACEMENT_KEY, change, lambda req, pid, _: _placement_card(req, pid, offer))


def _complete(req: TeamsRequest, placement_id: int) -> None:
    placements.complete(req.services.engine, placement_id, actor=req.actor(), today=today(req))


def _commit_round(req: TeamsRequest, round_id: int):
    return rounds.commit(
        req.services.engine,
        round_id,
        actor=req.actor(),
        now=now(req),
        expiry_days=expiry_days(req),
    )


def _round_committed(req: TeamsRequest, round_id: int, committed) -> InvokeAnswer:
    return updated(round_committed(views.round_view(committed), expiry_days(req))[1])


# --- the cards that are forms ----------------------------------------------------------------


def _form_answer(
    req: TeamsRequest, fields, missing: Mapping[str, str], change: Callable, draw: Callable
) -> InvokeAnswer:
    """Run ``change(engine, placement id, actor=...)`` (the core call with the answers bound)
    unless an answer is missing; a refusal by field redraws the card with the reasons under
    the fields and the answers kept."""
    placement_id, answers = _target(req, PLACEMENT_KEY)
    if placement_id is None:
        return private(NO_LONGER_WORKS)
    errors = dict(missing)
    if not errors:
        _, problem = attempt(lambda: change(req.services.engine, placement_id, actor=req.actor()))
        if isinstance(problem, ValidationFailed):
            errors = dict(problem.errors)
        elif problem:
            return private(explain(problem))
    delivered(req)
    kept = {f.id: answers.get(f.id) for f in fields}
    try:
        return _placement_card(
            req,
            placement_id,
            lambda p, side: draw(p, side, kept if errors else None, errors or None),
        )
    except StoreUnavailable:
        return private(UNAVAILABLE if errors else DONE_NOT_REDRAWN)


def _dates_card(p, side, values, errors):
    # Refused dates leave the placement unscheduled: its form again, with the reasons.
    return offer_update(p, "confirmed" if errors else "scheduled", side, values, errors)


def schedule(req: TeamsRequest) -> InvokeAnswer:
    _, answers = _target(req, PLACEMENT_KEY)
    start, end = forms.day_of(answers, "start_date"), forms.day_of(answers, "end_date")
    missing = {f: "Choose a date." for f, d in (("start_date", start), ("end_date", end)) if not d}
    change = partial(placements.schedule, start_date=start, end_date=end, today=today(req))
    return _form_answer(req, SCHEDULE_FIELDS, missing, change, _dates_card)


def feedback(req: TeamsRequest) -> InvokeAnswer:
    _, answers = _target(req, PLACEMENT_KEY)
    score = answers.get("worthwhile", "")
    worthwhile = int(score) if score in {"1", "2", "3", "4", "5"} else None
    recommend = {"yes": True, "no": False}.get(answers.get("would_recommend", ""))
    missing = {}
    if worthwhile is None:
        missing["worthwhile"] = "Choose a number from 1 to 5."
    if recommend is None:
        missing["would_recommend"] = "Choose yes or no."
    change = partial(
        placements.give_feedback,
        worthwhile=worthwhile,
        learned=answers.get("learned", ""),
        would_recommend=recommend,
    )
    return _form_answer(req, FEEDBACK_FIELDS, missing, change, feedback_request)


def _key(req: TeamsRequest, token: str | None) -> str | None:
    if not token:
        return None
    return f"{KEY_PREFIX}:{req.actor().person_id}:{token[:60]}"


def sign_up(req: TeamsRequest) -> InvokeAnswer:
    _, token, answers = submitted(req.value)
    if not token:
        return private(NO_LONGER_WORKS)
    engine = req.services.engine

    def run():
        manager = manager_person(req, answers.get(forms.MANAGER_FIELD, ""))
        form = forms.read_signup(answers, manager)
        stored = signup.sign_up(
            engine,
            form,
            actor=req.actor(),
            submission_key=_key(req, token),
            today=today(req),
            departments=departments(req),
        )
        with transaction(engine) as s:
            return views.applicant(s, stored.id)

    stored, problem = attempt(run)
    if isinstance(problem, ValidationFailed):
        try:
            listed = colleagues(req)
        except StoreUnavailable:
            return private(UNAVAILABLE)
        card = forms.signup_card(departments(req), listed, token, answers, problem.errors)
        return updated(card)
    if problem:
        return private(explain(problem))
    delivered(req)
    return updated(_signup_received(req, stored))


def _signup_received(req: TeamsRequest, stored) -> dict:
    manager = stored.manager.name if stored.manager and stored.manager.name else "your line manager"
    text = (
        f"Thank you. We have asked {manager} to approve your sign-up; you will get a message "
        'when they have. Type "shadow status" any time to see progress.'
    )
    try:
        waiting = unreachable(req, stored.manager.id if stored.manager else None)
    except StoreUnavailable:
        waiting = False
    if waiting:
        text += (
            f" {manager} has not added msbot in Teams, so msbot cannot send them the request: "
            'ask them to add msbot (Apps, then search for msbot), then type "shadow withdraw" '
            "and sign up again."
        )
    return forms.done_card("Sign-up received", text)


def offer_places(req: TeamsRequest) -> InvokeAnswer:
    _, token, answers = submitted(req.value)
    if not token:
        return private(NO_LONGER_WORKS)
    host, problem = attempt(
        lambda: hosts.offer_places(
            req.services.engine,
            forms.read_host(answers),
            actor=req.actor(),
            submission_key=_key(req, token),
            today=today(req),
            departments=departments(req),
        )
    )
    if isinstance(problem, ValidationFailed):
        return updated(forms.host_card(departments(req), token, answers, problem.errors))
    if problem:
        return private(explain(problem))
    delivered(req)
    places = "place" if host.capacity == 1 else "places"
    return updated(
        forms.done_card(
            "Places offered",
            f"Thank you. {host.organisation} is offering {host.capacity} {places} (host number "
            f"{host.id}). We will message you when a round finds you a match. Change the number "
            f'with "shadow places {host.id} <number>".',
        )
    )


ROUTES = Routes(
    actions={
        APPROVE: _decide(True),
        DECLINE: _decide(False),
        OFFER_ACCEPT: _respond(True),
        OFFER_DECLINE: _respond(False),
        COMPLETE: _acting(
            PLACEMENT_KEY,
            _complete,
            lambda req, pid, _: _placement_card(
                req, pid, lambda p, side: offer_update(p, "completed", side)
            ),
        ),
        SCHEDULE: schedule,
        FEEDBACK: feedback,
        ROUND_COMMIT: _acting(ROUND_KEY, _commit_round, _round_committed),
        SIGNUP: sign_up,
        HOST: offer_places,
    }
)
