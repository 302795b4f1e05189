"""Block Kit for work-shadowing: the outbox DMs, clicked-message updates and command answers.

Everything is rendered from the current database state, so a message sent late, or re-rendered
after a click, shows what is true now (for instance without buttons once a decision is made).

Privacy: conflicts of interest (and why they exist) are shown only by `conflicts_blocks`, which
only coordinators can ask for. Nothing sent to applicants, hosts or managers mentions them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlmodel import Session, select

from bot.clock import UK
from bot.outbox import PermanentDeliveryError
from bot.shadowing import catalog, hosts, notices, placements, signup
from bot.shadowing.report import Report
from handlers.slack_text import (
    SECTION_TEXT_MAX,
    context,
    escape,
    fields_section,
    header,
    mention,
    plain,
    safe,
    section,
)
from models import (
    ShadowApplicant,
    ShadowConflict,
    ShadowFeedback,
    ShadowHost,
    ShadowPlacement,
    ShadowRound,
)

# Action ids of the buttons this module puts in messages; listeners.py handles each.
APPROVE = "shadow_approve"
DECLINE = "shadow_decline"
OFFER_ACCEPT = "shadow_offer_accept"
OFFER_DECLINE = "shadow_offer_decline"
SCHEDULE_OPEN = "shadow_schedule_open"
COMPLETE = "shadow_complete"
FEEDBACK_OPEN = "shadow_feedback_open"
ROUND_COMMIT = "shadow_round_commit"

LONG_TEXT = 1500
NAME = 200
STATUS_LIST_MAX = 15
CONFLICTS_MAX = 40
REPORT_ROWS_MAX = 25

APPLICANT_STATUS = {
    "pending_approval": "waiting for your line manager's approval",
    "declined": "not approved by your line manager",
    "queued": "in the queue for the next matching round",
    "offered": "offered a placement: reply to the offer in your direct messages",
    "placed": "placed with a host",
    "completed": "completed",
    "withdrawn": "withdrawn",
}
PLACEMENT_STATUS = {
    "offered": "offered, waiting for both sides to accept",
    "accepted": "confirmed",
    "scheduled": "confirmed, dates set",
    "completed": "completed",
    "declined": "declined",
    "expired": "expired",
    "withdrawn": "withdrawn",
}
# The matching engine's reasons for leaving an applicant unmatched, as coordinators read them.
UNMATCHED_REASONS = {
    "no acceptable host": "no suitable host",
    "conflict": "conflict of interest",
    "capacity": "suitable hosts were full",
}
CONFIRMED = ("accepted", "scheduled", "completed")


# --- small pieces ---------------------------------------------------------------------------


def day(d: date | None) -> str:
    return f"{d:%-d %b %Y}" if d else "not set"


def uk_day(moment: datetime | None) -> str:
    """The UK date of a stored timestamp (SQLite hands timestamps back without a zone)."""
    if moment is None:
        return "not set"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return day(moment.astimezone(UK).date())


def label(choices, value: str | None) -> str:
    return escape(dict(choices).get(value, value or ""))


def labels(choices, values) -> str:
    return ", ".join(label(choices, v) for v in values or ()) or "none given"


def button(text: str, action_id: str, value, *, style: str | None = None, confirm=None) -> dict:
    element = {
        "type": "button",
        "action_id": action_id,
        "text": plain(text, 75),
        "value": str(value),
    }
    if style:
        element["style"] = style
    if confirm:
        title, body, yes = confirm
        element["confirm"] = {
            "title": plain(title, 100),
            "text": plain(body, 300),
            "confirm": plain(yes, 30),
            "deny": plain("Cancel", 30),
        }
    return element


def actions(block_id: str, *buttons: dict) -> dict:
    return {"type": "actions", "block_id": block_id, "elements": list(buttons)}


def chunked_sections(lines: list[str]) -> list[dict]:
    """Lines joined into as few sections as Block Kit's 3,000-character limit allows."""
    blocks, current = [], ""
    for line in lines:
        line = line[:SECTION_TEXT_MAX]
        if current and len(current) + 1 + len(line) > SECTION_TEXT_MAX:
            blocks.append(section(current))
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    if current:
        blocks.append(section(current))
    return blocks


