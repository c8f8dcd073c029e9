"""How often a wrong password may be tried: per address and per account, counted in a
moving window by the `limits` library, kept in memory (one app process) or in Redis (several:
DATASTORE_RATE_LIMIT_STORAGE=redis://127.0.0.1:6379). Only failures count; once either
limit is used up, the form refuses every try, the right password included, until the window
moves on, and says when.

Sign-up is held the same way (SignUpLimits), per address only: every attempt counts, a wrong
event code included."""

from __future__ import annotations

import math
import time

from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

NAMESPACE = "sign-in"


class SignInLimits:
    def __init__(self, storage_url: str, per_address: str, per_account: str) -> None:
        self._limiter = MovingWindowRateLimiter(storage_from_string(storage_url))
        self._rules = ((parse(per_address), "address"), (parse(per_account), "account"))

    def wait(self, address: str, username: str) -> int | None:
        """Seconds until a sign-in from `address` as `username` may be tried, or None."""
        for item, kind, key in self._keys(address, username):
            if not self._limiter.test(item, NAMESPACE, kind, key):
                reset, _ = self._limiter.get_window_stats(item, NAMESPACE, kind, key)
                return max(1, math.ceil(reset - time.time()))
        return None

    def failed(self, address: str, username: str) -> None:
        """A wrong password was tried."""
        for item, kind, key in self._keys(address, username):
            self._limiter.hit(item, NAMESPACE, kind, key)

    def _keys(self, address: str, username: str) -> list[tuple[RateLimitItem, str, str]]:
        keys = (address or "unknown", username.strip().casefold()[:100])
        return [(item, kind, key) for (item, kind), key in zip(self._rules, keys, strict=True)]


class SignUpLimits:
    """Sign-up attempts one address may make in a moving window (DATASTORE_SIGN_UP_LIMIT)."""

    def __init__(self, storage_url: str, per_address: str) -> None:
        self._limiter = MovingWindowRateLimiter(storage_from_string(storage_url))
        self._item = parse(per_address)

    def wait(self, address: str) -> int | None:
        """Seconds until a sign-up from `address` may be tried, or None."""
        key = address or "unknown"
        if self._limiter.test(self._item, "sign-up", key):
            return None
        reset, _ = self._limiter.get_window_stats(self._item, "sign-up", key)
        return max(1, math.ceil(reset - time.time()))

    def attempted(self, address: str) -> None:
        self._limiter.hit(self._item, "sign-up", address or "unknown")
