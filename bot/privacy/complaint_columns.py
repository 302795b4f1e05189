"""The register's entries for the complaint tables (models/complaint.py)."""

from __future__ import annotations

from bot.privacy.terms import (
    AUDIT,
    CASE,
    CREATED,
    FORM_KEY,
    ROW_ID,
    STATUS,
    Entry,
    Kind,
    Link,
    Whose,
    not_personal,
    person_ref,
    personal,
    staff_actor,
)

SUPPLIER, INVESTIGATOR, LEAD = Whose.SUPPLIER, Whose.INVESTIGATOR, Whose.LEAD
STAFF = (INVESTIGATOR, LEAD)
CASE_ID = not_personal("Which case the row belongs to.", parent="complaint")
OTHER_CASE = not_personal("A case of the link or group; its people are on that case.")
KEPT_FOR_CASE = "The case is the service's record of what it did; kept as long as the case."
SUPPLIERS_TEXT = (
    "The supplier's account, read by investigators and checked against the public summary."
)
COPIED_TO_GROUP = (
    "Copied (normalised) from the group's first case: what a supplier typed there is stored "
    "twice, on the case and on its group."
)
RESOLVE_TEXT_NOTE = (
    "Stored twice: also in the `transition` event's data (complaint_event.data); an export "
    "reads both and an erasure redacts both."
)


def typed_about_procurement(why: str, note: str = "") -> Entry:
    """A field the supplier types that names the authority or the procurement, not a person."""
    return personal(
        Kind.WRITTEN_BY_PERSON,
        SUPPLIER,
        why,
        CASE,
        erase="Typed by the supplier, but it names a public body or its procurement, not a "
        "person; related cases are grouped by it and published results name the authority.",
        note=note,
    )