@dataclass(frozen=True)
class Parties:
    placement: ShadowPlacement
    applicant: ShadowApplicant
    host: ShadowHost

    @property
    def organisation(self) -> str:
        return safe(self.host.organisation, NAME)

    def response(self, side: str) -> str | None:
        if side == "applicant":
            return self.placement.applicant_response
        return self.placement.host_response


def find_parties(session: Session, placement_id: int | None) -> Parties | None:
    placement = session.get(ShadowPlacement, placement_id) if placement_id else None
    if placement is None:
        return None
    applicant = session.get(ShadowApplicant, placement.applicant_id)
    host = session.get(ShadowHost, placement.host_id)
    if applicant is None or host is None:
        return None
    return Parties(placement, applicant, host)


def parties(session: Session, placement_id: int | None) -> Parties:
    found = find_parties(session, placement_id)
    if found is None:
        raise PermanentDeliveryError(f"placement {placement_id} no longer exists")
    return found


def side_of(p: Parties, user_id: str) -> str:
    """Which side of a placement a user is on (the applicant, if somehow both)."""
    return "applicant" if p.applicant.user_id == user_id else "host"


def _other(side: str) -> str:
    return "the host" if side == "applicant" else "the civil servant"


def _applicant_fields(a: ShadowApplicant) -> list[tuple[str, str]]:
    return [
        ("Department", safe(a.department, NAME)),
        ("Grade", label(catalog.GRADES, a.grade)),
        ("Role", safe(a.role, NAME)),
        ("Region", label(catalog.REGIONS, a.region)),
        ("Way of working", label(catalog.MODES, a.mode)),
        ("Available", f"{day(a.available_from)} to {day(a.available_to)}"),
        ("Length", label(catalog.LENGTHS, a.length)),
        ("Interests", labels(catalog.INTEREST_AREAS, a.interests)),
    ]


def _host_fields(h: ShadowHost) -> list[tuple[str, str]]:
    return [
        ("Organisation", safe(h.organisation, NAME)),
        ("Areas", labels(catalog.INTEREST_AREAS, h.areas)),
        ("Region", label(catalog.REGIONS, h.region)),
        ("Way of working", label(catalog.MODES, h.mode)),
        ("Available", f"{day(h.available_from)} to {day(h.available_to)}"),
    ]


# --- sign-up approval -----------------------------------------------------------------------


def approval_request(a: ShadowApplicant) -> tuple[str, list[dict]]:
    text = f"{mention(a.user_id)} asks for your approval to join work-shadowing."
    blocks = [
        section(
            f"{mention(a.user_id)} would like to join the work-shadowing scheme and needs your "
            "approval as their line manager."
        ),
        fields_section(_applicant_fields(a)),
        section(f"*What they want to learn*\n{safe(a.learning_goals, LONG_TEXT)}"),
    ]
    if a.status == "pending_approval":
        blocks.append(
            actions(
                "shadow_approval",
                button("Approve", APPROVE, a.id, style="primary"),
                button(
                    "Decline",
                    DECLINE,
                    a.id,
                    style="danger",
                    confirm=("Decline sign-up?", "They will be told you did not approve.", "Yes"),
                ),
            )
        )
    elif a.status == "declined":
        blocks.append(context("You did not approve this sign-up."))
    elif a.status == "withdrawn":
        blocks.append(context("This sign-up was withdrawn."))
    else:
        blocks.append(context("Approved: they are in the scheme."))
    return text, blocks


def approval_result(session: Session, a: ShadowApplicant, approved: bool) -> tuple[str, list[dict]]:
    if not approved:
        text = "Your line manager did not approve your work-shadowing sign-up."
        return text, [
            section(
                f"{text} Talk to them about it, and sign up again with `/shadow signup` when "
                "you are ready."
            )
        ]
    text = "Your line manager approved your work-shadowing sign-up."
    detail = "You are in the queue for the next matching round."
    position = signup.queue_position(session, a) if a.status == "queued" else None
    if position:
        detail = f"You are number {position} in the queue for the next matching round."
    return text, [
        section(f"{text} {detail}"),
        context("We will message you when a round finds you a host. `/shadow status` any time."),
    ]


