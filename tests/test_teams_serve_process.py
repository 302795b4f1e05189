"""`msbot serve-teams` as an operator runs it: a real process, its own port, the shared database."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from tests.processes import msbot_env
from tests.teams_support import APP_ID


def _msbot(args, env, cwd):
    return subprocess.run(
        [sys.executable, "-m", "handlers", *args],
        env=msbot_env(env),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=2) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read())


def test_serve_teams_refuses_an_unmigrated_database(tmp_path):
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path}/fresh.db",
        "TEAMS_APP_ID": APP_ID,
        "TEAMS_APP_PASSWORD": "secret",
    }
    refused = _msbot(["serve-teams"], env, tmp_path)
    assert refused.returncode == 3 and "msbot migrate" in refused.stderr


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_serve_teams_answers_healthz_and_refuses_unauthenticated_activities(
    tmp_path, database, request
):
    if database == "sqlite":
        db = f"sqlite:///{tmp_path}/msbot.db"
        assert _msbot(["migrate"], {"DATABASE_URL": db}, tmp_path).returncode == 0
    else:
        db = request.getfixturevalue("pg_url")  # migrated already
    port = _free_port()
    env = {
        "DATABASE_URL": db,
        "TEAMS_APP_ID": APP_ID,
        "TEAMS_APP_PASSWORD": "secret",
        "TEAMS_PORT": str(port),
        "LOG_FORMAT": "json",
    }
    log_path = tmp_path / "serve-teams.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "handlers", "serve-teams", "--host", "127.0.0.1"],
            env=msbot_env(env),
            cwd=tmp_path,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None, log_path.read_text()
            try:
                health = _get(f"http://127.0.0.1:{port}/healthz")
                break
            except OSError:
                assert time.monotonic() < deadline, "serve-teams never answered /healthz"
                time.sleep(0.1)
        unsigned = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/messages",
            data=b"{}",
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            urllib.request.urlopen(unsigned, timeout=5)
            status = 200
        except urllib.error.HTTPError as refused:
            status = refused.code
    finally:
        proc.terminate()  # uvicorn: graceful stop
        code = proc.wait(timeout=30)
    assert health == (200, {"database": "ok"})
    assert status == 401
    assert code == 0, log_path.read_text()
    events = [json.loads(line) for line in log_path.read_text().splitlines() if line.strip()]
    assert {"event": "http.refused", "status": 401} in [
        {k: e.get(k) for k in ("event", "status")} for e in events
    ], events
