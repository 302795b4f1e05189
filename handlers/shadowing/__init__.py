"""Slack adapter for work-shadowing (`/shadow`): modals, listeners and message renderers."""
