"""How the fake Slack answers a Web API call that broke none of Slack's rules.

Mixed into fake_slack.SlackStub, which holds the state declared below; the rules themselves
(handlers.local.rules, handlers.local.scopes) are checked before any answer is made.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

from handlers.local import fake_history
from handlers.local.fake_calls import UPLOAD, Call


class WebApiAnswers:
    # Where the fake is served (files and permalinks point here).
    base: str
    # users.info answers: user id -> display name (unknown ids: user_not_found).
    people: dict[str, str]
    # usergroups.users.list answers: user group id -> member ids.
    group_members: dict[str, list[str]]
    # What apps.connections.open answers for Socket Mode (a ws:// URL a test controls); while
    # None, that method gets the plain {"ok": true} like any other.
    socket_url: str | None
    # Files by id (files.getUploadURLExternal, then the upload): name, mimetype, content.
    files: dict[str, dict]
    # file id -> bytes uploaded through files_upload_v2
    uploads: dict[str, bytes]
    _ts: itertools.count
    next_ts: Callable[[], str]
    snapshot: Callable[[], list[Call]]
    record: Callable[[Call], None]

    def _answer(self, method: str, args: dict) -> dict:
        ts = self.next_ts()
        if method == "auth.test":
            body = {"ok": True, "user_id": "UBOT", "bot_id": "BBOT", "team_id": "T1", "user": "b"}
        elif method == "conversations.open":
            body = {"ok": True, "channel": {"id": "D" + args.get("users", "X")}}
        elif method == "chat.postMessage":
            body = {
                "ok": True,
                "channel": args.get("channel"),
                "ts": ts,
                "message": {"text": args.get("text")},
            }
        elif method == "chat.update":
            body = {
                "ok": True,
                "channel": args.get("channel"),
                "ts": args.get("ts"),
                "text": args.get("text"),
            }
        elif method == "chat.postEphemeral":
            body = {"ok": True, "message_ts": ts}
        elif method in ("views.open", "views.update", "views.push", "views.publish"):
            view_id = args.get("view_id") or f"V{next(self._ts)}"
            body = {"ok": True, "view": {**(args.get("view") or {}), "id": view_id}}
        elif method == "files.getUploadURLExternal":
            file_id = f"F{next(self._ts):08d}"
            self.files[file_id] = {"id": file_id, "name": args.get("filename"), "content": b""}
            body = {"ok": True, "file_id": file_id, "upload_url": f"{self.base}/upload/{file_id}"}
        elif method == "files.completeUploadExternal":
            files = args.get("files") or []
            body = {"ok": True, "files": [self._file(f.get("id"), f.get("title")) for f in files]}
        elif method == "chat.getPermalink":
            channel, ts = args.get("channel", ""), str(args.get("message_ts", ""))
            link = f"{self.base}/archives/{channel}/p{ts.replace('.', '')}"
            body = {"ok": True, "channel": channel, "permalink": link}
        elif method == "users.info":
            body = self._user(args.get("user") or "")
        elif method in ("conversations.history", "conversations.replies"):
            read = fake_history.history if method.endswith("history") else fake_history.replies
            body = read(self.snapshot(), args)
        elif method == "usergroups.users.list":
            body = {"ok": True, "users": list(self.group_members.get(args.get("usergroup"), []))}
        elif method == "apps.connections.open" and self.socket_url:
            body = {"ok": True, "url": self.socket_url}
        else:
            body = {"ok": True}
        return body

    def _user(self, user_id: str) -> dict:
        name = self.people.get(user_id)
        if name is None:
            return {"ok": False, "error": "user_not_found"}
        profile = {"display_name": name, "real_name": name}
        return {
            "ok": True,
            "user": {"id": user_id, "name": name, "real_name": name, "profile": profile},
        }

    def _file(self, file_id: str | None, title: str | None) -> dict:
        stored = self.files.get(file_id or "", {})
        return {
            "id": file_id,
            "title": title,
            "name": stored.get("name"),
            "mimetype": stored.get("mimetype", "application/octet-stream"),
            "url_private": f"{self.base}/files/{file_id}",
        }

    def _upload(self, file_id: str, data: bytes) -> tuple[int, str, dict]:
        """A file's bytes sent to the upload URL files.getUploadURLExternal gave out."""
        self.uploads[file_id] = data
        self.record(Call(UPLOAD, {"file_id": file_id, "bytes": len(data)}, {}))
        if file_id not in self.files:
            return 404, "file not found", {}
        png = data.startswith(b"\x89PNG")
        self.files[file_id].update(content=data, mimetype="image/png" if png else "text/plain")
        return 200, f"OK - {len(data)}", {}
