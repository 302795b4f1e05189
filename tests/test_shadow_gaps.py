"""Work-shadowing gaps found in use (issue 7, item 9), end to end over signed HTTP: coordinators
record conflicts from Slack, hosts close and reopen, an expired offer can't be accepted before
the expiry job runs, and a saved form takes its button away from the DM."""

from __future__ import annotations

import json
from datetime import date

from sqlmodel import Session

from models import ShadowApplicant, ShadowConflict, ShadowHost, ShadowPlacement
from tests import forms
from tests.conftest import rows
from tests.test_shadow_input import HUGE
from tests.test_shadow_slack import (  # noqa: F401 (fixtures)
    APPLICANT,
    COORD,
    HOST,
    NOW,
    STRANGER,
    _everything_sent_is_valid_block_kit,
    app,
    approved_applicant,
    as_json,
    buttons,
    click,
    dm,
    dry_run,
    fresh,
    host,
    matched,
    person,
    radio,
    shadow,
    submit,
)

REASON = "<!channel> Her brother chairs the host's board"


def conflict_values(user: str | None, host_id: int | None, reason: str = REASON) -> dict:
    values = {"reason": forms.text(reason)}
    if user is not None:
        values["applicant_id"] = person(user)
    if host_id is not None:
        values["host_id"] = forms.choice(str(host_id))
    return values


def open_conflict_form(slack, stub) -> dict:
    answer = slack.command("/shadow", "conflict", user=COORD, trigger_id="trig-conflict")
    assert answer.status == 200
    return as_json(stub.wait_for_call("views.open", trigger_id="trig-conflict").args["view"])


# --- coordinators record a conflict ---------------------------------------------------------


def test_recording_a_conflict_ends_the_open_offer_with_a_neutral_notice(slack, stub, session):
    placement = matched(slack, stub, session)
    offered_by = fresh(session, ShadowHost, placement.host_id)
    dm(stub, APPLICANT, "offer")
    dm(stub, HOST, "matched")

    view = open_conflict_form(slack, stub)
    assert view["callback_id"] == "shadow_conflict"
    by_id = {b.get("block_id"): b for b in view["blocks"]}
    assert by_id["applicant_id"]["element"]["type"] == "users_select"
    labels = [o["text"]["text"] for o in by_id["host_id"]["element"]["options"]]
    assert labels == [f"Host {offered_by.id}: Ambridge Mind"]

    reply = submit(slack, "shadow_conflict", conflict_values(APPLICANT, offered_by.id), user=COORD)
    done = json.dumps(reply.json())
    assert reply.json()["response_action"] == "update"
    [conflict] = rows(session, ShadowConflict)
    assert f"Conflict {conflict.id} is recorded" in done and "open offer was withdrawn" in done
    assert (conflict.applicant_id, conflict.host_id) == (placement.applicant_id, offered_by.id)
    assert conflict.source == "coordinator" and conflict.recorded_by == COORD

    ended = fresh(session, ShadowPlacement, placement.id)
    assert ended.status == "withdrawn" and ended.end_reason is None
    assert fresh(session, ShadowApplicant, placement.applicant_id).status == "queued"
    to_applicant = dm(stub, APPLICANT, "was withdrawn")
    assert "keep your place in the queue" in json.dumps(to_applicant)
    dm(stub, HOST, "was withdrawn")
    # The reason reaches nobody but the coordinators' list.
    everything = json.dumps([c.args for c in stub.calls])
    assert "brother" not in everything and "<!channel>" not in everything
    listed = json.dumps(shadow(slack, "conflicts", user=COORD))
    assert "Her brother chairs" in listed and f"host {offered_by.id} (Ambridge Mind)" in listed
    # And they are not matched again.
    assert "Would be matched: 0" in json.dumps(dry_run(slack, stub))


