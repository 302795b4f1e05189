"""What the supplier is told (plain language, never internal notes), relayed messages both
ways, and audit lines in the case thread. Drawn at send time from the case as it is then."""

from __future__ import annotations

from bot import conversations
from bot.complaints import catalog, lifecycle
from bot.complaints.notices import SUPPLIER_RELAY, SUPPLIER_UPDATE, THREAD_POST
from bot.outbox import NotReady, PermanentDeliveryError, Skip
from handlers.slack.posted_lookup import PLATFORM
from handlers.slack.slack_text import MESSAGE_TEXT_MAX, context, escape, mention, safe, section
from handlers.slack.transport import Rendered
from models import Complaint

RELAY_MAX = 3000

# What a status means for the supplier, in their words.
PLAIN_STATUS = {
    "triaged": "The team has checked your complaint and it is in scope.",
    "investigating": "An investigator is now looking into your complaint.",
    "awaiting_authority": "We have raised your complaint with the contracting authority and "
    "are waiting for their reply.",
    "awaiting_supplier": "We have a question for you: please see our message.",
    "resolved": "We have finished looking into your complaint.",
    "follow_up": "We are checking that what the authority agreed has really happened.",
    "closed": "Your case is now closed. Thank you for raising it.",
    "out_of_scope": "We are sorry, but this complaint is outside what we can look into.",
    "referred": "We have passed your complaint to the Procurement Compliance Service, who "
    "can look into it further.",
    "withdrawn": "Your complaint has been withdrawn, as you asked.",
    "received": "Your complaint has been reopened and will be looked at again.",
}


def _case(session, msg) -> Complaint:
    case = session.get(Complaint, msg.subject_id)
    if case is None:
        raise PermanentDeliveryError(f"case {msg.subject_id} no longer exists")
    return case


def _thread_line(case: Complaint, data: dict) -> str:
    """The audit line for one thread event; user text escaped, never the supplier's name."""
    by = mention(data["actor"]) if data.get("actor") else "The service"
    text = safe(str(data.get("text") or ""), RELAY_MAX)
    match data.get("event"):
        case "transition":
            was = catalog.status_label(str(data.get("from")))
            now = catalog.status_label(str(data.get("to")))
            line = f"{by} moved the case from {escape(was)} to *{escape(now)}*."
            if data.get("to") in lifecycle.ENDED_UNRESOLVED and case.status_reason:
                line += f"\n>{safe(case.status_reason, 1500)}"
            return line
        case "assigned":
            return f"{by} assigned the case to {mention(data.get('to') or data.get('text'))}."
        case "linked" | "unlinked" as event:
            return f"{by} {event} this case and {escape(str(data.get('reference') or ''))}."
        case "grouped":
            return (
                f"{by} found {_cases(data.get('size'))} about this procurement: this case "
                f"joins the group first raised as {escape(str(data.get('reference') or ''))}."
            )
        case "joined":
            return (
                f"{escape(str(data.get('reference') or ''))} is about the same procurement: "
                f"{_cases(data.get('size'))} in this group now."
            )
        case "relayed":
            return f"{by} sent the supplier:\n>{text}"
        case "supplier_replied":
            return f"*The supplier replied:*\n>{text}"
        case "revealed":
            return f"{by} looked up who raised this case. The look-up is recorded."
    raise Skip()


def _cases(size) -> str:
    n = size if isinstance(size, int) else 0
    return f"{n} cases" if n != 1 else "1 case"


def thread_post(session, msg) -> Rendered:
    """An audit line or a relayed reply, in the card's thread."""
    case = _case(session, msg)
    card = conversations.message_of(session, PLATFORM, conversations.CASE_CARD, case.id)
    if card is None:
        raise NotReady("the case card is not posted yet")
    line = _thread_line(case, msg.data)
    return Rendered(
        line[:MESSAGE_TEXT_MAX],
        [section(line)],
        thread_ts=card.message_id,
        channel_id=card.conversation_id,
    )


def supplier_update(session, msg) -> tuple[str, list[dict]]:
    case = _case(session, msg)
    event = msg.data.get("event")
    status = lifecycle.TRANSITIONS[event].target if event in lifecycle.TRANSITIONS else case.status
    what = PLAIN_STATUS.get(status, f"Your complaint is now: {catalog.status_label(status)}.")
    blocks = [section(f"*Update on your complaint {case.reference}*\n{what}")]
    if status == "out_of_scope" and case.status_reason:
        blocks.append(section(f"*Why*\n{safe(case.status_reason, 1500)}"))
    if status == "resolved":
        outcome = catalog.label(catalog.OUTCOMES, case.outcome)
        blocks.append(section(f"*Outcome*\n{safe(outcome, 300)}"))
        if case.public_summary:
            blocks.append(section(f"*Summary*\n{safe(case.public_summary, 2000)}"))
    blocks.append(context(f"Check progress any time with `/complaint status {case.reference}`."))
    return f"Update on your complaint {case.reference}: {what}", blocks


def supplier_relay(session, msg) -> tuple[str, list[dict]]:
    case = _case(session, msg)
    body = safe(str(msg.data.get("text") or ""), RELAY_MAX)
    blocks = [
        section(f"*A message from the team about your complaint {case.reference}*\n{body}"),
        context("Reply in this message's thread to answer; your reply goes to the team only."),
    ]
    return f"A message about your complaint {case.reference}: {body}", blocks


RENDERERS = {
    THREAD_POST: thread_post,
    SUPPLIER_UPDATE: supplier_update,
    SUPPLIER_RELAY: supplier_relay,
}
