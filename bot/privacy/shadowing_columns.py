"""The register's entries for the work-shadowing tables (models/shadowing.py)."""

from __future__ import annotations

from bot.privacy.terms import (
    AUDIT,
    CONFLICT,
    CREATED,
    FORM_KEY,
    HOST_OFFER,
    PLACEMENT,
    ROUND,
    ROW_ID,
    SIGN_UP,
    STATUS,
    UPDATED,
    Entry,
    Kind,
    Link,
    Whose,
    not_personal,
    person_ref,
    personal,
    staff_actor,
)

APPLICANT, MANAGER, HOST = Whose.CIVIL_SERVANT, Whose.MANAGER, Whose.HOST
COORDINATOR = Whose.COORDINATOR
COUNTED = (
    "The shadowing report counts sign-ups by it; once the sign-up's user ids and role are "
    "erased it singles nobody out, and the counts must not change."
)
FOR_MATCHING = "What matching compares; the coordinator sees it."

SHADOW_APPLICANT: dict[str, Entry] = {
    "id": ROW_ID,
    "person_id": person_ref(
        Link.OWNER,
        APPLICANT,
        "Whose sign-up it is: their offers, DMs and `/shadow status`.",
        SIGN_UP,
    ),
    "active_person_id": person_ref(
        Link.OWNER,
        APPLICANT,
        "A copy of user_id while the sign-up is active: one active sign-up per person.",
        SIGN_UP,
        note="Stored twice with user_id while active; both are exported and erased.",
    ),
    "submission_key": FORM_KEY,
    "status": STATUS,
    "department": personal(
        Kind.ABOUT_PERSON,
        APPLICANT,
        "The applicant's employer: conflicts of interest are checked against it.",
        SIGN_UP,
        erase=COUNTED,
    ),
    "grade": personal(Kind.ABOUT_PERSON, APPLICANT, FOR_MATCHING, SIGN_UP),
    "role": personal(
        Kind.IDENTITY,
        APPLICANT,
        "The applicant's job title, as typed: hosts and coordinators read it.",
        SIGN_UP,
    ),
    "region": personal(Kind.ABOUT_PERSON, APPLICANT, FOR_MATCHING, SIGN_UP, erase=COUNTED),
    "mode": not_personal("In person, remote or either: a choice from a list."),
    "interests": personal(
        Kind.ABOUT_PERSON,
        APPLICANT,
        FOR_MATCHING,
        SIGN_UP,
        erase="Choices from a fixed list that single nobody out once the sign-up's user "
        "ids and role are erased.",
        note="JSON list of area codes from bot.shadowing.catalog: no free text.",
    ),
    "learning_goals": personal(
        Kind.WRITTEN_BY_PERSON,
        APPLICANT,
        "What the applicant hopes to learn; hosts read it with the offer.",
        SIGN_UP,
    ),
    "available_from": not_personal("Start of the applicant's window."),
    "available_to": not_personal("End of the applicant's window."),
    "length": not_personal("A choice from a list."),
    "length_days": not_personal("The length in days."),
    "manager_id": person_ref(
        Link.ACTOR,
        MANAGER,
        "Who approves the sign-up: the approval request goes to them.",
        SIGN_UP,
        note="The manager's data too: a manager's export lists the sign-ups they approved.",
    ),
    "queued_at": not_personal("The applicant's place in the queue."),
    "withdrawn_reason": personal(
        Kind.WRITTEN_BY_PERSON,
        APPLICANT,
        "Why the applicant withdrew, in their words.",
        SIGN_UP,
    ),
    "created_at": CREATED,
    "updated_at": UPDATED,
}

