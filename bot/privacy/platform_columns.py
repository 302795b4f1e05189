"""The register's entries for the delivery, conversation and job tables (models/messaging.py,
models/conversations.py, models/jobs.py)."""

from __future__ import annotations

from bot.privacy.terms import (
    CASE,
    CREATED,
    NUDGE,
    OUTBOX,
    PENDING,
    PERSON,
    ROW_ID,
    STATUS,
    Entry,
    Kind,
    Link,
    Whose,
    not_personal,
    person_ref,
    personal,
)

ANYONE = Whose.ANY_PERSON

OUTBOX_MESSAGE: dict[str, Entry] = {
    "id": ROW_ID,
    "kind": not_personal("What to tell (complaint.supplier.relay, shadow.offer, ...)."),
    "subject_id": not_personal(
        "The case, sign-up, placement or round it is about.",
        parent="complaint",
        parent_when=("kind", "complaint."),
    ),
    "recipient_person_id": person_ref(
        Link.ADDRESSEE,
        ANYONE,
        "Whom to DM: a supplier, investigator, lead, civil servant, manager, host or coordinator.",
        OUTBOX,
        note="Sent rows keep their recipient (they are never deleted today): an export lists "
        "the messages sent to the person, and an erasure reaches sent rows too.",
    ),
    "recipient_role": not_personal(
        "Which team role's conversation to post to (triage, leads): a role, never a person."
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
        "the supplier's reply (`supplier_replied`, also the case note's text). "
        "complaint.supplier.unreachable: {about, platform, reason, dead, actor}: a lost "
        "message's outbox id and the staff member who wrote it, never the supplier. Other kinds "
        "carry figures, references, sides and flags only (bot.complaints.notices, "
        "bot.shadowing.notices, bot.jobs.notices). A shadowing message re-rendered in place "
        "carries the person's DM id and the message's (update_conversation, update_message: "
        "bot.shadowing.notices.refresh). conversation.redact: {platform, conversation, "
        "message}, the ids of a message to redact, emptied once it is sent. "
        "privacy.export.file: {person, staff, format, request}, for whom a lead asked (the "
        "person's ids, which name nobody once that person is erased); the file is drawn when "
        "sent, never stored. Sent rows keep the rest.",
        json_keys=("text",),
    ),
    "status": STATUS,
    "attempts": not_personal("Delivery attempts."),
    "next_attempt_at": not_personal("When to try again."),
    "claimed_until": not_personal("The sender's claim."),
    "claimed_by": not_personal("Which process holds the claim (host, pid, boot id)."),
    "first_claimed_at": not_personal("When a sender first claimed it."),
    "lookup_failures": not_personal("Failed looks for a message in doubt."),
    "last_error": not_personal("The platform's error code or our exception's text."),
    "created_at": CREATED,
    "sent_at": not_personal("When it was sent; retention counts from it."),
}

POSTED_MESSAGE: dict[str, Entry] = {
    "id": ROW_ID,
    "platform": not_personal("Which front end posted it (slack, teams, ...)."),
    "conversation_id": personal(
        Kind.CONTACT,
        (Whose.SUPPLIER, ANYONE),
        "Where the message lives: a message relayed to the supplier in their DM (a reply in "
        "its thread finds the case), any other DM msbot sent a person, a case's card or a "
        "thread line carrying someone's text in the team's triage channel: what an erasure "
        "needs to redact the message itself.",
        CASE,
        note="A relay's or thread line's row ties the message to its case, anonymous or not: "
        "it belongs to its case, so an export of the case lists it and an erasure or "
        "retention reaches it. A DM's row belongs to its recipient (subject_id). Reaching "
        "one queues the message's redaction (bot.conversations.redact) and empties this id. "
        "A card's row names the team's channel, no person, and is not reached (its card is "
        "redrawn after an erasure).",
    ),
    "message_id": not_personal("The message's id in that conversation."),
    "thread_id": not_personal("The thread it was posted in, if any."),
    "about": not_personal(
        "What it is: a case's card, a relayed message, a thread line, a direct message."
    ),
    "subject_id": person_ref(
        Link.ADDRESSEE,
        ANYONE,
        "What it is about: the case (card, relay, thread line), or for a direct message the "
        "person it went to, whose erasure redacts it.",
        CASE,
        erase="An id of a case or of a person row: the person row is anonymised by an "
        "erasure, and the message's conversation id is emptied.",
        note="A relay's and a thread line's row belongs to its case; a direct message's row "
        "is found through its recipient (retention leaves it: it is the only way to redact "
        "the message when its recipient asks).",
        link_when=("about", "direct_message"),
        parent="complaint",
        parent_when=("about", ("supplier_relay", "thread_line")),
    ),
    "outbox_message_id": not_personal("The outbox row that posted it."),
    "created_at": CREATED,
}


