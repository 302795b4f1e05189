"""One outbox drain over every platform: each row goes to the transport of where its recipient
is. A person's messages go to the platform they used last (bot.personal_chats.platform_of); a
team role's to the platform whose settings name its conversation (the first in the order
given, Slack before Teams); a case's card refresh or thread line to the platform its card was
posted on.

A process may hold transports for some platforms only (``msbot serve`` has no Teams
credentials): a row for another platform is left for the process that has it (kept, and looked at
again a few seconds later), never sent the wrong way.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, or_
from sqlmodel import Session

from bot import conversations, personal_chats
from bot.outbox import PermanentDeliveryError, Sent, ServedElsewhere
from bot.outbox.delivery import NO_ACCOUNT
from bot.outbox.kinds import AfterDead, AfterSent, after_dead_of, after_sent_of, threaded_kinds_of
from models import OutboxMessage

# A role configured on both platforms goes to the first (keep one, to avoid surprises).
PLATFORMS = ("slack", "teams")
# Kinds about a case whose team-side message belongs with the case's card.
CASE_KINDS = "complaint."


@dataclass(frozen=True)
class Routed:
    platform: str
    rendered: Any


class RoutingTransport:
    """Holds one transport per platform, in order of preference for a team role."""

    platform = "any"

    def __init__(
        self,
        transports: Sequence[Any],
        *,
        elsewhere: Mapping[str, Iterable[str]] | None = None,
    ):
        self.transports = {t.platform: t for t in transports}
        # role -> platform: the first platform, in PLATFORMS order, whose settings name the
        # role's conversation: this process's transports know theirs; ``elsewhere`` says
        # which roles the platforms served by another process have (from the environment).
        elsewhere = {p: set(roles) for p, roles in (elsewhere or {}).items()}
        self.role_platforms: dict[str, str] = {}
        for platform in PLATFORMS:
            transport = self.transports.get(platform)
            roles = set(getattr(transport, "roles", {}) or {}) if transport else set()
            for role in roles | elsewhere.get(platform, set()):
                self.role_platforms.setdefault(role, platform)
        self.after_sent: dict[str, AfterSent] = {}
        self.after_dead: dict[str, AfterDead] = {}
        kinds: set[str] = set()
        for transport in transports:
            self.after_sent.update(after_sent_of(transport))
            self.after_dead.update(after_dead_of(transport))
            kinds |= threaded_kinds_of(transport)
        self.threaded_kinds = frozenset(kinds)

    def platform_for(self, session: Session, msg: OutboxMessage) -> str | None:
        if msg.kind == conversations.REDACT:
            # An erasure's edit goes where the message it edits was posted.
            return (msg.data or {}).get("platform")
        if msg.recipient_role:
            if msg.subject_id is not None and msg.kind.startswith(CASE_KINDS):
                card = _card_platform(session, msg.subject_id)
                if card is not None:
                    return card
            return self.role_platforms.get(msg.recipient_role)
        if msg.recipient_person_id is not None:
            return personal_chats.platform_of(session, msg.recipient_person_id)
        return None

    def render(self, session: Session, msg: OutboxMessage) -> Routed:
        platform = self.platform_for(session, msg)
        if platform is None and msg.recipient_role and not self._serves_all():
            # Perhaps the other process's settings name it (its environment may differ).
            raise ServedElsewhere(f"no {msg.recipient_role} conversation is set here")
        if platform is None and msg.recipient_role:
            raise PermanentDeliveryError(
                f"nowhere to send it: no platform has the {msg.recipient_role} role"
            )
        if platform is None:
            raise PermanentDeliveryError(
                "nowhere to send it: the person has no account on any platform",
                unreachable=NO_ACCOUNT,
            )
        transport = self.transports.get(platform)
        if transport is None:
            # Sent by the process that serves that platform (msbot serve / serve-teams).
            raise ServedElsewhere(f"for {platform}: sent by the process serving it")
        return Routed(platform, transport.render(session, msg))

    def claimable(self, session: Session):
        """The rows this process sends, as SQL (the same choice as ``platform_for``): so a
        process serving one platform never claims, and never wakes for, the other's rows."""
        if self._serves_all():
            return None
        served = list(self.transports)
        person = OutboxMessage.recipient_person_id
        role = OutboxMessage.recipient_role
        card = case(
            (
                OutboxMessage.kind.startswith(CASE_KINDS),
                conversations.card_platform_column(OutboxMessage.subject_id),
            ),
            else_=None,
        )
        role_target = card
        if self.role_platforms:
            whens = [(role == r, p) for r, p in sorted(self.role_platforms.items())]
            role_target = func.coalesce(card, case(*whens, else_=None))
        redact = OutboxMessage.kind == conversations.REDACT
        return or_(
            and_(redact, OutboxMessage.data["platform"].as_string().in_(served)),
            and_(
                ~redact,
                or_(
                    and_(person.is_not(None), personal_chats.platform_column(person).in_(served)),
                    and_(role.is_not(None), role_target.in_(served)),
                ),
            ),
        )

    def _serves_all(self) -> bool:
        return all(p in self.transports for p in PLATFORMS)

    def deliver(self, msg: OutboxMessage, routed: Routed) -> Sent:
        return self.transports[routed.platform].deliver(msg, routed.rendered)

    def find_posted(self, msg: OutboxMessage, routed: Routed, since: datetime) -> Sent | None:
        finder = getattr(self.transports[routed.platform], "find_posted", None)
        return finder(msg, routed.rendered, since) if finder else None


def roles_elsewhere(env: Mapping[str, str] | None = None) -> dict[str, set[str]]:
    """Per platform, the roles whose conversation the environment names (TRIAGE_CHANNEL_ID,
    LEADS_CHANNEL_ID; TEAMS_TRIAGE_CONVERSATION_ID, TEAMS_LEADS_CONVERSATION_ID), for the
    platforms a process has no transport for: their rows wait for the process serving that
    platform, and a role set on both goes to the same platform from either process."""
    env = os.environ if env is None else env
    names = {
        "slack": {"triage": "TRIAGE_CHANNEL_ID", "leads": "LEADS_CHANNEL_ID"},
        "teams": {
            "triage": "TEAMS_TRIAGE_CONVERSATION_ID",
            "leads": "TEAMS_LEADS_CONVERSATION_ID",
        },
    }
    return {
        platform: {role for role, name in roles.items() if (env.get(name) or "").strip()}
        for platform, roles in names.items()
    }


def _card_platform(session: Session, case_id: int) -> str | None:
    """The platform the case's card was posted on (the first, if ever on two)."""
    found = [
        conversations.message_of(session, platform, conversations.CASE_CARD, case_id)
        for platform in ("slack", "teams")
    ]
    posted = [m for m in found if m is not None]
    return min(posted, key=lambda m: m.id).platform if posted else None
