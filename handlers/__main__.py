"""`python -m handlers` is the `msbot` command: the core's commands and every front end's."""

import sys

from handlers.cli import main

sys.exit(main())