# --- offers and placements ------------------------------------------------------------------


def _offer_state(p: Parties, side: str) -> str:
    status = p.placement.status
    if status in CONFIRMED:
        return "Both sides accepted: the placement is confirmed."
    if status == "expired":
        return f"This offer expired on {uk_day(p.placement.expires_at)}."
    if status == "declined":
        return "This offer was declined."
    if status == "withdrawn":
        return "This offer was withdrawn."
    if p.response(side) == "declined":
        return "You declined this offer."
    return f"You accepted. Waiting for {_other(side)} to reply."


def offer(p: Parties, side: str) -> tuple[str, list[dict]]:
    a, h, placement = p.applicant, p.host, p.placement
    reply_by = uk_day(placement.expires_at)
    if side == "applicant":
        text = f"You have a work-shadowing offer from {p.organisation}."
        blocks = [
            section(f"*You have a work-shadowing offer* from *{p.organisation}*."),
            fields_section([*_host_fields(h), ("Reply by", reply_by)]),
            section(f"*What you would do*\n{safe(h.activities, LONG_TEXT)}"),
        ]
    else:
        text = f"A civil servant has been matched to {p.organisation}."
        blocks = [
            section(
                f"*A civil servant has been matched to {p.organisation}.* "
                "If you both accept, you will be put in touch."
            ),
            fields_section([*_applicant_fields(a), ("Reply by", reply_by)]),
            section(f"*What they want to learn*\n{safe(a.learning_goals, LONG_TEXT)}"),
        ]
    if placement.status == "offered" and p.response(side) is None:
        blocks.append(
            actions(
                "shadow_offer",
                button("Accept", OFFER_ACCEPT, placement.id, style="primary"),
                button(
                    "Decline",
                    OFFER_DECLINE,
                    placement.id,
                    confirm=("Decline this offer?", "The offer cannot be taken back.", "Decline"),
                ),
            )
        )
    else:
        blocks.append(context(_offer_state(p, side)))
    return text, blocks


def _with_whom(p: Parties, side: str) -> str:
    if side == "applicant":
        return f"*{p.organisation}*"
    return f"a civil servant from *{safe(p.applicant.department, NAME)}*"


def _contacts(p: Parties, side: str) -> dict:
    if side == "applicant":
        h = p.host
        contact = safe(h.contact_name, NAME)
        if h.contact_email:
            contact += f"\n{safe(h.contact_email, NAME)}"
        return fields_section(
            [("Host", p.organisation), ("Contact", contact), ("On Slack", mention(h.user_id))]
        )
    a = p.applicant
    return fields_section(
        [
            ("Civil servant", mention(a.user_id)),
            ("Department", safe(a.department, NAME)),
            ("Role", safe(a.role, NAME)),
        ]
    )


def _placement_buttons(p: Parties) -> dict | None:
    """The confirmed placement's controls. Both stay on the confirmation: it is the message
    people come back to once the dates are set (the core refuses completing before then)."""
    status, pid = p.placement.status, p.placement.id
    if status == "accepted":
        return actions(
            "shadow_placement",
            button("Set dates", SCHEDULE_OPEN, pid, style="primary"),
            button("Mark completed", COMPLETE, pid),
        )
    if status == "scheduled":
        return actions("shadow_placement", button("Mark completed", COMPLETE, pid, style="primary"))
    return None