def test_recording_a_conflict_leaves_other_pairs_alone(slack, stub, session):
    placement = matched(slack, stub, session)
    other = host(slack, session, user="U301", organisation=forms.text("Borsetshire Food Bank"))
    reply = submit(slack, "shadow_conflict", conflict_values(APPLICANT, other.id), user=COORD)
    assert "open offer" not in json.dumps(reply.json())
    assert fresh(session, ShadowPlacement, placement.id).status == "offered"


def test_the_conflict_form_is_validated_next_to_its_fields(slack, stub, session):
    applicant = approved_applicant(slack, stub, session)
    offered_by = host(slack, session)
    cases = [
        (conflict_values(None, offered_by.id), "applicant_id", "Choose the civil servant"),
        (conflict_values(APPLICANT, None), "host_id", "Choose the host"),
        (conflict_values(STRANGER, offered_by.id), "applicant_id", "not signed up"),
        (conflict_values(APPLICANT, offered_by.id, reason="  "), "reason", "Say what"),
        (conflict_values(APPLICANT, offered_by.id, "x" * 1600), "reason", "under 1500"),
        (conflict_values(APPLICANT, 2_000_000_000), "host_id", "no host"),
    ]
    for values, field, words in cases:
        body = submit(slack, "shadow_conflict", values, user=COORD).json()
        assert body["response_action"] == "errors", values
        assert words in body["errors"][field], body
    outsider = submit(slack, "shadow_conflict", conflict_values(APPLICANT, offered_by.id))
    assert "Only work-shadowing coordinators" in outsider.json()["errors"]["reason"]
    refused = shadow(slack, "conflict", user=APPLICANT)["text"]
    assert refused.startswith("Only work-shadowing coordinators can")
    assert rows(session, ShadowConflict) == []
    assert fresh(session, ShadowApplicant, applicant.id).status == "queued"


# --- hosts close and reopen -----------------------------------------------------------------


def test_a_closed_host_gets_no_new_offers_until_it_reopens(slack, stub, session):
    approved_applicant(slack, stub, session)
    offered_by = host(slack, session)
    closed = shadow(slack, f"close {offered_by.id}", user=HOST)["text"]
    assert f"Host {offered_by.id} is closed" in closed
    assert fresh(session, ShadowHost, offered_by.id).status == "closed"
    assert f"/shadow reopen {offered_by.id}" in json.dumps(shadow(slack, "status", user=HOST))
    assert "already closed" in shadow(slack, f"close {offered_by.id}", user=HOST)["text"]
    assert "Would be matched: 0" in json.dumps(dry_run(slack, stub))

    theirs = shadow(slack, f"reopen {offered_by.id}", user=STRANGER)["text"]
    assert theirs.startswith("Nothing changed.")
    assert "open again" in shadow(slack, f"reopen {offered_by.id}", user=HOST)["text"]
    assert "Would be matched: 1" in json.dumps(dry_run(slack, stub))


def test_closing_leaves_existing_offers_and_placements_alone(slack, stub, session):
    placement = matched(slack, stub, session)
    shadow(slack, f"close {placement.host_id}", user=HOST)
    click(slack, stub, "shadow_offer_accept", placement.id, user=APPLICANT, channel="DU100")
    click(slack, stub, "shadow_offer_accept", placement.id, user=HOST, channel="DU300")
    assert fresh(session, ShadowPlacement, placement.id).status == "accepted"


def test_close_and_reopen_check_their_numbers(slack, session):
    for verb in ("close", "reopen"):
        assert "Say which host" in shadow(slack, verb, user=HOST)["text"]
        assert "Say which host" in shadow(slack, f"{verb} lots", user=HOST)["text"]
        assert shadow(slack, f"{verb} {HUGE}", user=HOST)["text"].startswith("There is no host")
        missing = shadow(slack, f"{verb} 424242", user=HOST)["text"]
        assert missing == "Nothing changed. That host was not found."


# --- an expired offer -----------------------------------------------------------------------


