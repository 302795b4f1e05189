"""Outbox kinds queued by scheduled jobs (rendered by handlers/slack/complaints/reports.py).

``data`` carries figures and case references only: never a supplier's name, organisation,
user id or words.
"""

# To the leads' role (Slack LEADS_CHANNEL_ID or Teams TEAMS_LEADS_CONVERSATION_ID);
# data {"figures": bot.reports.digest.build_digest(...)}.
DIGEST = "jobs.digest"
# To the leads' role, after the digest; data {"chart": {...}, "top_categories": {...}}.
DIGEST_CHART = "jobs.digest_chart"
# DM to an investigator; data {"overdue": [[ref, due]], "due_soon": [[ref, due]]}.
INVESTIGATOR_CASES = "jobs.investigator_cases"
# DM to the case's assignee (or leads); data {"reference", "due", "what": "authority_reply"
# | "follow_up"}.
CASE_REMINDER = "jobs.case_reminder"
# DM to each coordinator after a scheduled round; subject: round id; data {"committed": bool}.
ROUND_SUMMARY = "jobs.round_summary"
# A published-results report as a file, DM to the lead who asked;
# data {"from": iso, "to": iso, "format": "md"|"csv"|"json"|"html"}.
REPORT_FILE = "jobs.report_file"
