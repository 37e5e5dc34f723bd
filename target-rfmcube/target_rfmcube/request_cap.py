"""The largest `/import` request to send Rfmcube, learned from its 416 answers.

Rfmcube answers 416 to a request above its size limit. It documents 50 MB (the Italian API
page) or 200 MB (the English article); an account's real limit is not documented, and neither
is the 416's body, so the target learns the limit from which requests are refused and which are
accepted:

- Until a 416, requests are cut at `max_request_bytes` (50 MB by default).
- The first 416 drops the cap far below the refused size: to 1/64 of it (50 MB -> 781 kB), or to
  the largest request already accepted if that is larger.
- While climbing, each full request accepted (over half the cap) doubles the cap, up to half the
  refused size.
- A 416 on the way up sets the cap to the largest request accepted, and the climb stops: the cap
  then stays for the rest of the run. A later 416 (the limit went down) halves the cap, as
  does a second 416 before any request was accepted.

A real limit anywhere from 1/64 of the assumed size up to the assumed size costs at most two
calls answered 416 in the whole run, where halving the cap on each 416 costs one per halving (six
from 50 MB down to 1 MB). The climb's requests are smaller than the limit but carry records, so
they cost only a few calls more than full requests would, once per run. Requests end at more
than half the real limit.
"""

from __future__ import annotations

#: The first 416 divides the refused size by this.
FIRST_DROP = 64


class RequestCap:
    """Bytes an `/import` request may have, lowered by 416s and raised back while requests pass."""

    def __init__(self, assumed: int) -> None:
        #: The size requests are cut at now.
        self.bytes = assumed
        #: The smallest request refused with 416 so far (None: none yet).
        self.refused: int | None = None
        #: The largest request accepted so far (0: none yet; forgotten when a request no larger is refused).
        self.accepted = 0
        self._climbing = False

    def refused_at(self, size: int) -> None:
        """A request of `size` bytes was answered 416."""
        first = self.refused is None
        self.refused = size if self.refused is None else min(self.refused, size)
        if self.accepted >= size:
            self.accepted = 0  # the limit went down: what passed before says nothing now
        if first:
            self.bytes = max(self.accepted, size // FIRST_DROP, 1)
            self._climbing = self.bytes < size // 2
        elif self.accepted:
            self.bytes = self.accepted
            self._climbing = False
        else:
            self.bytes = max(size // 2, 1)
            self._climbing = False

    def accepted_at(self, size: int) -> None:
        """A request of `size` bytes was accepted (it passed Rfmcube's size check)."""
        self.accepted = max(self.accepted, size)
        if not self._climbing or size * 2 <= self.bytes:
            return  # a request well under the cap says nothing about the limit
        assert self.refused is not None
        ceiling = self.refused // 2
        self.bytes = min(self.bytes * 2, ceiling)
        self._climbing = self.bytes < ceiling

    @property
    def climbing(self) -> bool:
        """Whether a full request accepted raises the cap."""
        return self._climbing
