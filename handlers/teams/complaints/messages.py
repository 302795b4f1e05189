"""What the supplier is told in their 1:1 chat with msbot, as Adaptive Cards: the receipt,
each update on their case, and the team's messages (an "ask" among them). Drawn at send time
from the core's read models (bot.complaints.delivery_views), as Slack's are; every text a
person wrote goes through card_text. Pure functions: no I/O here."""

from __future__ import annotations

from bot.complaints import catalog, delivery_views
from bot.complaints.delivery_views import SupplierRelay, SupplierUpdate
from bot.complaints.intake import RECEIVED_DM
from bot.complaints.notices import SUPPLIER_RELAY, SUPPLIER_UPDATE
from bot.complaints.views import CaseView
from handlers.teams.cards import adaptive_card, heading, text_block
from handlers.teams.outgoing import TeamsOut, drawn

RELAY_MAX = 3000


def _status_hint(reference: str) -> dict:
    return text_block(f'Type "status {reference}" here to check progress at any time.', subtle=True)


def received(case: CaseView) -> TeamsOut:
    anonymity = catalog.anonymity_words(case.anonymous)
    card = adaptive_card(
        [
            heading(f"Complaint {case.reference} received"),
            text_block(f"We have received your complaint about {case.authority}."),
            text_block("What happens next", weight="Bolder"),
            text_block(
                "1. The team checks the case is in scope and assigns an investigator.\n"
                "2. The investigator raises it with the contracting authority and asks for "
                "changes.\n"
                f"3. We aim to give you a full response by {case.due:%-d %B %Y}.",
                markdown=True,  # msbot's own wording: a numbered list
            ),
            text_block(anonymity, subtle=True),
            _status_hint(case.reference),
        ]
    )
    return TeamsOut(f"We have received your complaint {case.reference}.", card=card)


def update(change: SupplierUpdate) -> TeamsOut:
    what = catalog.supplier_status_words(change.status, change.status_label)
    body = [heading(f"Update on your complaint {change.reference}"), text_block(what)]
    if change.reason:
        body += [text_block("Why", weight="Bolder"), text_block(change.reason, limit=1500)]
    if change.status == "resolved":
        body += [text_block("Outcome", weight="Bolder"), text_block(change.outcome_label)]
        if change.public_summary:
            body += [
                text_block("Summary", weight="Bolder"),
                text_block(change.public_summary, limit=2000),
            ]
    body.append(_status_hint(change.reference))
    summary = f"Update on your complaint {change.reference}: {what}"
    return TeamsOut(summary, card=adaptive_card(body))


def relay(message: SupplierRelay) -> TeamsOut:
    card = adaptive_card(
        [
            heading(f"A message from the team about {message.reference}"),
            text_block(message.text, limit=RELAY_MAX),
            text_block(
                "To answer, reply here in this chat: your reply goes to the team only, as the "
                "answer to their latest message.",
                subtle=True,
            ),
        ]
    )
    return TeamsOut(f"A message from the team about your complaint {message.reference}", card=card)


RENDERERS = {
    RECEIVED_DM: drawn(delivery_views.case_view, received),
    SUPPLIER_UPDATE: drawn(delivery_views.supplier_update, update),
    SUPPLIER_RELAY: drawn(delivery_views.supplier_relay, relay),
}