COMPLAINT: dict[str, Entry] = {
    "id": ROW_ID,
    "reference": not_personal("The case's public reference, e.g. MS-2026-0007."),
    "year": not_personal("Year part of the reference."),
    "seq": not_personal("Number part of the reference."),
    "status": STATUS,
    "submission_key": FORM_KEY,
    "reporter_id": person_ref(
        Link.OWNER,
        SUPPLIER,
        "Who filed the case: their DMs, `/complaint status`, their own withdrawal, and for an "
        "anonymous case the lead's reveal (the only path that may read it then).",
        CASE,
        note="Empty for a spot check. For an anonymous case no other column, event or log "
        "line names the filer: this one column ties the person to the case.",
    ),
    "anonymous": not_personal("Whether the filer asked to stay anonymous."),
    "authority_name": typed_about_procurement(
        "The public body complained about: the card, related cases, published results."
    ),
    "authority_kind": not_personal("A choice from a list."),
    "procurement_title": typed_about_procurement(
        "Which procurement: the card, and related cases are found by it."
    ),
    "procurement_reference": typed_about_procurement(
        "The authority's reference for the procurement: related cases are found by it."
    ),
    "stage": not_personal("A choice from a list."),
    "category": not_personal("A choice from a list."),
    "procurement_date": not_personal("When the procurement happened."),
    "what_happened": personal(
        Kind.WRITTEN_BY_PERSON,
        SUPPLIER,
        SUPPLIERS_TEXT,
        CASE,
        note="May name the supplier, their staff or officials at the authority.",
    ),
    "outcome_wanted": personal(Kind.WRITTEN_BY_PERSON, SUPPLIER, SUPPLIERS_TEXT, CASE),
    "organisation_name": personal(
        Kind.IDENTITY,
        SUPPLIER,
        "The supplier's business, shown on the card unless the case is anonymous.",
        CASE,
        note="Identifies an anonymous filer as surely as their user id: only the reveal path "
        "may show it for an anonymous case.",
    ),
    "organisation_type": not_personal("A choice from a list (size of business)."),
    "invoice_amount_pence": not_personal(
        "A late payment's amount; exported with the case, not an identifier."
    ),
    "invoice_date": not_personal("A late payment's invoice date."),
    "received_on": not_personal("When the case arrived."),
    "due_date": not_personal("The service target."),
    "created_at": CREATED,
    "kind": not_personal("complaint or spot_check."),
    "assignee_id": staff_actor(
        INVESTIGATOR,
        "Who is working the case: App Home, reminders, the card.",
        CASE,
        erase="Not while the case is kept: who investigated is part of the record; an "
        "investigator who leaves is replaced by reassignment, not erased.",
    ),
    "authority_contacted_on": not_personal("A date of the investigation."),
    "authority_reply_due": not_personal("A date of the investigation."),
    "authority_replied_on": not_personal("A date of the investigation."),
    "supplier_wait_days": not_personal("Days the service target was paused."),
    "awaiting_supplier_since": not_personal("A date of the investigation."),
    "outcome": not_personal("A choice from a list."),
    "agreed_actions": personal(
        Kind.WRITTEN_BY_PERSON,
        INVESTIGATOR,
        "What the authority agreed to do; the supplier is told, the follow-up checks it.",
        CASE,
        note=RESOLVE_TEXT_NOTE,
    ),
    "money_released_pence": not_personal("A figure the reports add up."),
    "public_summary": personal(
        Kind.WRITTEN_BY_PERSON,
        INVESTIGATOR,
        "The anonymised summary the reports publish when `publishable` is set.",
        CASE,
        erase="Published reports stay as they are (issue 17); the summary is anonymised "
        "when written (the form refuses the supplier's own words unless "
        "`summary_uses_supplier_words` is ticked, and then the erasure must redact it).",
        note=RESOLVE_TEXT_NOTE,
        erase_if="summary_uses_supplier_words",
    ),
    "summary_uses_supplier_words": not_personal(
        "The investigator ticked that the summary may repeat the supplier's words."
    ),
    "publishable": not_personal("Whether the summary may be published."),
    "follow_up_due": not_personal("A date of the investigation."),
    "follow_up_result": not_personal("A choice from a list."),
    "follow_up_note": personal(
        Kind.WRITTEN_BY_PERSON,
        INVESTIGATOR,
        "Whether the agreed change happened, in the investigator's words.",
        CASE,
        note=RESOLVE_TEXT_NOTE,
    ),
    "resolved_on": not_personal("When the case was resolved; the reports count by it."),
    "closed_on": not_personal("When the case closed; retention counts from it."),
    "status_reason": personal(
        Kind.WRITTEN_BY_PERSON,
        (SUPPLIER, INVESTIGATOR, LEAD),
        "Why the case ended or was reopened; the supplier is told. A supplier's withdrawal "
        "reason, an investigator's out-of-scope or referral note, a lead's reopen reason.",
        CASE,
        note=RESOLVE_TEXT_NOTE,
    ),
    "group_id": not_personal("The procurement group the case belongs to."),
    "grouped_at": not_personal("When grouping was done (claims the work once)."),
}

COMPLAINT_EVENT: dict[str, Entry] = {
    "id": ROW_ID,
    "complaint_id": CASE_ID,
    "at": not_personal("When it happened."),
    "actor_id": staff_actor(
        (INVESTIGATOR, LEAD, SUPPLIER),
        "Who made the change: the case's timeline and accountability.",
        AUDIT,
        erase="Staff: not while the case is kept (who did what is the audit). A named "
        "supplier (their own `received` or `withdraw`): yes. An anonymous supplier is never "
        "stored here (bot.complaints.lifecycle._recorded_actor).",
        note="A `revealed` event is a lead's reveal of an anonymous filer (the identity itself "
        "is not stored): it belongs in that lead's export and in the supplier's (issue 17 "
        "item 5), found through the case's reporter_id.",
    ),
    "kind": not_personal("Which change (received, transition, assigned, relayed, ...)."),
    "data": personal(
        Kind.WRITTEN_BY_PERSON,
        (SUPPLIER, INVESTIGATOR, LEAD),
        "The change's details, for the timeline and the audit.",
        AUDIT,
        staff_kept=True,
        note="JSON. `transition`: the case fields the move set, texts included "
        "(status_reason, agreed_actions, public_summary, follow_up_note; copies of the case's "
        "columns). `relayed_to_supplier`: {text}, the investigator's message to the supplier "
        "(a copy of the outbox row's). `assigned`: {from, to}, investigators' user ids. "
        "`linked`/`unlinked`/`grouped`: case references. `received`: {anonymous}. "
        "`supplier_replied`: {note_id} only, never the supplier. Staff ids in it follow "
        "actor_id's rule.",
        author="actor_id",
        json_keys=("text", "status_reason", "agreed_actions", "public_summary", "follow_up_note"),
    ),
}

