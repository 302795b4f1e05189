"""One log record per line: whoever logs (structlog or a library through the standard library),
from however many threads and processes share the pipe, and however long the record."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
from pathlib import Path

import structlog
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.logs import MAX_LINE_BYTES, JsonLine
from tests.logging_capture import configured

ROOT = Path(__file__).resolve().parent.parent

# What each logging thread writes: small and large records, through structlog and stdlib, a
# traceback among them. Large ones are well over PIPE_BUF, where a pipe stops being atomic.
WORKER = r"""
import logging, sys, threading
import structlog
from bot.logs import configure_logging

THREADS, EACH = int(sys.argv[1]), int(sys.argv[2])
if sys.argv[3] == "configure":
    configure_logging("json", "DEBUG")

def work(n):
    ours = structlog.get_logger("msbot.test")
    theirs = logging.getLogger("somelibrary")
    for i in range(EACH):
        big = "é<\"\n" * (i % 7) * 900  # up to ~22 KB once escaped
        match i % 4:
            case 0:
                ours.info("ours.small", thread=n, i=i)
            case 1:
                ours.info("ours.big", thread=n, i=i, payload=big)
            case 2:
                theirs.debug("theirs %s %s %s", n, i, big)
            case 3:
                try:
                    raise ValueError(big or "x")
                except ValueError:
                    ours.exception("ours.failed", thread=n, i=i)

threads = [threading.Thread(target=work, args=(n,)) for n in range(THREADS)]
for t in threads:
    t.start()
for t in threads:
    t.join()
"""


def _read_all(fd: int, into: list[bytes]) -> threading.Thread:
    def read():
        while chunk := os.read(fd, 65536):
            into.append(chunk)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    return reader


def assert_one_record_per_line(output: bytes, expected: int) -> list[dict]:
    assert output.endswith(b"\n")
    lines = output.split(b"\n")[:-1]
    assert b"" not in lines, "a blank line: two records shared a line"
    records = [json.loads(line) for line in lines]  # each line is exactly one JSON object
    assert all(isinstance(r, dict) for r in records)
    assert all(len(line) + 1 <= MAX_LINE_BYTES for line in lines)
    assert len(records) == expected
    return records


def test_threads_logging_through_structlog_and_stdlib_write_whole_lines():
    read_fd, write_fd = os.pipe()
    chunks: list[bytes] = []
    reader = _read_all(read_fd, chunks)
    threads_n, each = 12, 120
    with os.fdopen(write_fd, "w") as stream, configured("json", "DEBUG", stream):
        ours = structlog.get_logger("msbot.test")
        theirs = logging.getLogger("somelibrary")

        def work(n):
            for i in range(each):
                big = "x" * (i % 5) * 2000
                if i % 2:
                    ours.info("ours", thread=n, i=i, payload=big)
                else:
                    theirs.warning("theirs %s %s %s", n, i, big)

        workers = [threading.Thread(target=work, args=(n,)) for n in range(threads_n)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
    reader.join(10)
    records = assert_one_record_per_line(b"".join(chunks), threads_n * each)
    assert {r["logger"] for r in records} == {"msbot.test", "somelibrary"}
    big = [r for r in records if r.get("truncated")]
    assert big and all(r["level"] in ("info", "warning") for r in big)
    # Every thread's every record is there, once.
    seen = {(r["thread"], r["i"]) for r in records if r["event"] == "ours"}
    assert len(seen) == threads_n * each // 2


def test_two_processes_on_one_pipe_never_share_a_line():
    """Like gunicorn's workers on one stderr pipe: each record is one write of at most PIPE_BUF
    bytes, which the pipe keeps whole whatever the other process writes meanwhile."""
    read_fd, write_fd = os.pipe()
    chunks: list[bytes] = []
    reader = _read_all(read_fd, chunks)
    threads_n, each = 6, 200
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-c", WORKER, str(threads_n), str(each), "configure"]
    procs = [
        subprocess.Popen(command, stderr=write_fd, stdout=subprocess.DEVNULL, env=env, cwd=ROOT)
        for _ in range(2)
    ]
    os.close(write_fd)
    for p in procs:
        assert p.wait(timeout=120) == 0
    reader.join(10)
    records = assert_one_record_per_line(b"".join(chunks), 2 * threads_n * each)
    failed = [r for r in records if r["event"] == "ours.failed"]
    assert failed and all(r["exception"].startswith("Traceback") for r in failed)
    assert any(r.get("truncated") for r in failed)


@settings(max_examples=60, deadline=None)
@given(
    st.dictionaries(
        st.text(min_size=1, max_size=20),
        st.one_of(
            st.text(max_size=6000),
            st.integers(),
            st.lists(st.text(max_size=500), max_size=20),
            st.dictionaries(st.text(max_size=10), st.text(max_size=800), max_size=10),
        ),
        max_size=40,
    )
)
def test_any_event_renders_as_one_json_line_within_pipe_buf(event):
    record = {"event": "x", **event}
    line = JsonLine()(None, "info", record)
    assert "\n" not in line and len(line.encode()) + 1 <= MAX_LINE_BYTES
    parsed = json.loads(line)
    assert parsed.get("truncated") is True or parsed == json.loads(json.dumps(record))
