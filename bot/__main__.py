"""`python -m bot` runs the core's commands (bot/cli.py) with no front end: no Slack token
needed. The front ends' commands (`serve`, `local`) and `outbox --send` are the `msbot`
command's (handlers/cli.py), which the core never imports."""

import sys

from bot.cli import main

sys.exit(main())