def offer_update(p: Parties, event: str, side: str) -> tuple[str, list[dict]]:
    whom = _with_whom(p, side)
    placement = p.placement
    if event == "accepted":
        if side == "applicant":
            text = f"{whom} accepted the offer of a placement with you."
        else:
            text = f"The civil servant from *{safe(p.applicant.department, NAME)}* accepted."
        if placement.status == "offered" and p.response(side) is None:
            text += " Reply using the buttons on the offer."
        blocks = [section(text)]
    elif event == "confirmed":
        text = f"Both sides accepted: your placement with {whom} is confirmed."
        blocks = [
            section(f"{text} Get in touch to agree dates, then record them here."),
            _contacts(p, side),
        ]
    elif event in ("declined", "expired"):
        what = "was declined" if event == "declined" else "expired before both sides accepted"
        text = f"The offer of a placement with {whom} {what}."
        if side == "applicant":
            after = "You keep your place in the queue for the next round."
        else:
            after = "The place is free again for the next round."
        blocks = [section(f"{text} {after}")]
    elif event == "withdrawn":
        text = f"The placement with {whom} was withdrawn."
        blocks = [section(text)]
    elif event == "scheduled":
        text = (
            f"Dates are set for the placement with {whom}: "
            f"{day(placement.start_date)} to {day(placement.end_date)}."
        )
        blocks = [section(text)]
    elif event == "completed":
        text = f"The placement with {whom} is marked completed. Thank you for taking part."
        blocks = [section(text)]
    else:
        state = PLACEMENT_STATUS.get(placement.status, placement.status)
        text = f"Your placement with {whom} is now {escape(state)}."
        blocks = [section(text)]
    if event in ("confirmed", "scheduled"):
        buttons = _placement_buttons(p)
        if buttons:
            blocks.append(buttons)
        elif placement.status == "completed":
            blocks.append(context("This placement is completed."))
    return text, blocks


def feedback_given(session: Session, placement_id: int, side: str) -> bool:
    found = session.exec(
        select(ShadowFeedback.id).where(
            ShadowFeedback.placement_id == placement_id, ShadowFeedback.side == side
        )
    ).first()
    return found is not None


def feedback_request(session: Session, p: Parties, side: str) -> tuple[str, list[dict]]:
    text = f"How did your placement with {_with_whom(p, side)} go?"
    blocks = [section(f"{text} Three quick questions help us improve the scheme.")]
    if feedback_given(session, p.placement.id, side):
        blocks.append(context("Thank you for your feedback."))
    else:
        blocks.append(
            actions(
                "shadow_feedback",
                button("Give feedback", FEEDBACK_OPEN, p.placement.id, style="primary"),
            )
        )
    return text, blocks


def cannot_open(session: Session, p: Parties | None, user_id: str, *, feedback: bool) -> str | None:
    """Why the feedback (or dates) form would be refused on submission, said before it is
    opened; the core checks again when it is submitted."""
    if p is None or user_id not in (p.applicant.user_id, p.host.user_id):
        return "This placement isn't one of yours."
    placement = p.placement
    if feedback:
        if placement.status != "completed":
            return "Feedback opens once the placement is complete."
        if feedback_given(session, placement.id, side_of(p, user_id)):
            return "You have already given feedback on this placement. Thank you!"
        return None
    if placement.status == "scheduled":
        return (
            f"The dates are already set: {day(placement.start_date)} to {day(placement.end_date)}."
        )
    if placement.status != "accepted":
        state = PLACEMENT_STATUS.get(placement.status, placement.status)
        return f"Dates can't be set: this placement is {escape(state)}."
    return None


def _applicant_renderer(render):
    def renderer(session: Session, msg):
        applicant = session.get(ShadowApplicant, msg.subject_id) if msg.subject_id else None
        if applicant is None:
            raise PermanentDeliveryError(f"applicant {msg.subject_id} no longer exists")
        return render(session, applicant, msg.data or {})

    return renderer


def _placement_renderer(render):
    def renderer(session: Session, msg):
        p = parties(session, msg.subject_id)
        data = msg.data or {}
        # Older rows without a side: the recipient tells us which side they are on.
        side = data.get("side") or side_of(p, msg.recipient_user_id or "")
        return render(session, p, data, side)

    return renderer


RENDERERS = {
    notices.APPROVAL_REQUEST: _applicant_renderer(lambda s, a, d: approval_request(a)),
    notices.APPROVAL_RESULT: _applicant_renderer(
        lambda s, a, d: approval_result(s, a, bool(d.get("approved")))
    ),
    notices.OFFER: _placement_renderer(lambda s, p, d, side: offer(p, side)),
    notices.OFFER_UPDATE: _placement_renderer(
        lambda s, p, d, side: offer_update(p, str(d.get("event") or ""), side)
    ),
    notices.FEEDBACK_REQUEST: _placement_renderer(
        lambda s, p, d, side: feedback_request(s, p, side)
    ),
}


