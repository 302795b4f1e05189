"""What the Teams tests share: activities shaped as Teams sends them, a front end on a loopback
port, and a Bot Framework token issuer whose keys (JWKS) are served locally, so JWT validation
runs for real (signature, issuer, audience, expiry, service URL claim) without Microsoft."""

from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from microsoft_teams.api.auth.cloud_environment import PUBLIC

APP_ID = "00000000-0000-4000-8000-000000000b07"
USER = "29:1a2b3c-user-aad-object"
BOT = f"28:{APP_ID}"
PERSONAL = f"a:1{USER}"


def activity(service_url: str, text: str = "help", **overrides) -> dict:
    body = {
        "type": "message",
        "id": uuid.uuid4().hex,
        "timestamp": "2026-12-06T08:00:00.000Z",
        "channelId": "msteams",
        "serviceUrl": service_url,
        "from": {"id": USER, "name": "Priya Shah", "aadObjectId": str(uuid.uuid4())},
        "recipient": {"id": BOT, "name": "msbot"},
        "conversation": {"id": PERSONAL, "conversationType": "personal"},
        "text": text,
    }
    body.update(overrides)
    return body


def _b64(number: int) -> str:
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class TokenIssuer:
    """Signs Bot Framework-style tokens and serves its public key at <url>/v1/.well-known/keys,
    where the SDK looks for it when its cloud's OpenID metadata URL points here."""

    def __init__(self, kid: str = "test-key"):
        self.kid = kid
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        numbers = self.key.public_key().public_numbers()
        jwks = {
            "keys": [
                {
                    "kty": "RSA",
                    "use": "sig",
                    "kid": kid,
                    "alg": "RS256",
                    "n": _b64(numbers.n),
                    "e": _b64(numbers.e),
                }
            ]
        }
        payload = json.dumps(jwks).encode()
        # Tests hold the key server (``hold.clear()``) to see who waits on it.
        self.hold = threading.Event()
        self.hold.set()
        self.fetching = threading.Event()
        self.fetches = 0
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                issuer.fetches += 1
                issuer.fetching.set()
                issuer.hold.wait(timeout=30)
                status = 200 if self.path == "/v1/.well-known/keys" else 404
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        self.cloud = replace(
            PUBLIC, openid_metadata_url=f"{self.url}/v1/.well-known/openidconfiguration"
        )

    def token(self, service_url: str, *, key=None, kid: str | None = None, **claims) -> str:
        now = int(time.time())
        body = {
            "iss": PUBLIC.token_issuer,
            "aud": APP_ID,
            "serviceurl": service_url,
            "nbf": now - 10,
            "iat": now - 10,
            "exp": now + 3600,
            **claims,
        }
        return jwt.encode(
            body, key or self.key, algorithm="RS256", headers={"kid": kid or self.kid}
        )

    def close(self) -> None:
        self.hold.set()
        self._server.shutdown()
        self._server.server_close()