SHADOW_HOST: dict[str, Entry] = {
    "id": ROW_ID,
    "person_id": person_ref(
        Link.OWNER,
        HOST,
        "Who offered the places: their offers, DMs and host commands.",
        HOST_OFFER,
    ),
    "submission_key": FORM_KEY,
    "status": STATUS,
    "organisation": personal(
        Kind.IDENTITY,
        HOST,
        "The host's organisation: applicants, coordinators and conflicts of interest use it.",
        HOST_OFFER,
        erase="Names an organisation, not the person, and conflicts are matched on it; "
        "the host's own identity (user_id, contact_name, contact_email) is what is erased.",
    ),
    "contact_name": personal(
        Kind.IDENTITY,
        HOST,
        "Who the placed civil servant should contact.",
        HOST_OFFER,
    ),
    "contact_email": personal(
        Kind.CONTACT,
        HOST,
        "How the placed civil servant reaches the host.",
        HOST_OFFER,
    ),
    "areas": not_personal(
        "What the host offers, about the organisation.",
        note="JSON list of area codes from bot.shadowing.catalog: no free text.",
    ),
    "region": not_personal("Where the organisation is: a choice from a list."),
    "mode": not_personal("In person, remote or either."),
    "capacity": not_personal("Places offered."),
    "available_from": not_personal("Start of the offer."),
    "available_to": not_personal("End of the offer."),
    "activities": personal(
        Kind.WRITTEN_BY_PERSON,
        HOST,
        "What a placement involves, as the host wrote it; applicants read it with an offer.",
        HOST_OFFER,
    ),
    "created_at": CREATED,
    "updated_at": UPDATED,
}

SHADOW_CONFLICT: dict[str, Entry] = {
    "id": ROW_ID,
    "applicant_id": not_personal(
        "The sign-up in conflict (empty: a whole department).", parent="shadow_applicant"
    ),
    "host_id": not_personal(
        "The host offer in conflict (empty: a whole organisation).", parent="shadow_host"
    ),
    "department": personal(
        Kind.ABOUT_PERSON,
        (HOST, APPLICANT),
        "A department a host declared a conflict with, or a coordinator's conflict rule.",
        CONFLICT,
        erase="A department from the fixed list; it names nobody once the host's identity "
        "is erased, and the rule must keep stopping matches while the conflict is kept.",
    ),
    "organisation": personal(
        Kind.ABOUT_PERSON,
        (APPLICANT, HOST),
        "An organisation the applicant declared a conflict with (typed, one per line), or a "
        "coordinator's conflict rule.",
        CONFLICT,
        note="Typed by the applicant: may reveal a relationship (a partner's employer).",
    ),
    "source": not_personal("applicant, host, coordinator or automatic."),
    "reason": personal(
        Kind.ABOUT_PERSON,
        (APPLICANT, HOST, COORDINATOR),
        "Why the conflict exists, written by a coordinator (or a fixed sentence for a "
        "declaration); coordinators only.",
        CONFLICT,
        author="recorded_by_id",
    ),
    "status": STATUS,
    "safeguards": personal(
        Kind.ABOUT_PERSON,
        (APPLICANT, HOST, COORDINATOR),
        "The safeguards agreed when a coordinator cleared the conflict.",
        CONFLICT,
        author="cleared_by_id",
    ),
    "recorded_by_id": staff_actor(
        (APPLICANT, HOST, COORDINATOR),
        "Who declared or recorded the conflict.",
        CONFLICT,
        erase="A coordinator: not while the conflict is kept (accountability). An applicant "
        "or host who declared it: yes.",
    ),
    "cleared_by_id": staff_actor(
        COORDINATOR,
        "The coordinator who cleared the conflict.",
        CONFLICT,
        erase="Not while the conflict is kept: who agreed the safeguards is the record.",
    ),
    "created_at": CREATED,
    "cleared_at": not_personal("When it was cleared."),
    "submission_key": FORM_KEY,
}

SHADOW_ROUND: dict[str, Entry] = {
    "id": ROW_ID,
    "started_by_id": staff_actor(
        COORDINATOR,
        "The coordinator who ran the round (empty: the scheduler or the command line).",
        ROUND,
        erase="Not while the round is kept: who made the offers is the record.",
    ),
    "status": STATUS,
    "summary": not_personal(
        "The round's figures.",
        note="JSON of counts only (queued, matched, unmatched by reason, places, hosts, "
        "seconds): bot.shadowing.rounds.RoundPlan.summary.",
    ),
    "created_at": CREATED,
    "committed_at": not_personal("When the round's offers were made."),
}

