"""The policies in the core (bot/complaints/policy.py, bot/shadowing/policy.py), the refusals
that moved there from the Slack listeners (both databases), the per-request actor and case
(handlers/slack/actors.py), and "Assign to me" making one core call (docs/architecture.md,
"One click, end to end")."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from slack_bolt import BoltContext, BoltRequest, BoltResponse

from bot.complaints import lifecycle
from bot.complaints import policy as complaint_policy
from bot.errors import NotPermitted
from bot.permissions import COORDINATOR, INVESTIGATOR, LEAD, SYSTEM_ACTOR, Actor
from bot.shadowing import conflicts, hosts, rounds, signup
from bot.shadowing import policy as shadow_policy
from handlers.slack import actors
from handlers.slack.complaints import card_actions
from models import Complaint, ShadowConflict, ShadowRound
from tests.conftest import rows
from tests.people_ids import pid
from tests.test_shadow_core_support import (
    COORDINATOR_ACTOR,
    NOW,
    applicant,
    host,
    reading,
)

STRANGER = Actor(pid("USTRANGER"))

# --- the rules --------------------------------------------------------------------------------


def test_every_move_of_the_lifecycle_has_its_role_in_the_policy():
    assert set(lifecycle.TRANSITIONS) <= set(complaint_policy.ROLES)


def test_a_complaint_refusal_carries_a_code_and_the_case_never_a_person():
    case = Complaint(reference="MS-2026-0001", status="received", reporter_id=pid("UREP"))
    cases = [
        (STRANGER, "triage", complaint_policy.NOT_STAFF),
        (Actor(pid("UINV"), frozenset({INVESTIGATOR})), "reopen", complaint_policy.LEADS_ONLY),
        (Actor(pid("ULEAD"), frozenset({LEAD})), "withdraw", complaint_policy.REPORTER_ONLY),
        (STRANGER, "no_such_thing", complaint_policy.NO_SUCH_ACTION),
    ]
    for actor, action, code in cases:
        with pytest.raises(NotPermitted) as refused:
            complaint_policy.require(actor, action, case)
        assert refused.value.code == code, action
        assert refused.value.people == ()
        assert "<@" not in str(refused.value)
    assert complaint_policy.may(Actor(pid("ULEAD"), frozenset({LEAD})), "see_reports")
    assert not complaint_policy.may(Actor(pid("UINV"), frozenset({INVESTIGATOR})), "see_reports")


def test_shadowing_coordinator_actions_and_the_system():
    for action in shadow_policy.COORDINATOR_ACTIONS:
        assert shadow_policy.may(COORDINATOR_ACTOR, action)
        assert not shadow_policy.may(STRANGER, action)
        with pytest.raises(NotPermitted) as refused:
            shadow_policy.require(STRANGER, action)
        assert refused.value.code == shadow_policy.COORDINATORS_ONLY
        assert str(refused.value).startswith("Only work-shadowing coordinators can")
    # The scheduler and the command line run rounds; they never read conflict reasons.
    assert shadow_policy.may(SYSTEM_ACTOR, "run_rounds")
    assert not shadow_policy.may(SYSTEM_ACTOR, "see_conflicts")
    assert shadow_policy.recorded_as(SYSTEM_ACTOR) is None


# --- refusals that moved from the listeners into the core (both databases) ------------------


def test_only_coordinators_read_conflict_reasons(engine):
    a, h = applicant(engine, pid("U1")), host(engine, pid("UH1"))
    conflicts.record_conflict(
        engine, actor=COORDINATOR_ACTOR, applicant_id=a.id, host_id=h.id, reason="Secret."
    )
    with reading(engine) as s:
        for outsider in (STRANGER, Actor(pid("U1")), Actor(pid("UH1")), SYSTEM_ACTOR):
            with pytest.raises(NotPermitted) as refused:
                conflicts.list_conflicts(s, outsider)
            assert "Secret" not in str(refused.value)
        [listed] = conflicts.list_conflicts(s, COORDINATOR_ACTOR)
    assert listed.reason == "Secret."


def test_coordinator_refusals_change_nothing(engine, session):
    a, h = applicant(engine, pid("U1")), host(engine, pid("UH1"))
    with pytest.raises(NotPermitted, match="record conflicts"):
        conflicts.record(
            engine, actor=Actor(pid("U1")), applicant_id=a.id, host_id=h.id, reason="x"
        )
    with pytest.raises(NotPermitted, match="run matching rounds"):
        rounds.dry_run(engine, actor=Actor(pid("UH1")), now=NOW)
    with pytest.raises(NotPermitted, match="run matching rounds"):
        rounds.run_round(engine, commit=True, actor=STRANGER, now=NOW, expiry_days=7)
    assert rows(session, ShadowConflict) == [] and rows(session, ShadowRound) == []
    # The coordinator role comes with the actor, not from a list passed alongside it.
    rnd = rounds.dry_run(engine, actor=Actor(pid("UNEW"), frozenset({COORDINATOR})), now=NOW)
    assert rnd.started_by_id == pid("UNEW")


def test_places_are_changed_by_their_host_or_a_coordinator_only(engine):
    h = host(engine, pid("UH1"), capacity=2)
    with pytest.raises(NotPermitted) as refused:
        hosts.change_capacity(engine, h.id, actor=STRANGER, capacity=5)
    assert refused.value.code == shadow_policy.NOT_YOUR_PLACES
    with pytest.raises(NotPermitted):
        hosts.set_open(engine, h.id, actor=STRANGER, open_=False, now=NOW)
    assert hosts.change_capacity(engine, h.id, actor=Actor(pid("UH1")), capacity=3).capacity == 3
    assert hosts.set_open(engine, h.id, actor=COORDINATOR_ACTOR, open_=False, now=NOW)


def test_only_the_named_manager_decides_on_a_sign_up(engine):
    a = applicant(engine, pid("U1"), approve=False)
    for outsider in (Actor(pid("U1")), COORDINATOR_ACTOR):
        with pytest.raises(NotPermitted) as refused:
            signup.decide(engine, a.id, actor=outsider, approve=True, now=NOW)
        assert refused.value.code == shadow_policy.NOT_THE_MANAGER
    decided = signup.decide(engine, a.id, actor=Actor(a.manager_id), approve=True, now=NOW)
    assert decided.status == "queued"


# --- the adapter: actor and case once per request, one core call -----------------------------


def _through_middleware(services, body: dict) -> BoltContext:
    request = BoltRequest(body="", mode="socket_mode")
    request.body = body
    seen = actors.resolve(services)(request, BoltResponse(status=200), lambda: None)
    assert seen is None
    return request.context


def test_the_middleware_resolves_the_actor_and_the_case_once(monkeypatch):
    made = []

    def actor_for(services, user_id, team_id=None):
        made.append(user_id)
        return Actor(pid(user_id) if user_id else None, frozenset({INVESTIGATOR}))

    monkeypatch.setattr(actors, "actor_for", actor_for)
    click = {
        "type": "block_actions",
        "user": {"id": "UINV"},
        "actions": [{"action_id": "complaint_assign_self", "value": "MS-2026-0004"}],
    }
    context = _through_middleware(object(), click)
    assert made == ["UINV"]
    assert context["actor"] == Actor(pid("UINV"), frozenset({INVESTIGATOR}))
    assert context["case_reference"] == "MS-2026-0004"
    menu = {
        "type": "block_actions",
        "user": {"id": "UINV"},
        "actions": [{"action_id": "complaint_assign_to", "block_id": "case|MS-2026-0005"}],
    }
    assert _through_middleware(object(), menu)["case_reference"] == "MS-2026-0005"
    # A plain message in a thread (a note) is the busiest traffic and needs no roles.
    note = {"type": "event_callback", "event": {"type": "message", "user": "UINV"}}
    assert "actor" not in _through_middleware(object(), note)
    # A request that acts for someone but names nobody still gets an actor, with no roles.
    home = {"type": "event_callback", "event": {"type": "app_home_opened"}}
    assert _through_middleware(object(), home)["actor"].person_id is None
    assert made == ["UINV", "UINV", ""]


def test_assign_to_me_makes_one_core_call_with_the_request_s_actor(monkeypatch):
    calls, woken, handed = [], [], []
    actor = Actor(pid("UINV"), frozenset({INVESTIGATOR}))
    view = SimpleNamespace(card_refresh_id=7)

    def assign(engine, reference, assignee, by, now, *, only_if_unassigned):
        calls.append((reference, assignee, by, only_if_unassigned))
        return view

    monkeypatch.setattr(card_actions.investigation, "assign", assign)
    # Nothing else may be asked: the actor comes from the context, not a directory.
    monkeypatch.setattr(actors, "actor_for", lambda *a: pytest.fail("actor resolved twice"))
    services = SimpleNamespace(
        engine=None,
        now=lambda: NOW,
        send_queued=lambda: woken.append(True),
        handoff=SimpleNamespace(give=lambda row, v: handed.append((row, v))),
    )
    card_actions.assign(services, {}, "MS-2026-0004", actor, actor, True)
    assert calls == [("MS-2026-0004", actor, actor, True)]
    # The core's view goes to the card refresh it queued, which is drawn from it.
    assert handed == [(7, view)]
    assert woken == [True]


def test_no_slack_listener_reads_the_configured_roles():
    """Who holds a role is the directory's to say and what a role may do the policies': a
    listener that read the configured ids would be checking a role itself."""
    root = Path(__file__).resolve().parent.parent / "handlers" / "slack"
    readers = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        for name in ("coordinator_user_ids", "lead_user_ids", "investigator_user_ids")
        if name in path.read_text(encoding="utf-8")
    ]
    assert readers == []
