"""``msbot local --teams``: the Teams front end on this machine, with Microsoft's Teams client
emulator beside it when installed.

The only mode in which msbot accepts requests without a Bot Framework token (the playground
sends none), so everything listens on 127.0.0.1 only: the front end here, the playground through
its loopback preload. Until the neutral core lands it answers with its welcome card; the demo
data (``--demo``) comes with the core.
"""

from __future__ import annotations

import shutil
import signal
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from handlers.local.teams_playground import INSTALL_HINT, Playground, installed
from handlers.teams.app import TeamsFrontEnd
from handlers.teams.server import BackgroundTeams
from handlers.teams.settings import local_settings

DEFAULT_PORT = 3978


@dataclass
class LocalTeams:
    bot: BackgroundTeams
    playground: Playground | None
    workdir: Path | None = None

    def close(self) -> None:
        if self.playground is not None:
            self.playground.close()
        self.bot.close()
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)


def start(port: int = DEFAULT_PORT, with_playground: bool = True) -> LocalTeams:
    bot = BackgroundTeams(TeamsFrontEnd(local_settings(port)), port=port)
    if not (with_playground and installed()):
        return LocalTeams(bot, None)
    # The playground writes its own logs into its working directory: a throwaway one.
    workdir = Path(tempfile.mkdtemp(prefix="msbot-teams-playground-"))
    try:
        return LocalTeams(bot, Playground(bot.messages_url, workdir), workdir)
    except RuntimeError:
        bot.close()
        shutil.rmtree(workdir, ignore_errors=True)
        raise


def run(port: int = DEFAULT_PORT) -> int:
    running = start(port)
    print(f"msbot's Teams front end: {running.bot.messages_url} (this machine only)")
    if running.playground is not None:
        print(f"Chat with it in Microsoft's Teams emulator: open {running.playground.url}")
    else:
        print(f"To chat with it in Microsoft's Teams emulator, install it once: {INSTALL_HINT}")
    print("Ctrl-C stops both.")
    stopping = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopping.set())
    stopping.wait()
    running.close()
    return 0
