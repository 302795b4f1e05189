"""The register's entries for the delivery and job tables (models/messaging.py, models/jobs.py)."""

from __future__ import annotations

from bot.privacy.terms import (
    CREATED,
    NUDGE,
    OUTBOX,
    PENDING,
    ROW_ID,
    STATUS,
    Entry,
    Kind,
    Whose,
    not_personal,
    personal,
)

ANYONE = Whose.ANY_PERSON

OUTBOX_MESSAGE: dict[str, Entry] = {
    "id": ROW_ID,
    "kind": not_personal("What to tell (complaint.supplier.relay, shadow.offer, ...)."),
    "subject_id": not_personal("The case, sign-up, placement or round it is about."),
    "recipient_user_id": personal(
        Kind.PSEUDONYMOUS_ID,
        ANYONE,
        "Whom to DM: a supplier, investigator, lead, civil servant, manager, host or coordinator.",
        OUTBOX,
        note="Sent rows keep their recipient (they are never deleted today): an export lists "
        "the messages sent to the person, and an erasure reaches sent rows too.",
    ),
    "recipient_channel_id": personal(
        Kind.CONTACT,
        ANYONE,
        "Where to post: a team channel, or a person's DM when a shadowing message is "
        "re-rendered in place (bot.shadowing.notices.refresh).",
        OUTBOX,
        note="A team channel is not personal; only a DM's id is.",
    ),
    "data": personal(
        Kind.WRITTEN_BY_PERSON,
        (Whose.SUPPLIER, Whose.INVESTIGATOR, Whose.LEAD),
        "Which variant to render, and a relayed text, which exists nowhere else until sent.",
        OUTBOX,
        staff_kept=True,
        note="JSON. complaint.supplier.relay: {text}, an investigator's message to the "
        "supplier (also in the `relayed_to_supplier` event). complaint.thread.post: "
        "{event, actor, to, text, ...}: staff user ids, a relayed message (`relayed`) or "
        "the supplier's reply (`supplier_replied`, also the case note's text). Other kinds "
        "carry figures, references, sides and flags only (bot.complaints.notices, "
        "bot.shadowing.notices, bot.jobs.notices). Sent rows keep all of it.",
    ),
    "status": STATUS,
    "attempts": not_personal("Delivery attempts."),
    "next_attempt_at": not_personal("When to try again."),
    "claimed_until": not_personal("The sender's claim."),
    "claimed_by": not_personal("Which process holds the claim (host, pid, boot id)."),
    "first_claimed_at": not_personal("When a sender first claimed it."),
    "lookup_failures": not_personal("Failed looks for a message in doubt."),
    "last_error": not_personal("The platform's error code or our exception's text."),
    "sent_channel_id": personal(
        Kind.CONTACT,
        ANYONE,
        "Where the message went: a DM's id for a message to a person.",
        OUTBOX,
        note="Sent rows keep the recipient's DM channel id: an erasure reaches it.",
    ),
    "sent_ts": not_personal("The posted message's id in that channel."),
    "created_at": CREATED,
    "sent_at": not_personal("When it was sent; retention counts from it."),
}

PROCESSED_DELIVERY: dict[str, Entry] = {
    "key": not_personal("The platform's event or trigger id of a delivery already handled."),
    "created_at": CREATED,
}

PENDING_COMMAND: dict[str, Entry] = {
    "id": ROW_ID,
    "key": not_personal("The delivery's key (an event id, or a channel and message id)."),
    "kind": not_personal("Which command (mention)."),
    "payload": personal(
        Kind.WRITTEN_BY_PERSON,
        ANYONE,
        "The command as received, so it runs after the acknowledgement even across a crash.",
        PENDING,
        erase="Deleted two days after the command ran; an erasure may wait for the pruning.",
        note="JSON: {event: {user, channel, thread_ts, ts, text}}: who mentioned the bot, "
        "where, and the words they typed.",
    ),
    "status": STATUS,
    "attempts": not_personal("Runs attempted."),
    "claim_token": not_personal("The runner's claim."),
    "claimed_until": not_personal("The runner's lease."),
    "created_at": CREATED,
    "done_at": not_personal("When the command's effect committed."),
}

JOB_RUN: dict[str, Entry] = {
    "id": ROW_ID,
    "job": not_personal("The job's name."),
    "slot": not_personal("The scheduled time."),
    "status": STATUS,
    "manual": not_personal("Run by hand."),
    "attempts": not_personal("Attempts."),
    "started_at": not_personal("When it started."),
    "finished_at": not_personal("When it finished."),
    "result": not_personal(
        "What the run did, in counts (bot.jobs): 'digest queued to C...: 3 new'."
    ),
}

NUDGE_TABLE: dict[str, Entry] = {
    "id": ROW_ID,
    "user_id": personal(
        Kind.PSEUDONYMOUS_ID,
        Whose.INVESTIGATOR,
        "Who was reminded: nobody is nudged twice a day about one thing.",
        NUDGE,
        erase="Deleted after 92 days by the pruning job; an erasure may wait for it.",
    ),
    "subject": not_personal("What about: my_cases, or a reminder kind and a case id."),
    "day": not_personal("The day of the nudge."),
    "created_at": CREATED,
}

TABLES: dict[str, dict[str, Entry]] = {
    "outbox_message": OUTBOX_MESSAGE,
    "processed_delivery": PROCESSED_DELIVERY,
    "pending_command": PENDING_COMMAND,
    "job_run": JOB_RUN,
    "nudge": NUDGE_TABLE,
}