PROCESSED_DELIVERY: dict[str, Entry] = {
    "key": not_personal("The platform's event or trigger id of a delivery already handled."),
    "created_at": CREATED,
}

PENDING_COMMAND: dict[str, Entry] = {
    "id": ROW_ID,
    "key": not_personal(
        "The delivery's key (a Slack event id, a channel and message id, or a Teams activity "
        "id with a digest of its conversation)."
    ),
    "kind": not_personal("Which command (Slack's mention, or a Teams message)."),
    "payload": personal(
        Kind.WRITTEN_BY_PERSON,
        ANYONE,
        "The command as received, so it runs after the acknowledgement even across a crash.",
        PENDING,
        erase="Deleted two days after the command ran; an erasure may wait for the pruning.",
        note="JSON: {event: {user, channel, thread_ts, ts, text}}: who mentioned the bot, "
        "where, and the words they typed; for Teams the message as msbot read it (sender's "
        "ids and name, conversation, activity id, text): a thread reply, a mention, or a "
        "supplier's 1:1 reply (not its case: that is found when it runs).",
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
    "person_id": person_ref(
        Link.ACTOR,
        Whose.INVESTIGATOR,
        "Who was reminded: nobody is nudged twice a day about one thing.",
        NUDGE,
        erase="Deleted after 92 days by the pruning job; an erasure may wait for it.",
    ),
    "subject": not_personal("What about: my_cases, or a reminder kind and a case id."),
    "day": not_personal("The day of the nudge."),
    "created_at": CREATED,
}

PERSON_TABLE: dict[str, Entry] = {
    "id": person_ref(
        Link.OWNER,
        ANYONE,
        "The person every other table refers to (bot.people).",
        PERSON,
        erase="Kept: once the name, email and accounts are erased the id names nobody, and "
        "the rows that refer to it stay whole.",
    ),
    "display_name": personal(
        Kind.IDENTITY, ANYONE, "How the person is shown where they cannot be mentioned.", PERSON
    ),
    "email": personal(
        Kind.CONTACT,
        ANYONE,
        "Optional: role settings may name a person by email, and Teams gives one.",
        PERSON,
    ),
    "created_at": CREATED,
}

PLATFORM_ACCOUNT: dict[str, Entry] = {
    "id": ROW_ID,
    "person_id": person_ref(
        Link.OWNER,
        ANYONE,
        "Whose account it is.",
        PERSON,
        erase="Kept: the account's user id and name are erased instead.",
    ),
    "platform": not_personal("slack, teams, ..."),
    "workspace": not_personal("The Slack team or Teams tenant the account belongs to."),
    "user_id": personal(
        Kind.PSEUDONYMOUS_ID,
        ANYONE,
        "How the platform names the person: to find them when they write, and to message them.",
        PERSON,
    ),
    "display_name": personal(
        Kind.IDENTITY, ANYONE, "The name the platform last gave for the account.", PERSON
    ),
    "created_at": CREATED,
}

PERSONAL_CHAT: dict[str, Entry] = {
    "id": ROW_ID,
    "account_id": not_personal("The platform account it reaches (that row names the person)."),
    "person_id": personal(
        Kind.PSEUDONYMOUS_ID,
        ANYONE,
        "Whose 1:1 chat it is.",
        PERSON,
        erase="Kept: the chat's ids are erased instead.",
        link=Link.OWNER,
    ),
    "member_id": personal(
        Kind.PSEUDONYMOUS_ID,
        ANYONE,
        "How Teams addresses the person in a new conversation (a 29:... id), to open their "
        "1:1 chat with msbot.",
        PERSON,
    ),
    "conversation_id": personal(
        Kind.CONTACT,
        ANYONE,
        "The person's 1:1 chat with msbot (a Teams conversation reference), stored when they "
        "install msbot or first write to it: Teams lets a bot write only where it knows the "
        "conversation.",
        PERSON,
    ),
    "service_url": not_personal("The Bot Connector address of the person's tenant region."),
    "last_seen_at": not_personal(
        "When the person last wrote from this account: their messages go to the platform "
        "they used last."
    ),
    "created_at": CREATED,
}

TABLES: dict[str, dict[str, Entry]] = {
    "person": PERSON_TABLE,
    "platform_account": PLATFORM_ACCOUNT,
    "personal_chat": PERSONAL_CHAT,
    "outbox_message": OUTBOX_MESSAGE,
    "posted_message": POSTED_MESSAGE,
    "processed_delivery": PROCESSED_DELIVERY,
    "pending_command": PENDING_COMMAND,
    "job_run": JOB_RUN,
    "nudge": NUDGE_TABLE,
}
