"""Role settings name people by any of their accounts (Slack, Teams) or their email."""

from __future__ import annotations

import pytest

from bot.config import ConfigError, load_settings
from bot.people import PersonRef
from bot.permissions import COORDINATOR, INVESTIGATOR, LEAD, RoleDirectory

GUID = "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b"
BOT_FRAMEWORK_ID = "29:1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_aBcDeF"
BASE = {
    "SLACK_BOT_TOKEN": "xoxb-1",
    "SLACK_SIGNING_SECRET": "8f14e45fceea167a5a36dedd4bea2543",
    "TRIAGE_CHANNEL_ID": "C0123",
}


def _settings(**env):
    return load_settings({**BASE, **env})


def test_role_settings_take_slack_ids_teams_ids_and_emails():
    s = _settings(
        INVESTIGATOR_IDS=f"U1AA, {GUID.upper()}, {BOT_FRAMEWORK_ID}",
        LEAD_IDS="Lena.Okafor@Example.gov.uk",
        SHADOW_COORDINATOR_IDS=f"UCOORD1,{GUID}",
    )
    # GUIDs and emails ignore case; Slack and Bot Framework ids are kept as given.
    assert s.investigator_user_ids == {"U1AA", GUID, BOT_FRAMEWORK_ID}
    assert s.lead_user_ids == {"lena.okafor@example.gov.uk"}
    assert s.coordinator_user_ids == {"UCOORD1", GUID}


@pytest.mark.parametrize(
    "value", ["bob", "#x", "u1aa", "29:", "not-a-guid-at-all", "a@b", "<@U1AA>", "x@y.uk;U1"]
)
def test_anything_else_in_a_role_setting_is_refused(value):
    for name in ("INVESTIGATOR_IDS", "LEAD_IDS", "SHADOW_COORDINATOR_IDS"):
        with pytest.raises(ConfigError) as bad:
            _settings(**{name: value})
        assert name in str(bad.value)


class _Roles:
    investigator_user_ids = frozenset({"UINV1", GUID})
    lead_user_ids = frozenset({"lena@example.gov.uk"})
    coordinator_user_ids = frozenset({BOT_FRAMEWORK_ID})


def test_a_person_holds_a_role_named_by_any_of_their_accounts_or_their_email():
    directory = RoleDirectory(_Roles(), lambda: frozenset({"UGROUP1"}))
    teams_investigator = PersonRef(7, "Ivy", (("teams", GUID.upper()),))
    both = PersonRef(8, "Cora", (("slack", "UCORA"), ("teams", BOT_FRAMEWORK_ID)))
    lead_by_email = PersonRef(9, "Lena", (("slack", "ULENA"),), email="Lena@Example.gov.uk")
    in_the_group = PersonRef(10, "Omar", (("slack", "UGROUP1"),))
    nobody = PersonRef(11, "Sam", (("slack", "USAM"), ("teams", "29:someoneelse1")))

    assert directory.actor_for(teams_investigator).roles == {INVESTIGATOR}
    assert directory.actor_for(both).roles == {COORDINATOR}
    assert directory.actor_for(lead_by_email).roles == {LEAD}
    assert directory.actor_for(in_the_group).roles == {INVESTIGATOR}
    assert directory.actor_for(nobody).roles == frozenset()


def test_the_actor_of_a_person_is_identified_by_the_person():
    directory = RoleDirectory(_Roles())
    actor = directory.actor_for(PersonRef(7, "Ivy", (("slack", "UINV1"),)))
    assert (actor.person_id, actor.roles) == (7, {INVESTIGATOR})
    teams_only = directory.actor_for(PersonRef(12, "Tia", (("teams", GUID),)))
    assert teams_only.person_id == 12 and teams_only.roles == {INVESTIGATOR}
    # A Slack user group lists Slack ids: a Teams-only person is never looked up in it.
    calls: list[int] = []
    grouped = RoleDirectory(_Roles(), lambda: calls.append(1) or frozenset())
    grouped.actor_for(PersonRef(13, "Tia", (("teams", "29:abcdefgh12"),)))
    assert calls == []
