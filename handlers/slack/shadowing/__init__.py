"""Slack adapter for work-shadowing (`/shadow`), split by use: signup, hosts, status, offers,
placements, rounds and conflicts, each with its subcommands, listeners and messages; `forms`
builds and reads the modals. `listeners.register` and `messages.RENDERERS` are the entry points."""