def test_an_offer_past_its_time_lapses_when_clicked_before_the_expiry_job(slack, stub, session):
    placement = matched(slack, stub, session)
    with Session(session.get_bind()) as s:
        stored = s.get(ShadowPlacement, placement.id)
        stored.expires_at = NOW  # exactly now: the expiry job would lapse it too
        s.add(stored)
        s.commit()
    outcome = click(slack, stub, "shadow_offer_accept", placement.id, user=HOST, channel="DU300")
    assert outcome.method == "chat.postEphemeral"
    assert outcome.args["text"].startswith("This offer expired on")
    after = fresh(session, ShadowPlacement, placement.id)
    assert after.status == "expired" and after.host_response is None
    assert fresh(session, ShadowApplicant, placement.applicant_id).status == "queued"
    dm(stub, APPLICANT, "expired before both sides accepted")
    dm(stub, HOST, "expired before both sides accepted")


# --- a saved form takes its button away -----------------------------------------------------


def test_saving_the_dates_and_the_feedback_removes_their_buttons_from_the_dm(
    request, slack, stub, session
):
    running = request.getfixturevalue("app")
    placement = matched(slack, stub, session)
    click(slack, stub, "shadow_offer_accept", placement.id, user=APPLICANT, channel="DU100")
    click(slack, stub, "shadow_offer_accept", placement.id, user=HOST, channel="DU300")
    dm(stub, APPLICANT, "is confirmed")

    slack.block_action(
        "shadow_schedule_open",
        str(placement.id),
        user=APPLICANT,
        channel="DU100",
        message_ts="1700000000.000500",
        trigger_id="trig-dates",
    )
    view = as_json(stub.wait_for_call("views.open", trigger_id="trig-dates").args["view"])
    dates = {"start_date": forms.day("2026-12-07"), "end_date": forms.day("2026-12-11")}
    reply = submit(
        slack, "shadow_schedule", dates, user=APPLICANT, private_metadata=view["private_metadata"]
    )
    assert reply.json()["response_action"] == "update"
    update = stub.wait_for_call("chat.update", ts="1700000000.000500").args
    assert update["channel"] == "DU100"
    assert buttons(update) == [("shadow_complete", str(placement.id))]  # "Set dates" is gone

    running.services.today = lambda: date(2026, 12, 11)
    click(slack, stub, "shadow_complete", placement.id, user=HOST, channel="DU300")
    dm(stub, APPLICANT, "How did your placement")
    slack.block_action(
        "shadow_feedback_open",
        str(placement.id),
        user=APPLICANT,
        channel="DU100",
        message_ts="1700000000.000600",
        trigger_id="trig-feedback",
    )
    view = as_json(stub.wait_for_call("views.open", trigger_id="trig-feedback").args["view"])
    answers = {
        "worthwhile": radio("4"),
        "learned": forms.text("A lot."),
        "would_recommend": radio("yes"),
    }
    reply = submit(
        slack,
        "shadow_feedback",
        answers,
        user=APPLICANT,
        private_metadata=view["private_metadata"],
    )
    assert reply.json()["response_action"] == "update"
    update = stub.wait_for_call("chat.update", ts="1700000000.000600").args
    assert update["channel"] == "DU100" and buttons(update) == []
    assert "Thank you for your feedback" in json.dumps(update)


def test_forged_message_details_in_the_form_are_ignored(slack, stub, session):
    placement = matched(slack, stub, session)
    click(slack, stub, "shadow_offer_accept", placement.id, user=APPLICANT, channel="DU100")
    click(slack, stub, "shadow_offer_accept", placement.id, user=HOST, channel="DU300")
    metadata = json.dumps({"placement": placement.id, "channel": "<!channel>", "ts": "x" * 50})
    dates = {"start_date": forms.day("2026-12-07"), "end_date": forms.day("2026-12-11")}
    reply = submit(slack, "shadow_schedule", dates, user=APPLICANT, private_metadata=metadata)
    assert reply.json()["response_action"] == "update"
    assert fresh(session, ShadowPlacement, placement.id).status == "scheduled"
    dm(stub, HOST, "7 Dec 2026")
    assert [c for c in stub.of("chat.update") if c.args.get("ts") == "x" * 50] == []
