"""Running the `msbot` command as a user would: a real process with a clean environment."""

from __future__ import annotations

import os


def msbot_env(env: dict) -> dict:
    """The current environment without the developer's own msbot settings, plus ``env``.

    Run the process with a cwd holding no `.env`, so nothing else leaks in either.
    """
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_", "TRIAGE_"))
    }
    return {**clean, **env}