# --- rounds (coordinators) ------------------------------------------------------------------


def _round_lines(r: ShadowRound) -> list[str]:
    summary = r.summary or {}
    unmatched = summary.get("unmatched") or {}
    reasons = [
        f"{escape(UNMATCHED_REASONS.get(reason, str(reason)))}: {count}"
        for reason, count in sorted(unmatched.items())
        if count
    ]
    return [
        f"• Applicants in the queue: {int(summary.get('queued') or 0)}",
        f"• Would be matched: {int(summary.get('matched') or 0)}",
        f"• Left unmatched: {sum(int(c or 0) for c in unmatched.values())}"
        + (f" ({'; '.join(reasons)})" if reasons else ""),
        f"• Free places at open hosts: {int(summary.get('places') or 0)}",
    ]


def round_summary(r: ShadowRound) -> tuple[str, list[dict]]:
    matched = int((r.summary or {}).get("matched") or 0)
    text = f"Dry run of matching round {r.id}: {matched} would be matched."
    blocks = [
        section(f"*Dry run of matching round {r.id}*. Nothing has been sent yet."),
        section("\n".join(_round_lines(r))),
    ]
    if r.status == "dry_run" and matched:
        blocks.append(
            actions(
                "shadow_round",
                button(
                    "Commit round",
                    ROUND_COMMIT,
                    r.id,
                    style="primary",
                    confirm=(
                        "Commit this round?",
                        f"Offers go to {matched} applicants and their hosts at once.",
                        "Send offers",
                    ),
                ),
            )
        )
    elif not matched:
        blocks.append(context("Nobody would be matched, so there is nothing to commit."))
    return text, blocks


def round_committed(r: ShadowRound, expiry_days: int) -> tuple[str, list[dict]]:
    summary = r.summary or {}
    offers = int(summary.get("offers", summary.get("matched")) or 0)
    text = f"Matching round {r.id} committed: {offers} offers sent."
    blocks = [
        section(
            f"*Matching round {r.id} committed.* {offers} offers were sent to applicants and "
            f"their hosts; each side has {expiry_days} days to accept."
        ),
        section("\n".join(_round_lines(r))),
    ]
    return text, blocks


# --- command answers ------------------------------------------------------------------------


def status_blocks(session: Session, user_id: str) -> tuple[str, list[dict]]:
    lines: list[str] = []
    current = signup.active_signup(session, user_id)
    if current is None:
        lines.append("*Your sign-up*: none. Sign up with `/shadow signup`.")
    else:
        state = APPLICANT_STATUS.get(current.status, current.status)
        lines.append(f"*Your sign-up* ({safe(current.department, NAME)}): {escape(state)}.")
        if current.status == "pending_approval":
            lines.append(f"We asked {mention(current.manager_user_id)} to approve it.")
        position = signup.queue_position(session, current) if current.status == "queued" else None
        if position:
            lines.append(f"You are number {position} in the queue.")

    offered = list(hosts.hosts_for_user(session, user_id))
    if offered:
        lines.append("")
        lines.append("*Places you offer*")
        for h in offered[:STATUS_LIST_MAX]:
            taken = hosts.places_taken(session, h.id)
            lines.append(
                f"• Host {h.id}, {safe(h.organisation, 80)}: {taken} of {h.capacity} places "
                f"taken ({escape(h.status)}). Change with `/shadow places {h.id} &lt;number&gt;`."
            )

    mine = list(placements.placements_for_user(session, user_id))
    if mine:
        lines.append("")
        lines.append("*Your offers and placements*")
        for placement in mine[:STATUS_LIST_MAX]:
            p = parties(session, placement.id)
            whom = _with_whom(p, side_of(p, user_id))
            state = escape(PLACEMENT_STATUS.get(placement.status, placement.status))
            dates = ""
            if placement.start_date:
                dates = f", {day(placement.start_date)} to {day(placement.end_date)}"
            lines.append(f"• Placement {placement.id} with {whom}: {state}{dates}")
    text = "Your work-shadowing status"
    return text, chunked_sections(lines)


