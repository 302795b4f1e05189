"""Who is in the local workspace, and the settings that give them their roles."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

BOT_ID = "UBOT"
BOT_NAME = "msbot"
TRIAGE = "CTRIAGE"
LEADS = "CLEADS"
INVESTIGATOR_GROUP = "SINVESTIGATORS"


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    role: str  # shown in the person switcher


PEOPLE = (
    Person("USUPPLIER", "Sam Patel", "supplier"),
    Person("UANON", "Alex Reid", "anonymous supplier"),
    Person("UINVEST1", "Ivy Chen", "investigator"),
    Person("UINVEST2", "Omar Haddad", "investigator"),
    Person("ULEAD", "Lena Okafor", "lead"),
    Person("UCIVIL", "Chris Doyle", "civil servant"),
    Person("UMANAGER", "Maya Singh", "line manager"),
    Person("UHOST", "Hugo Brennan", "host"),
    Person("UCOORD", "Cora Wallace", "coordinator"),
)
# People the demo data set is about, who are not in the switcher.
EXTRAS = (
    Person("UAPPLY1", "Priya Shah", "civil servant"),
    Person("UAPPLY2", "Tom Fischer", "civil servant"),
    Person("UAPPLY3", "Nadia Kowalski", "civil servant"),
    Person("UMANAGER2", "Ben Adeyemi", "line manager"),
    Person("UHOST2", "Ruth Evans", "host"),
    Person("USUPPLY2", "Dev Mistry", "supplier"),
)
# Who is in which channel, by the role shown in the switcher. Both channels are the team's
# own (private in a real workspace): suppliers, civil servants, managers and hosts are not in
# them, so they can neither read nor post there, as Slack would enforce.
CHANNEL_ROLES = {
    TRIAGE: ("investigator", "lead"),
    LEADS: ("lead",),
}
CHANNELS = (
    {"id": TRIAGE, "name": "complaints-triage", "kind": "channel"},
    {"id": LEADS, "name": "complaints-leads", "kind": "channel"},
)


def channel_members(channel: str) -> list[str]:
    """The people (and msbot) in one of the workspace's channels."""
    roles = CHANNEL_ROLES.get(channel, ())
    return [BOT_ID, *(p.id for p in PEOPLE if p.role in roles)]


def names() -> dict[str, str]:
    return {BOT_ID: BOT_NAME, **{p.id: p.name for p in (*PEOPLE, *EXTRAS)}}


def role_ids(role: str) -> str:
    return ",".join(p.id for p in PEOPLE if p.role == role)


def local_env(api_url: str, database_url: str) -> dict[str, str]:
    """Settings for msbot in the local workspace: a made-up token and secret, this fake's Web
    API, and every role given to the people in the switcher."""
    return {
        "SLACK_BOT_TOKEN": "xoxb-local-" + secrets.token_hex(8),
        "SLACK_SIGNING_SECRET": secrets.token_hex(16),
        "SLACK_API_URL": api_url,
        "DATABASE_URL": database_url,
        "TRIAGE_CHANNEL_ID": TRIAGE,
        "LEADS_CHANNEL_ID": LEADS,
        "INVESTIGATOR_IDS": role_ids("investigator"),
        "INVESTIGATOR_GROUP_ID": INVESTIGATOR_GROUP,
        "LEAD_IDS": role_ids("lead"),
        "SHADOW_COORDINATOR_IDS": role_ids("coordinator"),
        "LOG_FORMAT": "console",
        "LOG_LEVEL": "WARNING",
        # The workspace is one person's: send what is queued promptly.
        "OUTBOX_INTERVAL_SECONDS": "2",
    }
