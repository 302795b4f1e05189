"""Plain-text renderers for every outbox kind the two stories queue, drawn at send time.

Complaints draw from the core's read model (bot.complaints.views.CaseView). Shadowing has no
read model yet (issue 15 item 3 adds bot/shadowing/views.py), so its renderers read the rows
the way the Slack adapter's do; they are all here, in one place, to move onto the views.
People are rendered only through ``name_of`` (the front end's directory), never as raw values.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sqlmodel import Session

from bot import conversations
from bot.complaints import catalog, intake, lifecycle, notices, views
from bot.outbox import NotReady, PermanentDeliveryError, Skip
from bot.shadowing import catalog as shadow_catalog
from bot.shadowing import notices as shadow_notices
from bot.shadowing import signup
from models import OutboxMessage, ShadowApplicant, ShadowHost, ShadowPlacement
from tests.textfe.transport import PLATFORM, Rendered, Renderer

NameOf = Callable[[str | None], str]


def day(d: date | None) -> str:
    return f"{d:%-d %b %Y}" if d else "not set"


def renderers(name_of: NameOf, today: Callable[[], date]) -> dict[str, Renderer]:
    def case(session: Session, msg: OutboxMessage) -> views.CaseView:
        view = views.case_view(session, msg.subject_id, today=today())
        if view is None:
            raise PermanentDeliveryError(f"case {msg.subject_id} no longer exists")
        return view

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

    def card_of(session, v: views.CaseView):
        return conversations.message_of(session, PLATFORM, conversations.CASE_CARD, v.id)

    def card_refresh(session, msg) -> Rendered:
        v = case(session, msg)
        card = card_of(session, v)
        if card is None:
            # Not posted yet: the first card is drawn from current data when it goes out.
            raise Skip()
        return Rendered(card_text(v), room=card.conversation_id, replaces=card.message_id)

    def thread_line(v: views.CaseView, data: dict) -> str:
        by = name_of(data["actor"]) if data.get("actor") else "The service"
        text = str(data.get("text") or "")
        match data.get("event"):
            case "transition":
                was = catalog.status_label(str(data.get("from")))
                now = catalog.status_label(str(data.get("to")))
                return f"{by} moved the case from {was} to {now}."
            case "assigned":
                return f"{by} assigned the case to {name_of(data.get('to'))}."
            case "relayed":
                return f"{by} sent the supplier: {text}"
            case "supplier_replied":
                return f"The supplier replied: {text}"
            case "linked" | "unlinked" as event:
                return f"{by} {event} this case and {data.get('reference')}."
            case "grouped" | "joined":
                return f"Same procurement as {data.get('reference')} ({data.get('size')} cases)."
            case "revealed":
                return f"{by} looked up who raised this case. The look-up is recorded."
        raise Skip()

    def thread_post(session, msg) -> Rendered:
        v = case(session, msg)
        card = card_of(session, v)
        if card is None:
            raise NotReady("the case card is not posted yet")
        return Rendered(thread_line(v, msg.data), room=card.conversation_id, thread=card.message_id)

    def supplier_update(session, msg) -> Rendered:
        v = case(session, msg)
        event = msg.data.get("event")
        move = lifecycle.TRANSITIONS.get(event)
        status = catalog.status_label(move.target if move else v.status)
        lines = [f"Update on your complaint {v.reference}: it is now {status}."]
        if move and move.target == "resolved":
            lines.append(f"Outcome: {v.outcome_label}")
            if v.public_summary:
                lines.append(f"Summary: {v.public_summary}")
        return Rendered("\n".join(lines))

    def supplier_relay(session, msg) -> Rendered:
        v = case(session, msg)
        return Rendered(
            f"A message from the team about your complaint {v.reference}: "
            f"{msg.data.get('text')}\n"
            "Reply to this message to answer; your reply goes to the team only."
        )

    def applicant(session, msg) -> ShadowApplicant:
        found = session.get(ShadowApplicant, msg.subject_id)
        if found is None:
            raise PermanentDeliveryError(f"sign-up {msg.subject_id} no longer exists")
        return found

    def approval_request(session, msg) -> Rendered:
        a = applicant(session, msg)
        return Rendered(
            f"{name_of(a.user_id)} ({a.role}, {a.department}) asks for your approval to join "
            f"work-shadowing. They want to learn: {a.learning_goals}\n"
            f"Answer with: approve {a.id}   or: refuse {a.id}"
        )

    def approval_result(session, msg) -> Rendered:
        a = applicant(session, msg)
        if not msg.data.get("approved"):
            return Rendered("Your line manager did not approve your work-shadowing sign-up.")
        place = signup.queue_position(session, a)
        where = f" You are number {place} in the queue." if place else ""
        return Rendered(f"Your line manager approved your work-shadowing sign-up.{where}")

    def parties(session, msg) -> tuple[ShadowPlacement, ShadowApplicant, ShadowHost]:
        p = session.get(ShadowPlacement, msg.subject_id)
        if p is None:
            raise PermanentDeliveryError(f"placement {msg.subject_id} no longer exists")
        return p, session.get(ShadowApplicant, p.applicant_id), session.get(ShadowHost, p.host_id)

    def offer(session, msg) -> Rendered:
        p, a, h = parties(session, msg)
        answer = f"Reply by {day(p.expires_at.date())} with: accept {p.id}   or: decline {p.id}"
        if msg.data.get("side") == "applicant":
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
        p, _, h = parties(session, msg)
        other = "The host" if msg.data.get("side") == "applicant" else "The civil servant"
        words = {
            "accepted": f"{other} accepted offer {p.id}; it is confirmed once you accept too.",
            "confirmed": f"Both sides accepted: placement {p.id} at {h.organisation} is confirmed.",
            "declined": f"{other} declined offer {p.id}.",
            "expired": f"Offer {p.id} expired.",
            "withdrawn": f"Placement {p.id} was withdrawn.",
            "scheduled": f"Placement {p.id} runs {day(p.start_date)} to {day(p.end_date)}.",
            "completed": f"Placement {p.id} is complete.",
        }
        return Rendered(words.get(msg.data.get("event"), f"Offer {p.id} changed."))

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
