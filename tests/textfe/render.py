"""Plain-text renderers for every outbox kind the two stories queue, drawn at send time.

Each draws from the core's read models, loaded by the same core functions the Slack adapter
uses (bot.complaints.delivery_views, bot.shadowing.delivery_views): no renderer here reads a
row. People are rendered only through ``name_of`` (the front end's directory), never as raw
values.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from bot.complaints import delivery_views, intake, notices, views
from bot.outbox import Skip
from bot.shadowing import catalog as shadow_catalog
from bot.shadowing import delivery_views as shadow_views
from bot.shadowing import notices as shadow_notices
from tests.textfe.transport import PLATFORM, Rendered, Renderer

NameOf = Callable[[str | None], str]


def day(d: date | None) -> str:
    return f"{d:%-d %b %Y}" if d else "not set"


def renderers(name_of: NameOf, today: Callable[[], date]) -> dict[str, Renderer]:
    def case(session, msg) -> views.CaseView:
        return delivery_views.case_view(session, msg, today())

    def received(session, msg) -> Rendered:
        v = case(session, msg)
        privacy = (
            "You asked to stay anonymous: the authority will never learn who raised this."
            if v.anonymous
            else "You did not ask for anonymity."
        )
        return Rendered(
            f"We have received your complaint {v.reference} about {v.authority}. "
            f"We aim to give you a full response by {day(v.due)}. {privacy}"
        )

    def raised_by(v: views.CaseView) -> str:
        # The view names the filer only when they may be named (never for an anonymous case).
        if v.raised_by_user_id:
            return f"{name_of(v.raised_by_user_id)}, {v.raised_by_label}"
        return v.raised_by_label

    def card_text(v: views.CaseView) -> str:
        lines = [
            f"{v.kind_label} {v.reference}: {v.status_label}",
            f"Assignee: {name_of(v.assignee) if v.assignee else 'Unassigned'}",
            f"Raised by: {raised_by(v)}",
            f"Authority: {v.authority} · Category: {v.category_label}",
            f"Procurement: {v.title} · Response due {day(v.effective_due)}",
        ]
        if v.outcome_label:
            lines.append(f"Outcome: {v.outcome_label}")
        if v.follow_up_due:
            lines.append(f"Follow-up due: {day(v.follow_up_due)}")
        if v.related:
            lines.append("Related: " + ", ".join(v.related))
        lines.append("Reply to this message to add a case note.")
        return "\n".join(lines)

    def first_card(session, msg) -> Rendered:
        return Rendered(card_text(case(session, msg)))

    def card_refresh(session, msg) -> Rendered:
        # Skip while the card is not posted: the first card is drawn from current data.
        refresh = delivery_views.card_refresh(session, msg, PLATFORM, today())
        return Rendered(
            card_text(refresh.case),
            room=refresh.card.conversation_id,
            replaces=refresh.card.message_id,
        )

    def thread_line(line: delivery_views.ThreadLine) -> str:
        by = name_of(line.actor) if line.actor else "The service"
        match line.event:
            case "transition":
                return f"{by} moved the case from {line.from_label} to {line.to_label}."
            case "assigned":
                return f"{by} assigned the case to {name_of(line.assigned_to)}."
            case "relayed":
                return f"{by} sent the supplier: {line.text}"
            case "supplier_replied":
                return f"The supplier replied: {line.text}"
            case "linked" | "unlinked" as event:
                return f"{by} {event} this case and {line.other_reference}."
            case "grouped" | "joined":
                return f"Same procurement as {line.other_reference} ({line.group_size} cases)."
            case "revealed":
                return f"{by} looked up who raised this case. The look-up is recorded."
        raise Skip()

    def thread_post(session, msg) -> Rendered:
        line = delivery_views.thread_line(session, msg, PLATFORM)
        return Rendered(
            thread_line(line), room=line.card.conversation_id, thread=line.card.message_id
        )

    def supplier_update(session, msg) -> Rendered:
        update = delivery_views.supplier_update(session, msg)
        lines = [f"Update on your complaint {update.reference}: it is now {update.status_label}."]
        if update.status == "resolved":
            lines.append(f"Outcome: {update.outcome_label}")
            if update.public_summary:
                lines.append(f"Summary: {update.public_summary}")
        return Rendered("\n".join(lines))

    def supplier_relay(session, msg) -> Rendered:
        relay = delivery_views.supplier_relay(session, msg)
        return Rendered(
            f"A message from the team about your complaint {relay.reference}: {relay.text}\n"
            "Reply to this message to answer; your reply goes to the team only."
        )

    def approval_request(session, msg) -> Rendered:
        a = shadow_views.applicant_message(session, msg).applicant
        return Rendered(
            f"{name_of(a.user)} ({a.role}, {a.department}) asks for your approval to join "
            f"work-shadowing. They want to learn: {a.learning_goals}\n"
            f"Answer with: approve {a.id}   or: refuse {a.id}"
        )

    def approval_result(session, msg) -> Rendered:
        message = shadow_views.applicant_message(session, msg)
        if not message.approved:
            return Rendered("Your line manager did not approve your work-shadowing sign-up.")
        place = message.applicant.queue_position
        where = f" You are number {place} in the queue." if place else ""
        return Rendered(f"Your line manager approved your work-shadowing sign-up.{where}")

    def offer(session, msg) -> Rendered:
        message = shadow_views.placement_message(session, msg)
        p, a, h = message.placement, message.placement.applicant, message.placement.host
        answer = f"Reply by {day(p.expires_at.date())} with: accept {p.id}   or: decline {p.id}"
        if message.side == "applicant":
            return Rendered(
                f"You have a work-shadowing offer (offer {p.id}) from {h.organisation} "
                f"({shadow_catalog.label(shadow_catalog.REGIONS, h.region)}). "
                f"What you would do: {h.activities}\n{answer}"
            )
        return Rendered(
            f"A civil servant from {a.department} ({a.role}) has been matched to "
            f"{h.organisation} (offer {p.id}). They want to learn: {a.learning_goals}\n{answer}"
        )

    def offer_update(session, msg) -> Rendered:
        message = shadow_views.placement_message(session, msg)
        p, h = message.placement, message.placement.host
        other = "The host" if message.side == "applicant" else "The civil servant"
        words = {
            "accepted": f"{other} accepted offer {p.id}; it is confirmed once you accept too.",
            "confirmed": f"Both sides accepted: placement {p.id} at {h.organisation} is confirmed.",
            "declined": f"{other} declined offer {p.id}.",
            "expired": f"Offer {p.id} expired.",
            "withdrawn": f"Placement {p.id} was withdrawn.",
            "scheduled": f"Placement {p.id} runs {day(p.start_date)} to {day(p.end_date)}.",
            "completed": f"Placement {p.id} is complete.",
        }
        return Rendered(words.get(message.event, f"Offer {p.id} changed."))

    return {
        intake.RECEIVED_DM: received,
        intake.TRIAGE_CARD: first_card,
        notices.CARD_REFRESH: card_refresh,
        notices.THREAD_POST: thread_post,
        notices.SUPPLIER_UPDATE: supplier_update,
        notices.SUPPLIER_RELAY: supplier_relay,
        shadow_notices.APPROVAL_REQUEST: approval_request,
        shadow_notices.APPROVAL_RESULT: approval_result,
        shadow_notices.OFFER: offer,
        shadow_notices.OFFER_UPDATE: offer_update,
    }
