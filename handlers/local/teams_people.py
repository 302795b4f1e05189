"""Who is in `msbot local --teams --demo`: the demo's people as Teams accounts, the team and its
two channels, and the Agents Playground's configuration for each person who opens one.

The playground shows one signed-in person per page (its ``currentUser``), so each view of the
demo (the team's, a supplier's) is a playground of its own, all pointed at the same front end.
Ids are fixed, so the same database can be reopened and the settings below keep matching.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from pathlib import Path

from handlers.local.people import EXTRAS, PEOPLE, Person

# GUIDs as Teams has them (tenant, bot, AAD objects), made up and stable.
TENANT_ID = "6d73626f-7400-4000-8000-0000000000d1"
BOT_APP_ID = "6d73626f-7400-4000-8000-0000000000b0"
BOT_NAME = "msbot"
_NAMESPACE = uuid.UUID("6d73626f-7400-4000-8000-000000000000")

TEAM_NAME = "Commercial Assurance"
TRIAGE_CHANNEL_ID = "19:complaints-triage@thread.tacv2"
TRIAGE_CHANNEL_NAME = "complaints-triage"
# The playground allows a team one channel besides General, so the leads' channel is the team's
# General channel (whose id is the team's own, as in Teams).
TEAM_ID = LEADS_CHANNEL_ID = "19:commercial-assurance-general@thread.tacv2"

# The playground's file, read from its working directory (JSON is YAML too).
CONFIG_FILE = ".m365agentsplayground.yml"
CONFIG_VERSION = "0.1.1"
# It insists on exactly five people besides the signed-in one.
ROSTER_SIZE = 5


@dataclass(frozen=True)
class TeamsAccount:
    person: Person
    user_id: str  # the channel account id ("29:…")
    aad_object_id: str  # what msbot knows a Teams person by (handlers/teams/actors.py)
    email: str

    @property
    def name(self) -> str:
        return self.person.name


def account(person: Person) -> TeamsAccount:
    slug = person.id.lower()
    return TeamsAccount(
        person=person,
        user_id=f"29:demo-{slug}",
        aad_object_id=str(uuid.uuid5(_NAMESPACE, person.id)),
        email=f"{person.name.split()[0].lower()}@demo.msbot.invalid",
    )


ACCOUNTS = {p.id: account(p) for p in (*PEOPLE, *EXTRAS)}


def by_name(name: str) -> TeamsAccount:
    for found in ACCOUNTS.values():
        if found.name == name:
            return found
    raise KeyError(name)


def role_ids(role: str) -> str:
    """A role setting's value: the AAD object ids of the switcher's people with that role."""
    return ",".join(ACCOUNTS[p.id].aad_object_id for p in PEOPLE if p.role == role)


def teams_env(database_url: str) -> dict[str, str]:
    """The core's and Teams' settings for the demo: the roles the Slack demo gives, named by
    Teams ids, and the team's two channels as the triage and leads' conversations."""
    return {
        "DATABASE_URL": database_url,
        "TEAMS_TRIAGE_CONVERSATION_ID": TRIAGE_CHANNEL_ID,
        "TEAMS_LEADS_CONVERSATION_ID": LEADS_CHANNEL_ID,
        "INVESTIGATOR_IDS": role_ids("investigator"),
        "LEAD_IDS": role_ids("lead"),
        "SHADOW_COORDINATOR_IDS": role_ids("coordinator"),
        "LOG_FORMAT": "console",
        "LOG_LEVEL": "WARNING",
        "OUTBOX_INTERVAL_SECONDS": "1",
    }


# Each view: who is signed in, and the five others the playground lists as the team's members.
# The team's view never lists the anonymous supplier, so nothing on its page can name them.
VIEWS = {
    "team": ("ULEAD", ("UINVEST1", "UINVEST2", "UCIVIL", "UCOORD", "UMANAGER")),
    "supplier": ("USUPPLIER", ("USUPPLY2", "UCIVIL", "UMANAGER", "UHOST", "UCOORD")),
    "anonymous": ("UANON", ("USUPPLY2", "UCIVIL", "UMANAGER", "UHOST", "UCOORD")),
}


def _user(found: TeamsAccount) -> dict:
    given, _, surname = found.name.partition(" ")
    return {
        "id": found.user_id,
        "name": found.name,
        "userPrincipleName": found.email,  # sic: the playground's spelling
        "aadObjectId": found.aad_object_id,
        "givenName": given,
        "surname": surname or given,
        "email": found.email,
    }


def personal_chat_id(person_id: str) -> str:
    return f"a:demo-personal-{person_id.lower()}"


def playground_config(view: str) -> dict:
    """The playground's configuration for one view: the team's (its channels hold the triage
    cards and the digest) or a supplier's (their 1:1 chat with msbot, in their own team)."""
    me, others = VIEWS[view]
    assert len(others) == ROSTER_SIZE
    if view == "team":
        team = {
            "id": TEAM_ID,
            "name": TEAM_NAME,
            "aadGroupId": str(uuid.uuid5(_NAMESPACE, "team")),
            "channels": [{"id": TRIAGE_CHANNEL_ID, "name": TRIAGE_CHANNEL_NAME}],
        }
    else:
        # A supplier is not in the commercial team: their playground has a team of its own.
        slug = me.lower()
        team = {
            "id": f"19:demo-{slug}-general@thread.tacv2",
            "name": "My organisation",
            "aadGroupId": str(uuid.uuid5(_NAMESPACE, f"team-{slug}")),
            "channels": [{"id": f"19:demo-{slug}-news@thread.tacv2", "name": "News"}],
        }
    return {
        "version": CONFIG_VERSION,
        "tenantId": TENANT_ID,
        "bot": {"id": BOT_APP_ID, "name": BOT_NAME},
        "currentUser": _user(ACCOUNTS[me]),
        "users": [_user(ACCOUNTS[other]) for other in others],
        "personalChat": {"id": personal_chat_id(me)},
        "groupChat": {"id": f"19:demo-group-{me.lower()}@thread.v2", "name": "Group chat"},
        "team": team,
    }


def write_config(view: str, folder: Path) -> Path:
    path = folder / CONFIG_FILE
    path.write_text(json.dumps(playground_config(view), indent=2))
    return path