SHADOW_PLACEMENT: dict[str, Entry] = {
    "id": ROW_ID,
    "round_id": not_personal("The round that offered it."),
    "applicant_id": not_personal(
        "The sign-up placed; the person is on that row.", parent="shadow_applicant"
    ),
    "host_id": not_personal("The host offer; the person is on that row.", parent="shadow_host"),
    "status": STATUS,
    "applicant_response": not_personal("accepted or declined: exported with the placement."),
    "host_response": not_personal("accepted or declined: exported with the placement."),
    "score": not_personal("How well the two matched, computed."),
    "offered_at": not_personal("When the offer was made."),
    "expires_at": not_personal("When the offer lapses."),
    "start_date": not_personal("The placement's first day."),
    "end_date": not_personal("The placement's last day; retention counts from it."),
    "ended_by_id": staff_actor(
        (APPLICANT, HOST, COORDINATOR),
        "Who declined, withdrew or ended the placement.",
        PLACEMENT,
        erase="A coordinator: not while the placement is kept (accountability). The "
        "civil servant or host: yes.",
    ),
    "end_reason": personal(
        Kind.WRITTEN_BY_PERSON,
        (APPLICANT, HOST),
        "Why the placement ended early, in the words of whoever ended it.",
        PLACEMENT,
        author="ended_by_id",
    ),
    "updated_at": UPDATED,
}

SHADOW_FEEDBACK: dict[str, Entry] = {
    "id": ROW_ID,
    "placement_id": not_personal("The placement the feedback is about.", parent="shadow_placement"),
    "side": not_personal("applicant or host."),
    "person_id": person_ref(
        Link.OWNER,
        (APPLICANT, HOST),
        "Who gave the feedback: one per side.",
        PLACEMENT,
    ),
    "worthwhile": not_personal(
        "A 1-5 rating; the shadowing report averages it, so an erasure leaves it."
    ),
    "learned": personal(
        Kind.WRITTEN_BY_PERSON,
        (APPLICANT, HOST),
        "What the placement taught, in the giver's words; read by coordinators.",
        PLACEMENT,
        note="May name the other side of the placement.",
    ),
    "would_recommend": not_personal("Yes or no; the shadowing report counts it."),
    "created_at": CREATED,
}

SHADOW_EVENT: dict[str, Entry] = {
    "id": ROW_ID,
    "at": not_personal("When it happened."),
    "actor_id": staff_actor(
        (APPLICANT, MANAGER, HOST, COORDINATOR),
        "Who made the change: timelines and accountability.",
        AUDIT,
        erase="A coordinator: not while the event is kept (accountability). Anyone else: yes.",
    ),
    "kind": not_personal("Which change (signed_up, approved, offer_accepted, ...)."),
    "applicant_id": not_personal("The sign-up concerned.", parent="shadow_applicant"),
    "host_id": not_personal("The host offer concerned.", parent="shadow_host"),
    "placement_id": not_personal("The placement concerned.", parent="shadow_placement"),
    "data": not_personal(
        "The change's details.",
        note="JSON of ids, statuses, dates and counts only, never text: conflict reasons and "
        "safeguards stay on the conflict (bot.shadowing.events).",
    ),
}

TABLES: dict[str, dict[str, Entry]] = {
    "shadow_applicant": SHADOW_APPLICANT,
    "shadow_host": SHADOW_HOST,
    "shadow_conflict": SHADOW_CONFLICT,
    "shadow_round": SHADOW_ROUND,
    "shadow_placement": SHADOW_PLACEMENT,
    "shadow_feedback": SHADOW_FEEDBACK,
    "shadow_event": SHADOW_EVENT,
}
