"""When a message to a case's supplier cannot be delivered at all, the case's team is told.

The outbox records such a row dead (bot.outbox: a Teams person msbot may not write to because
they never opened it, a Slack account that is gone...). The row's after-dead hook, in the
transaction that records it dead, queues a notice into the case's thread: what did not reach
the supplier, why, and what the team can do. Once per dead row (a revived row that dies again
is not told twice); a lost update (each move of the case makes one) only when the team has not
heard since the supplier was last reached. The notice never names the supplier: it says "the
supplier", and its data carries only the dead row's id, the platform, a reason code and the
staff member who wrote the message. The investigator who asked the supplier something sees it
in the thread, under their own "sent the supplier" line, and is named in it.

Front ends render it from :func:`notice` (handlers/slack/complaints/unreachable_messages.py,
handlers/teams/unreachable_messages.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from bot import outbox, people, personal_chats
from bot.complaints import notices
from bot.complaints.delivery_views import PostedCard, posted_card
from bot.complaints.intake import RECEIVED_DM
from bot.outbox import NotReady, PermanentDeliveryError
from bot.outbox.delivery import ACCOUNT_GONE, CANNOT_DM, NO_ACCOUNT, NOT_OPENED
from bot.people import PersonRef
from models import Complaint, ComplaintEvent, OutboxMessage

# To the triage role, into the case's card thread; data {"about", "platform", "reason",
# "dead", "actor"} (see ALLOWED_DATA).
SUPPLIER_UNREACHABLE = "complaint.supplier.unreachable"
KINDS = frozenset({SUPPLIER_UNREACHABLE})
# Kept in order within the case's thread only (like notices.THREAD_POST).
THREADED = KINDS
# No key may carry the supplier: "dead" is an outbox row id, "actor" a staff person id.
ALLOWED_DATA = frozenset({"about", "platform", "reason", "dead", "actor"})

# The supplier's messages whose loss the team must hear of, by what they were.
ABOUT = {
    RECEIVED_DM: "receipt",
    notices.SUPPLIER_UPDATE: "update",
    notices.SUPPLIER_RELAY: "relay",
}
PLATFORM_NAMES = {"slack": "Slack", "teams": "Teams"}


def tell_team(session: Session, row: OutboxMessage, reason: str | None) -> None:
    """The after-dead hook of a supplier's message: queue the team's notice (see module)."""
    about = ABOUT.get(row.kind)
    if about is None or row.subject_id is None or row.recipient_person_id is None:
        return
    case = session.get(Complaint, row.subject_id)
    if case is None or case.reporter_id != row.recipient_person_id:
        return  # the case is gone, or the message was not to its supplier
    if not notices.has_card(session, case) or _told(session, case, row, about):
        return
    data = {
        "about": about,
        "platform": personal_chats.platform_of(session, row.recipient_person_id),
        "reason": reason,
        "dead": row.id,
        "actor": _asker(session, case.id, row) if about == "relay" else None,
    }
    data = {k: v for k, v in data.items() if v is not None}
    outbox.checked_data("complaint", SUPPLIER_UNREACHABLE, data, KINDS, ALLOWED_DATA)
    outbox.enqueue(
        session, SUPPLIER_UNREACHABLE, subject_id=case.id, role=outbox.TRIAGE_ROLE, data=data
    )


def _told(session: Session, case: Complaint, row: OutboxMessage, about: str) -> bool:
    """Whether the team has heard of this lost message already; for an update (each move of
    the case makes one), whether they have heard the supplier is unreachable since the last
    message that reached them: one notice then, not one per move."""
    # A case has few of these: read them rather than query inside JSON (both databases).
    told = [
        (data or {}).get("dead")
        for data in session.exec(
            select(OutboxMessage.data).where(
                OutboxMessage.kind == SUPPLIER_UNREACHABLE, OutboxMessage.subject_id == case.id
            )
        )
    ]
    if row.id in told or about != "update":
        return row.id in told
    reached = session.exec(
        select(OutboxMessage.id)
        .where(
            OutboxMessage.subject_id == case.id,
            OutboxMessage.recipient_person_id == case.reporter_id,
            OutboxMessage.status == "sent",
        )
        .order_by(OutboxMessage.id.desc())
    ).first()
    return any(isinstance(dead, int) and dead > (reached or 0) for dead in told)


def _asker(session: Session, case_id: int, row: OutboxMessage) -> int | None:
    """Who wrote a relayed message: the newest relay event of the case with its text."""
    text = (row.data or {}).get("text")
    events = session.exec(
        select(ComplaintEvent)
        .where(
            ComplaintEvent.complaint_id == case_id,
            ComplaintEvent.kind == "relayed_to_supplier",
        )
        .order_by(ComplaintEvent.id.desc())
    )
    return next((e.actor_id for e in events if (e.data or {}).get("text") == text), None)


# Outbox kinds whose death this module hears of (bot.bootstrap gives them to the transports).
AFTER_DEAD = dict.fromkeys(ABOUT, tell_team)


@dataclass(frozen=True)
class UnreachableNotice:
    """What a front end shows in the case's thread: plain sentences (no markup) and the staff
    member to name (None: not a relayed message, or its writer is unknown)."""

    card: PostedCard
    asker: PersonRef | None
    what: str  # "Your message to the supplier could not be delivered"
    why: str  # "they have not opened msbot in Teams, ..."
    advice: str


def notice(session: Session, msg: OutboxMessage, platform: str) -> UnreachableNotice:
    """The notice row ``msg`` for a front end on ``platform`` (where the card is)."""
    case = session.get(Complaint, msg.subject_id)
    if case is None:
        raise PermanentDeliveryError(f"case {msg.subject_id} no longer exists")
    card = posted_card(session, platform, case.id)
    if card is None:
        raise NotReady("the case card is not posted yet")
    data = msg.data or {}
    actor = data.get("actor")
    asker = people.refs(session, [actor]).get(actor) if isinstance(actor, int) else None
    where = PLATFORM_NAMES.get(str(data.get("platform")), "")
    return UnreachableNotice(
        card=card,
        asker=asker,
        what=_what(str(data.get("about")), asker is not None),
        why=_why(data.get("reason"), where),
        advice=_advice(data.get("reason"), where, case.anonymous),
    )


def _what(about: str, asked: bool) -> str:
    if about == "relay":
        whose = "Your" if asked else "The team's"
        return f"{whose} message to the supplier could not be delivered"
    if about == "receipt":
        return "The supplier's receipt for this case could not be delivered"
    return "An update to the supplier about this case could not be delivered"


def _why(reason, where: str) -> str:
    on = f" in {where}" if where else ""
    if reason == NOT_OPENED:
        return (
            f"they have not opened msbot{on}, and {where or 'their platform'} lets msbot "
            "write only to people who have"
        )
    if reason == ACCOUNT_GONE:
        return f"their {where or 'chat'} account is not found or is deactivated"
    if reason == CANNOT_DM:
        return f"{where or 'their platform'} does not let msbot message them directly"
    if reason == NO_ACCOUNT:
        return "msbot knows no account it can write to them on"
    return f"msbot could not send it{on}"


def _advice(reason, where: str, anonymous: bool) -> str:
    resend = "then a lead can send it again with `msbot outbox --revive`."
    if reason == NOT_OPENED:
        if anonymous:
            return "The case is anonymous, so only they can fix this by opening msbot; " + resend
        return (
            f"Ask them (by email or phone) to open msbot{' in ' + where if where else ''} "
            f"once, or ask your administrator to install it for them; {resend}"
        )
    if reason in (ACCOUNT_GONE, CANNOT_DM, NO_ACCOUNT):
        if anonymous:
            return "The case is anonymous: msbot has no other way to reach them."
        return "Reach them another way if you can; msbot will not retry it."
    return "An operator can see why with `msbot outbox`; once fixed, " + resend
