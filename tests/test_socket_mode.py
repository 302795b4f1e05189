"""`msbot serve` in Socket Mode, run as a user runs it: a real process, a real WebSocket.

The bot asks the Web API stand-in (`SlackStub`) for a socket URL with its app token, connects
to a local Socket Mode stand-in (`SocketModeStub`), and from then on receives Slack's
envelopes over that socket and acknowledges them there, while its Web API calls (opening a
modal) still go to the stand-in over HTTP.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading

import pytest

from handlers.slack.complaints import form
from tests.conftest import SIGNING_SECRET, TRIAGE
from tests.processes import msbot_env
from tests.socket_stub import SocketModeStub, slash_command_envelope

BOT_TOKEN = "xoxb-socket-test"
APP_TOKEN = "xapp-1-A0TEST-1-socket-test"


@pytest.fixture
def socket_slack(stub):
    """The Socket Mode stand-in, announced by the Web API stand-in's apps.connections.open."""
    server = SocketModeStub()
    stub.socket_url = server.url
    yield server
    server.close()


@pytest.fixture
def bot(engine, stub, socket_slack, tmp_path):
    """`msbot serve` (python -m handlers) with SLACK_APP_TOKEN set, on the test's migrated,
    empty database."""
    env = msbot_env(
        {
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_APP_TOKEN": APP_TOKEN,
            "SLACK_API_URL": stub.url,
            "TRIAGE_CHANNEL_ID": TRIAGE,
            "DATABASE_URL": engine.url.render_as_string(hide_password=False),
            "LOG_FORMAT": "console",
            "PYTHONUNBUFFERED": "1",
        }
    )
    log_path = tmp_path / "msbot.log"
    with open(log_path, "wb") as log:
        # cwd=tmp_path: no .env file of the developer's is read.
        proc = subprocess.Popen(
            [sys.executable, "-m", "handlers", "serve"],
            env=env,
            cwd=tmp_path,
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    def watch():
        code = proc.wait()
        socket_slack.abort(f"msbot serve exited with {code}:\n{log_path.read_text()}")

    threading.Thread(target=watch, daemon=True).start()
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        # Shown by pytest only when the test failed.
        print(f"--- msbot serve output ---\n{log_path.read_text()}")


def test_a_slash_command_over_the_socket_is_acked_there_and_opens_the_modal(
    bot, stub, socket_slack
):
    socket_slack.wait_connected()
    # The socket URL was asked for with the app-level token, not the bot token.
    (opened,) = stub.of("apps.connections.open")
    assert opened.headers["Authorization"] == f"Bearer {APP_TOKEN}"

    envelope = slash_command_envelope("/complaint", trigger_id="111.222.socket")
    socket_slack.send(envelope)

    # `/complaint` acks with no body, so the ack is the bare envelope id.
    assert socket_slack.wait_for_ack(envelope["envelope_id"]) == {
        "envelope_id": envelope["envelope_id"]
    }
    modal = stub.wait_for_call("views.open", trigger_id="111.222.socket")
    assert modal.args["view"]["callback_id"] == form.CALLBACK_ID
    assert modal.headers["Authorization"] == f"Bearer {BOT_TOKEN}"

    # An answer with a body travels back over the socket too, as the ack's payload.
    help_envelope = slash_command_envelope("/complaint", "help")
    socket_slack.send(help_envelope)
    answer = socket_slack.wait_for_ack(help_envelope["envelope_id"])
    assert "`/complaint status [reference]`" in answer["payload"]["text"]
    assert len(stub.of("views.open")) == 1


def test_malformed_frames_do_not_stop_the_bot_handling_later_envelopes(bot, stub, socket_slack):
    socket_slack.wait_connected()
    for frame in (
        "not json at all",
        '{"envelope_id": "e-broken", "type": "slash_co',
        # A payload that is not an object, and one that is empty.
        json.dumps({"envelope_id": "e-number", "type": "slash_commands", "payload": 42}),
        json.dumps({"envelope_id": "e-empty", "type": "slash_commands", "payload": {}}),
        # A type this app has no use for.
        json.dumps({"envelope_id": "e-odd", "type": "no_such_type", "payload": {"x": 1}}),
    ):
        socket_slack.send(frame)

    good = slash_command_envelope("/complaint", trigger_id="333.444.after-bad")
    socket_slack.send(good)

    assert socket_slack.wait_for_ack(good["envelope_id"]) == {"envelope_id": good["envelope_id"]}
    stub.wait_for_call("views.open", trigger_id="333.444.after-bad")
    # Still running, on its first connection: nothing above made it crash or reconnect.
    assert bot.poll() is None
    assert len(socket_slack.connections) == 1
    assert len(stub.of("apps.connections.open")) == 1


def test_after_slack_asks_for_a_refresh_the_bot_reconnects_and_goes_on_working(
    bot, stub, socket_slack
):
    # Slack sends this every few hours, and before maintenance; the app must open a new
    # connection (with a new URL from apps.connections.open) and keep serving on it.
    first = socket_slack.wait_connected()
    socket_slack.send({"type": "disconnect", "reason": "refresh_requested", "debug_info": {}})

    second = socket_slack.wait_connected(count=2)
    assert second is not first
    assert len(stub.of("apps.connections.open")) == 2

    envelope = slash_command_envelope("/complaint", trigger_id="555.666.reconnected")
    socket_slack.send(envelope)
    assert socket_slack.wait_for_ack(envelope["envelope_id"]) == {
        "envelope_id": envelope["envelope_id"]
    }
    stub.wait_for_call("views.open", trigger_id="555.666.reconnected")


def test_sigterm_stops_the_bot_gracefully(bot, stub, socket_slack):
    socket_slack.wait_connected()
    envelope = slash_command_envelope("/complaint", trigger_id="777.888.before-stop")
    socket_slack.send(envelope)
    socket_slack.wait_for_ack(envelope["envelope_id"])
    bot.terminate()
    # A clean exit (0), not death by the signal (-15): acked work was finished first.
    assert bot.wait(timeout=20) == 0
    stub.wait_for_call("views.open", trigger_id="777.888.before-stop")
