"""Slack listeners for `/shadow`, its modals and its buttons: parse, call the core, render.

Buttons are acknowledged at once; the core call and the Slack calls that follow run after the
ack (Services.after_ack). On success the clicked message is re-rendered from the database
(which removes buttons that no longer apply); when the core refuses, the clicker alone is told
why and nothing changes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import structlog
from slack_bolt import Ack, App, Respond
from slack_sdk.errors import SlackApiError

from bot.db import transaction
from bot.errors import InvalidTransition, NotFound, NotPermitted, StoreUnavailable, ValidationFailed
from bot.shadowing import conflicts, hosts, placements, rounds, signup
from bot.shadowing import report as reporting
from handlers.commands import CommandRouter, record_id, whole_number
from handlers.services import Services
from handlers.shadowing import forms, messages
from handlers.slack_text import escape, safe, section
from models import ShadowApplicant

log = structlog.get_logger("msbot.shadowing")

router = CommandRouter(
    "/shadow",
    "*Work-shadowing:* civil servants spend time with voluntary-sector organisations, "
    "which offer places. Coordinators match people to places in rounds.",
    default="help",
)

UNAVAILABLE = (
    "Sorry, work-shadowing is unavailable right now because our database cannot be reached. "
    "Nothing was changed; please try again in a few minutes."
)
FAILED = (
    "Sorry, something went wrong on our side. Check `/shadow status` to see where things "
    "stand, and try again if nothing changed."
)
# The core's refusals: their messages are written to be shown to the person who asked.
REFUSALS = (NotPermitted, InvalidTransition, NotFound, ValidationFailed)

T = TypeVar("T")

# (services, id from the button's value, clicking user) -> the clicked message re-rendered
Work = Callable[[Services, int, str], tuple[str, list[dict]]]


def attempt(call: Callable[[], T]) -> tuple[T | None, Exception | None]:
    """Run one core call. A refusal or an outage comes back (not raised) as the second value,
    so each place that answers (a command reply, modal errors, a private message) words it
    once, the same way."""
    try:
        return call(), None
    except (*REFUSALS, StoreUnavailable) as exc:
        return None, exc


def explain(exc: Exception, prefix: str = "") -> str:
    """What to tell the user about a refusal (after ``prefix``) or an outage."""
    if isinstance(exc, StoreUnavailable):
        return UNAVAILABLE
    if isinstance(exc, ValidationFailed):
        return prefix + escape(" ".join(str(m) for m in exc.errors.values()))
    return prefix + escape(str(exc))


def _no_such(what: str, word: str, listed_by: str) -> str:
    return (
        f"There is no {what} {escape(word.strip()[:30])}: {what} numbers are whole numbers "
        f"like 12. {listed_by} lists them."
    )


def _is_coordinator(services: Services, user: str) -> bool:
    return user in services.settings.coordinator_user_ids


def _only_coordinators(ack: Ack, what: str) -> None:
    ack(text=f"Only work-shadowing coordinators can {what}.")


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


# --- slash command --------------------------------------------------------------------------


@router.sub("signup", "signup", "sign up to shadow a voluntary-sector organisation")
def _signup(services: Services, ack: Ack, body: dict, args: list[str]) -> None:
    user = body.get("user_id", "")
    try:
        with transaction(services.engine) as s:
            current = signup.active_signup(s, user)
            answer = messages.status_blocks(s, user) if current else None
    except StoreUnavailable:
        ack(text=UNAVAILABLE)
        return
    if answer:
        _, blocks = answer
        intro = section(
            "You already have an active sign-up, so you cannot sign up again. "
            "To start afresh, withdraw it first with `/shadow withdraw`."
        )
        ack(text="You already have an active sign-up.", blocks=[intro, *blocks])
        return
    # trigger_id expires after 3 seconds: acknowledge, then open the modal straight away.
    ack()
    services.after_ack(
        services.client.views_open,
        trigger_id=body.get("trigger_id"),
        view=forms.signup_modal(services.settings.departments),
    )


@router.sub("host", "host", "offer places at your organisation")
def _host(services: Services, ack: Ack, body: dict, args: list[str]) -> None:
    ack()
    services.after_ack(
        services.client.views_open,
        trigger_id=body.get("trigger_id"),
        view=forms.host_modal(services.settings.departments),
    )


@router.sub("status", "status", "your sign-up, the places you offer, your offers and placements")
def _status(services: Services, ack: Ack, body: dict, args: list[str]) -> None:
    try:
        with transaction(services.engine) as s:
            text, blocks = messages.status_blocks(s, body.get("user_id", ""))
    except StoreUnavailable:
        ack(text=UNAVAILABLE)
        return
    ack(text=text, blocks=blocks)


@router.sub("places", "places <host> <number>", "change how many places you offer")
def _places(services: Services, ack: Ack, body: dict, args: list[str]) -> None:
    host_id = whole_number(args[0]) if args else None
    capacity = whole_number(args[1]) if len(args) > 1 else None
    if len(args) != 2 or host_id is None or capacity is None:
        ack(
            text="Say which host and how many places, for example `/shadow places 12 3`. "
            "`/shadow status` lists your host numbers."
        )
        return
    host_id = record_id(args[0])
    if host_id is None:
        ack(text=_no_such("host", args[0], "`/shadow status`"))
        return
    _, problem = attempt(
        lambda: hosts.change_capacity(
            services.engine,
            host_id,
            user_id=body.get("user_id", ""),
            capacity=capacity,
            coordinators=services.settings.coordinator_user_ids,
        )
    )
    if problem:
        ack(text=explain(problem, "Nothing changed. "))
        return
    services.send_queued()
    places = "place" if capacity == 1 else "places"
    ack(text=f"Host {host_id} now offers {capacity} {places}.")


@router.sub("withdraw", "withdraw [reason]", "withdraw your sign-up (and any offer it has)")
def _withdraw(services: Services, ack: Ack, body: dict, args: list[str]) -> None:
    _, problem = attempt(
        lambda: signup.withdraw(
            services.engine,
            user_id=body.get("user_id", ""),
            reason=" ".join(args),
            now=services.now(),
        )
    )
    if problem:
        ack(text=explain(problem))
        return
    services.send_queued()
    ack(text="Your work-shadowing sign-up is withdrawn. Sign up again with `/shadow signup`.")


@router.sub("end", "end <placement> [reason]", "withdraw from one offer or placement")
def _end(services: Services, ack: Ack, body: dict, args: list[str]) -> None:
    placement_id = whole_number(args[0]) if args else None
    if placement_id is None:
        ack(
            text="Say which placement, for example `/shadow end 7 our staff member is ill`. "
            "`/shadow status` lists your placement numbers."
        )
        return
    placement_id = record_id(args[0])
    if placement_id is None:
        ack(text=_no_such("placement", args[0], "`/shadow status`"))
        return
    _, problem = attempt(
        lambda: placements.withdraw_placement(
            services.engine,
            placement_id,
            user_id=body.get("user_id", ""),
            reason=" ".join(args[1:]),
            now=services.now(),
        )
    )
    if problem:
        ack(text=explain(problem, "Nothing changed. "))
        return
    services.send_queued()
    ack(text=f"Placement {placement_id} is withdrawn; the other side has been told.")


@router.sub("round", "round", "coordinators: dry-run the next matching round, then commit it")
def _round(services: Services, ack: Ack, body: dict, args: list[str]) -> None:
    if not _is_coordinator(services, body.get("user_id", "")):
        _only_coordinators(ack, "run matching rounds")
        return
    ack(text="Working out a dry run of the next matching round…")
    services.in_background(_dry_run, services, body.get("channel_id"), body.get("user_id", ""))


def _dry_run(services: Services, channel: str | None, user: str) -> None:
    matched, problem = attempt(
        lambda: rounds.dry_run(
            services.engine,
            by_user_id=user,
            coordinators=services.settings.coordinator_user_ids,
            now=services.now(),
        )
    )
    if problem:
        post_privately(services, channel, user, explain(problem))
        return
    post_privately(services, channel, user, *messages.round_summary(matched))


@router.sub("report", "report", "coordinators: figures for the scheme so far")
def _report(services: Services, ack: Ack, body: dict, args: list[str]) -> None:
    if not _is_coordinator(services, body.get("user_id", "")):
        _only_coordinators(ack, "see the report")
        return
    ack(text="Working on the report…")
    services.in_background(_send_report, services, body.get("channel_id"), body.get("user_id", ""))


def _send_report(services: Services, channel: str | None, user: str) -> None:
    try:
        with transaction(services.engine) as s:
            report = reporting.build_report(s, now=services.now())
    except StoreUnavailable:
        post_privately(services, channel, user, UNAVAILABLE)
        return
    post_privately(services, channel, user, *messages.report_blocks(report))


@router.sub("conflicts", "conflicts", "coordinators: list active conflicts of interest")
def _conflicts(services: Services, ack: Ack, body: dict, args: list[str]) -> None:
    if not _is_coordinator(services, body.get("user_id", "")):
        _only_coordinators(ack, "see conflicts of interest")
        return
    try:
        with transaction(services.engine) as s:
            text, blocks = messages.conflicts_blocks(s, list(conflicts.list_conflicts(s)))
    except StoreUnavailable:
        ack(text=UNAVAILABLE)
        return
    ack(text=text, blocks=blocks)


@router.sub(
    "clear",
    "clear <conflict> <safeguards>",
    "coordinators: clear a conflict once safeguards are agreed",
)
def _clear(services: Services, ack: Ack, body: dict, args: list[str]) -> None:
    user = body.get("user_id", "")
    if not _is_coordinator(services, user):
        _only_coordinators(ack, "clear conflicts of interest")
        return
    conflict_id = whole_number(args[0]) if args else None
    if conflict_id is None or len(args) < 2:
        ack(
            text="Say which conflict and the safeguards agreed, for example "
            "`/shadow clear 4 Will not see papers on the grants programme`. "
            "`/shadow conflicts` lists them."
        )
        return
    conflict_id = record_id(args[0])
    if conflict_id is None:
        ack(text=_no_such("conflict", args[0], "`/shadow conflicts`"))
        return
    _, problem = attempt(
        lambda: conflicts.clear_conflict(
            services.engine,
            conflict_id,
            by_user_id=user,
            coordinators=services.settings.coordinator_user_ids,
            safeguards=" ".join(args[1:]),
            now=services.now(),
        )
    )
    if problem:
        ack(text=explain(problem, "Nothing changed. "))
        return
    ack(text=f"Conflict {conflict_id} is cleared; the pair can be matched in the next round.")


@router.sub("help", "help", "show this help")
def _help(services: Services, ack: Ack, body: dict, args: list[str]) -> None:
    ack(text=router.help_text())


# --- buttons --------------------------------------------------------------------------------


def _clicker(body: dict) -> str:
    return (body.get("user") or {}).get("id", "")


def _clicked_channel(body: dict) -> str | None:
    return (body.get("container") or {}).get("channel_id") or (body.get("channel") or {}).get("id")


def tell_clicker(services: Services, body: dict, text: str) -> None:
    post_privately(services, _clicked_channel(body), _clicker(body), text)


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


def handle_click(services: Services, body: dict, respond: Respond, work: Work) -> None:
    action = (body.get("actions") or [{}])[0]
    target = record_id(action.get("value"))
    if target is None:
        tell_clicker(services, body, "Sorry, that button no longer works.")
        return
    try:
        text, blocks = work(services, target, _clicker(body))
    except REFUSALS as exc:
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


def _decide(approve: bool) -> Work:
    def work(services: Services, applicant_id: int, user: str):
        signup.decide(
            services.engine,
            applicant_id,
            manager_user_id=user,
            approve=approve,
            now=services.now(),
        )
        with transaction(services.engine) as s:
            return messages.approval_request(s.get(ShadowApplicant, applicant_id))

    return work


def _respond_to_offer(accept: bool) -> Work:
    def work(services: Services, placement_id: int, user: str):
        placements.respond(
            services.engine, placement_id, user_id=user, accept=accept, now=services.now()
        )
        with transaction(services.engine) as s:
            p = messages.parties(s, placement_id)
            return messages.offer(p, messages.side_of(p, user))

    return work


def _complete(services: Services, placement_id: int, user: str):
    placements.complete(services.engine, placement_id, user_id=user, today=services.today())
    with transaction(services.engine) as s:
        p = messages.parties(s, placement_id)
        return messages.offer_update(p, "completed", messages.side_of(p, user))


def _commit_round(services: Services, round_id: int, user: str):
    # The core refuses a second commit of the same round with a message saying so.
    committed = rounds.commit(
        services.engine,
        round_id,
        by_user_id=user,
        coordinators=services.settings.coordinator_user_ids,
        now=services.now(),
        expiry_days=services.settings.offer_expiry_days,
    )
    return messages.round_committed(committed, services.settings.offer_expiry_days)


def open_placement_modal(services: Services, body: dict, view_for: Callable, feedback: bool):
    """Open the schedule or feedback modal for the placement on the clicked button."""
    user = _clicker(body)
    placement_id = record_id(((body.get("actions") or [{}])[0]).get("value"))
    try:
        with transaction(services.engine) as s:
            p = messages.find_parties(s, placement_id)
            problem = messages.cannot_open(s, p, user, feedback=feedback)
    except StoreUnavailable:
        problem = UNAVAILABLE
    if problem:
        tell_clicker(services, body, problem)
        return
    services.client.views_open(trigger_id=body.get("trigger_id"), view=view_for(placement_id))


# --- modals ---------------------------------------------------------------------------------


def _submitter(body: dict) -> str:
    user = (body.get("user") or {}).get("id", "")
    structlog.contextvars.bind_contextvars(user=user)
    return user


def _refused(ack: Ack, fields: tuple[str, ...], exc: Exception) -> None:
    """A refusal shown in the modal: by field where the core names one, else on the first.
    Modal errors are plain text, so they are not mrkdwn-escaped."""
    if isinstance(exc, ValidationFailed):
        errors = exc.errors
    else:
        errors = {fields[0]: UNAVAILABLE if isinstance(exc, StoreUnavailable) else str(exc)}
    ack(response_action="errors", errors=forms.errors_for(fields, errors))


def register(app: App, services: Services) -> None:
    @app.command("/shadow")
    def shadow_command(ack: Ack, body: dict) -> None:
        router.dispatch(services, ack, body)

    def on_click(action_id: str, work: Work) -> None:
        def listener(ack: Ack, body: dict, respond: Respond) -> None:
            ack()
            services.after_ack(handle_click, services, body, respond, work)

        app.action(action_id)(listener)

    on_click(messages.APPROVE, _decide(True))
    on_click(messages.DECLINE, _decide(False))
    on_click(messages.OFFER_ACCEPT, _respond_to_offer(True))
    on_click(messages.OFFER_DECLINE, _respond_to_offer(False))
    on_click(messages.COMPLETE, _complete)
    on_click(messages.ROUND_COMMIT, _commit_round)

    @app.action(messages.SCHEDULE_OPEN)
    def schedule_clicked(ack: Ack, body: dict) -> None:
        ack()
        services.after_ack(open_placement_modal, services, body, forms.schedule_modal, False)

    @app.action(messages.FEEDBACK_OPEN)
    def feedback_clicked(ack: Ack, body: dict) -> None:
        ack()
        services.after_ack(open_placement_modal, services, body, forms.feedback_modal, True)

    @app.view(forms.SIGNUP_CALLBACK)
    def signup_submitted(ack: Ack, body: dict, view: dict) -> None:
        user = _submitter(body)
        applicant, problem = attempt(
            lambda: signup.sign_up(
                services.engine,
                forms.read_signup(view),
                user_id=user,
                submission_key=view.get("id"),
                today=services.today(),
                departments=services.settings.departments,
            )
        )
        if problem:
            _refused(ack, forms.SIGNUP_FIELDS, problem)
            return
        ack(response_action="update", view=forms.signup_done(applicant.manager_user_id))
        services.send_queued()

    @app.view(forms.HOST_CALLBACK)
    def host_submitted(ack: Ack, body: dict, view: dict) -> None:
        user = _submitter(body)
        host, problem = attempt(
            lambda: hosts.offer_places(
                services.engine,
                forms.read_host(view),
                user_id=user,
                submission_key=view.get("id"),
                today=services.today(),
                departments=services.settings.departments,
            )
        )
        if problem:
            _refused(ack, forms.HOST_FIELDS, problem)
            return
        view_done = forms.host_done(host.id, safe(host.organisation, 200), host.capacity)
        ack(response_action="update", view=view_done)
        services.send_queued()

    @app.view(forms.SCHEDULE_CALLBACK)
    def schedule_submitted(ack: Ack, body: dict, view: dict) -> None:
        user = _submitter(body)
        start, end = forms.read_schedule(view)
        chosen = dict(zip(forms.SCHEDULE_FIELDS, (start, end), strict=True))
        missing = {f: "Choose a date." for f, d in chosen.items() if d is None}
        if missing:
            ack(response_action="errors", errors=missing)
            return
        _, problem = attempt(
            lambda: placements.schedule(
                services.engine,
                forms.placement_id(view),
                user_id=user,
                start_date=start,
                end_date=end,
                today=services.today(),
            )
        )
        if problem:
            _refused(ack, forms.SCHEDULE_FIELDS, problem)
            return
        text = (
            f"The placement runs from *{messages.day(start)}* to *{messages.day(end)}*. "
            "Both sides have been told."
        )
        ack(response_action="update", view=forms.done_view("Dates saved", text))
        services.send_queued()

    @app.view(forms.FEEDBACK_CALLBACK)
    def feedback_submitted(ack: Ack, body: dict, view: dict) -> None:
        user = _submitter(body)
        worthwhile, learned, recommend = forms.read_feedback(view)
        missing = {}
        if worthwhile is None:
            missing["worthwhile"] = "Choose a number from 1 to 5."
        if recommend is None:
            missing["would_recommend"] = "Choose yes or no."
        if missing:
            ack(response_action="errors", errors=missing)
            return
        _, problem = attempt(
            lambda: placements.give_feedback(
                services.engine,
                forms.placement_id(view),
                user_id=user,
                worthwhile=worthwhile,
                learned=learned,
                would_recommend=recommend,
            )
        )
        if problem:
            _refused(ack, forms.FEEDBACK_FIELDS, problem)
            return
        ack(
            response_action="update",
            view=forms.done_view("Thank you", "Your feedback is saved. Thank you for taking part."),
        )
        services.send_queued()
