"""A limit on guessing feed addresses: a client whose feed requests found no feed too often waits.

A feed address is a key (`digest/feed_address.py`), and `ui/app/feed_server.py` answers 404 for any other: 128
bits leave nothing to find by guessing, but a client could ask without end, each 404 a database read and a line
in the log. `FeedGuessLimit` counts each client's 404s under `/feeds/` in a sliding window; once a client has
`limit` of them within `window` seconds, its feed requests (a valid key's too) are answered 429 with Retry-After
until the oldest of those falls out of the window. Feeds served (200) are not counted. At most `max_clients`
clients are tracked (the one whose last 404 is oldest is forgotten first), each with at most `limit` times.
"""
from __future__ import annotations

import math
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field

LIMIT = 20  # feed requests that found no feed ...
WINDOW = 600.0  # ... within this many seconds, before a client waits
MAX_CLIENTS = 10_000


@dataclass
class FeedGuessLimit:
    """Per-client counts of feed requests that found no feed (404), in a sliding window of `window` seconds."""

    limit: int = LIMIT
    window: float = WINDOW
    max_clients: int = MAX_CLIENTS
    now: Callable[[], float] = time.monotonic
    _misses: OrderedDict[str, deque[float]] = field(default_factory=OrderedDict, repr=False)

    def __post_init__(self) -> None:
        if self.limit < 1 or self.window <= 0 or self.max_clients < 1:
            raise ValueError("the feed guess limit needs limit >= 1, window > 0 and max_clients >= 1")

    def retry_after(self, client: str) -> int | None:
        """Seconds until `client` may ask for a feed again (at least 1), None when it may now."""
        misses = self._misses.get(client)
        if misses is None:
            return None
        start = self.now() - self.window
        while misses and misses[0] <= start:
            misses.popleft()
        if not misses:
            del self._misses[client]
            return None
        if len(misses) < self.limit:
            return None
        return max(1, math.ceil(misses[0] - start))

    def missed(self, client: str) -> bool:
        """Count one request of `client` that found no feed; True when this one makes it wait (to log it once)."""
        waiting = self.retry_after(client) is not None  # also forgets the times gone out of the window
        misses = self._misses.get(client)
        if misses is None:
            misses = self._misses[client] = deque(maxlen=self.limit)
            while len(self._misses) > self.max_clients:
                self._misses.popitem(last=False)
        else:
            self._misses.move_to_end(client)
        misses.append(self.now())
        return not waiting and self.retry_after(client) is not None

    @property
    def window_text(self) -> str:
        """The window in words: "10 minutes", "90 seconds"."""
        w = self.window
        return f"{w / 60:g} minutes" if w >= 120 and w % 60 == 0 else f"{w:g} seconds"

    def __len__(self) -> int:
        """How many clients are tracked."""
        return len(self._misses)
