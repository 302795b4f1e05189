"""The Bot Framework token, checked at msbot's edge before the body is read.

The SDK validates the token too, but on the event loop, with PyJWT's blocking key fetch: when
it downloads Microsoft's key set (first use, expiry every 5 minutes, an unknown key id at most
every 30 seconds) no other request moves until the download ends. So the edge validates first,
with the SDK's own validator (same issuer, audiences, keys and clock leeway), on a small pool of
its own threads, and a request is refused before its body is read; only tokens that pass reach
the SDK. The SDK's own key cache still refreshes on the loop, but only for a valid token and at
most once per expiry. The service URL claim is compared with the body's once the body is read
(``matches_service_url``).

msbot answers Bot Framework tokens only: the SDK's second path, Entra tokens from the Agent 365
platform, is not something msbot is registered for, so those are refused here.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import jwt
import structlog
from microsoft_teams.api.auth.cloud_environment import CloudEnvironment

from handlers.teams.sdk import TokenValidator

log = structlog.get_logger("msbot.teams.auth")

# A Bot Framework token is about 1.5 KB; anything far larger is not one.
MAX_TOKEN_CHARS = 8192


class TokenCheck:
    def __init__(self, app_id: str, cloud: CloudEnvironment | None = None, workers: int = 4):
        self._validator = TokenValidator.for_service(app_id, cloud=cloud)
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="teams-jwt")

    async def claims(self, raw_token: str) -> dict[str, Any] | None:
        """The token's verified claims, or None when it is not a valid Bot Framework token."""
        if not raw_token or len(raw_token) > MAX_TOKEN_CHARS:
            return None
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, self._verify, raw_token)

    def _verify(self, raw_token: str) -> dict[str, Any] | None:
        try:
            # The validator's method is a coroutine only in name (PyJWT is synchronous); run it
            # to completion here, on this thread, where blocking harms no one else.
            return asyncio.run(self._validator.validate_token(raw_token))
        except (jwt.PyJWTError, ValueError, KeyError, TypeError) as exc:
            log.info("teams.token_refused", reason=type(exc).__name__)
            return None

    def close(self) -> None:
        self._pool.shutdown(wait=False)


def matches_service_url(claims: dict[str, Any], service_url: str) -> bool:
    """The token was issued for the connector the activity asks us to answer through."""
    claimed = claims.get("serviceurl")
    return isinstance(claimed, str) and claimed.rstrip("/") == service_url.rstrip("/")
