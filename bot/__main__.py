"""`python -m bot` is the `msbot` command. The command is the composition root that wires the
core to the Slack adapter, so it lives in handlers/; this file only forwards to it."""

import sys

from handlers.cli import main

sys.exit(main())