def conflicts_blocks(session: Session, conflicts: list[ShadowConflict]) -> tuple[str, list[dict]]:
    """For coordinators only: the one place where reasons for conflicts are shown."""
    if not conflicts:
        return "There are no active conflicts of interest.", []
    lines = [f"*Active conflicts of interest* ({len(conflicts)})"]
    for c in conflicts[:CONFLICTS_MAX]:
        who = "anyone"
        if c.applicant_id:
            a = session.get(ShadowApplicant, c.applicant_id)
            who = f"applicant {c.applicant_id} ({mention(a.user_id) if a else 'gone'})"
        elif c.department:
            who = f"anyone from {safe(c.department, NAME)}"
        where = "any host"
        if c.host_id:
            h = session.get(ShadowHost, c.host_id)
            where = f"host {c.host_id} ({safe(h.organisation, 80) if h else 'gone'})"
        elif c.organisation:
            where = safe(c.organisation, NAME)
        lines.append(
            f"• *Conflict {c.id}*: {who} ↔ {where}, from {escape(c.source)}, "
            f"recorded {uk_day(c.created_at)}\n    _{safe(c.reason, 500)}_"
        )
    if len(conflicts) > CONFLICTS_MAX:
        lines.append(f"…and {len(conflicts) - CONFLICTS_MAX} more.")
    lines.append(
        "Clear one once safeguards are agreed: `/shadow clear &lt;conflict&gt; &lt;safeguards&gt;`."
    )
    return f"{len(conflicts)} active conflicts of interest", chunked_sections(lines)


def _counts(title: str, counts: dict, names: dict | None = None) -> str:
    lines = [f"*{title}*"]
    for key, n in list(counts.items())[:REPORT_ROWS_MAX]:
        lines.append(f"• {safe((names or {}).get(key, key), 100)}: {int(n)}")
    if len(counts) > REPORT_ROWS_MAX:
        lines.append(f"…and {len(counts) - REPORT_ROWS_MAX} more")
    if not counts:
        lines.append("none yet")
    return "\n".join(lines)


def _feedback_line(title: str, figures: dict | None) -> str:
    figures = figures or {}
    count = int(figures.get("count") or 0)
    if not count:
        return f"• {title}: no responses yet"
    worthwhile, recommend = figures.get("worthwhile"), figures.get("would_recommend")
    parts = [f"{count} response{'s' if count != 1 else ''}"]
    if worthwhile is not None:
        parts.append(f"worthwhile {worthwhile:.1f}/5 on average")
    if recommend is not None:
        parts.append(f"{recommend:.0%} would recommend")
    return f"• {title}: {', '.join(parts)}"


def report_blocks(report: Report) -> tuple[str, list[dict]]:
    """For coordinators. Department and organisation names were typed by people: escaped."""
    wait = report.median_wait_days
    blocks = [
        header("Work-shadowing report"),
        fields_section(
            [
                ("In the queue", str(report.queue_size)),
                ("Awaiting approval", str(report.pending_approval)),
                ("Offers open", str(report.offered)),
                ("Matched", f"{report.matched} ({report.completed} completed)"),
                ("Median wait to first offer", "none yet" if wait is None else f"{wait} days"),
            ]
        ),
        section(_counts("Sign-ups by department", report.by_department)),
        section(_counts("Sign-ups by region", report.by_region, dict(catalog.REGIONS))),
        section(_counts("Placements by host", report.by_host)),
        section(
            "*Feedback*\n"
            + "\n".join(
                _feedback_line(title, report.feedback.get(side))
                for side, title in (("applicant", "Civil servants"), ("host", "Hosts"))
            )
        ),
    ]
    if report.as_of is not None:
        blocks.append(context(f"As at {uk_day(report.as_of)}."))
    return "Work-shadowing report", blocks