CASE_NOTE: dict[str, Entry] = {
    "id": ROW_ID,
    "complaint_id": CASE_ID,
    "source_key": personal(
        Kind.CONTACT,
        SUPPLIER,
        "The front end's key for the message (on Slack channel/ts): a retried delivery "
        "finds the same note.",
        CASE,
        note="For a supplier's relayed reply the Slack key embeds the supplier's DM channel id "
        "(handlers/slack/complaints/anchors.note_key): an erasure replaces it with a key that "
        "is still unique.",
    ),
    "author_id": staff_actor(
        (INVESTIGATOR, LEAD),
        "Who wrote the note in the case thread (empty: the supplier).",
        CASE,
        erase="Not while the case is kept: who said what in the case is part of the record.",
    ),
    "from_supplier": not_personal("Whether the supplier wrote it (they are never named)."),
    "text": personal(
        Kind.WRITTEN_BY_PERSON,
        (INVESTIGATOR, LEAD, SUPPLIER),
        "The case's internal discussion, and the supplier's replies relayed into it.",
        CASE,
        note="A deleted note keeps its full text (only deleted_at is set: "
        "bot.complaints.notes.delete_note): an export reads it and an erasure redacts it "
        "like any other. A supplier's reply is also in the outbox row that posted it to the "
        "thread (outbox_message.data).",
        author="author_id",
    ),
    "created_at": CREATED,
    "edited_at": not_personal("When it was last edited."),
    "deleted_at": not_personal("When it was deleted in the thread; the row stays."),
    "history": personal(
        Kind.WRITTEN_BY_PERSON,
        (INVESTIGATOR, LEAD, SUPPLIER),
        "Earlier versions of an edited note, for the audit.",
        CASE,
        note="JSON list of {text, until}: every earlier text of an edited note is kept; an "
        "export reads each one and an erasure redacts each one.",
        author="author_id",
        json_keys=("text",),
    ),
}

CASE_LINK: dict[str, Entry] = {
    "id": ROW_ID,
    "low_id": OTHER_CASE,
    "high_id": OTHER_CASE,
    "created_by_id": staff_actor(
        INVESTIGATOR,
        "Who linked the cases by hand (empty: linked automatically).",
        CASE,
        erase=KEPT_FOR_CASE,
    ),
    "created_at": CREATED,
    "automatic": not_personal("Linked by the service rather than by hand."),
}

PROCUREMENT_GROUP: dict[str, Entry] = {
    "id": ROW_ID,
    "authority_key": typed_about_procurement(
        "New cases are compared with the group by it.", COPIED_TO_GROUP
    ),
    "reference_key": typed_about_procurement(
        "New cases are compared with the group by it.", COPIED_TO_GROUP
    ),
    "title": typed_about_procurement(
        "New cases are compared with the group by it.", COPIED_TO_GROUP
    ),
    "root_id": OTHER_CASE,
    "created_at": CREATED,
}

REFERENCE_COUNTER: dict[str, Entry] = {
    "prefix": not_personal("The references' prefix (MS)."),
    "year": not_personal("Year of the references."),
    "last_value": not_personal("Last number handed out."),
}

TABLES: dict[str, dict[str, Entry]] = {
    "complaint": COMPLAINT,
    "complaint_event": COMPLAINT_EVENT,
    "case_note": CASE_NOTE,
    "case_link": CASE_LINK,
    "procurement_group": PROCUREMENT_GROUP,
    "reference_counter": REFERENCE_COUNTER,
}
