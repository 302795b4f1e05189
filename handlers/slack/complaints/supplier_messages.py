"""What the supplier is told (plain language, never internal notes), relayed messages both
ways, and audit lines in the case thread. Drawn at send time from the core's read models
(bot.complaints.delivery_views) of the case as it is then."""

from __future__ import annotations

from functools import partial

from bot.complaints import catalog, delivery_views
from bot.complaints.delivery_views import SupplierRelay, SupplierUpdate, ThreadLine
from bot.complaints.notices import SUPPLIER_RELAY, SUPPLIER_UPDATE, THREAD_POST
from bot.outbox import Skip
from handlers.slack.deliveries import drawn
from handlers.slack.posted_lookup import PLATFORM
from handlers.slack.slack_text import MESSAGE_TEXT_MAX, context, escape, mention, safe, section
from handlers.slack.transport import Rendered

RELAY_MAX = 3000


def thread_line(line: ThreadLine) -> str:
    """The audit line for one thread event; user text escaped, never the supplier's name."""
    by = mention(line.actor) if line.actor else "The service"
    text = safe(line.text, RELAY_MAX)
    match line.event:
        case "transition":
            was, now = escape(line.from_label), escape(line.to_label)
            out = f"{by} moved the case from {was} to *{now}*."
            if line.reason:
                out += f"\n>{safe(line.reason, 1500)}"
            return out
        case "assigned":
            return f"{by} assigned the case to {mention(line.assigned_to)}."
        case "linked" | "unlinked" as event:
            return f"{by} {event} this case and {escape(line.other_reference)}."
        case "grouped":
            return (
                f"{by} found {_cases(line.group_size)} about this procurement: this case "
                f"joins the group first raised as {escape(line.other_reference)}."
            )
        case "joined":
            return (
                f"{escape(line.other_reference)} is about the same procurement: "
                f"{_cases(line.group_size)} in this group now."
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


def thread_post(line: ThreadLine) -> Rendered:
    """An audit line or a relayed reply, in the card's thread."""
    text = thread_line(line)
    return Rendered(
        text[:MESSAGE_TEXT_MAX],
        [section(text)],
        thread_ts=line.card.message_id,
        channel_id=line.card.conversation_id,
    )


def supplier_update(update: SupplierUpdate) -> tuple[str, list[dict]]:
    status = update.status
    what = catalog.supplier_status_words(status, update.status_label)
    blocks = [section(f"*Update on your complaint {update.reference}*\n{what}")]
    if update.reason:
        blocks.append(section(f"*Why*\n{safe(update.reason, 1500)}"))
    if status == "resolved":
        blocks.append(section(f"*Outcome*\n{safe(update.outcome_label, 300)}"))
        if update.public_summary:
            blocks.append(section(f"*Summary*\n{safe(update.public_summary, 2000)}"))
    blocks.append(context(f"Check progress any time with `/complaint status {update.reference}`."))
    return f"Update on your complaint {update.reference}: {what}", blocks


def supplier_relay(relay: SupplierRelay) -> tuple[str, list[dict]]:
    body = safe(relay.text, RELAY_MAX)
    blocks = [
        section(f"*A message from the team about your complaint {relay.reference}*\n{body}"),
        context("Reply in this message's thread to answer; your reply goes to the team only."),
    ]
    return f"A message about your complaint {relay.reference}: {body}", blocks


RENDERERS = {
    THREAD_POST: drawn(partial(delivery_views.thread_line, platform=PLATFORM), thread_post),
    SUPPLIER_UPDATE: drawn(delivery_views.supplier_update, supplier_update),
    SUPPLIER_RELAY: drawn(delivery_views.supplier_relay, supplier_relay),
}
