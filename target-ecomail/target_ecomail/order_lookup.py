"""Which orders Ecomail already has, from its order listing: a new ledger's check before creating.

A ledger with no orders yet (a new machine, a lost file, the empty one a dry run leaves) does not
know the orders an earlier machine sent; creating them again would duplicate them (vendors/ecomail.md
§4.2). A PUT per order
finds out at one call per order; the documented listing `GET /tracker/transaction?date_from=
&date_to=&per_page=500&page=N` (§4.5) finds out at one call per 500 orders Ecomail has in the
orders' days. The days: the UTC days of the orders' timestamps, one more each side; an order
without a timestamp was stamped by Ecomail when created, any day up to today, so the listing then
starts at the beginning. Listed with `shop` when every order has the same shop. Each range is listed
once per run: later batches list only the days not listed yet (with their shop, or for all shops).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

from api_target_kit.delivery_kit import DeliveryKit
from api_target_kit.errors import DeliveryError

#: Documented maximum of `per_page` for `GET /tracker/transaction`.
PER_PAGE = 500
LISTING = "/tracker/transaction"
#: The summary's key for the figures of the lookup.
DETAIL = "order_lookup"
DAY = dt.timedelta(days=1)

Days = tuple[dt.date, dt.date]  # first and last UTC day, inclusive; `dt.date.min` first: from the beginning


def _shift(day: dt.date, days: int) -> dt.date:
    try:
        return day + days * DAY
    except OverflowError:
        return day


def _utc_day(stamp: int) -> dt.date | None:
    try:
        return dt.datetime.fromtimestamp(stamp, dt.UTC).date()
    except (OverflowError, OSError, ValueError):  # beyond the years a date holds
        return None


def days_to_list(bodies: Sequence[dict[str, Any]], today: dt.date) -> Days:
    """The UTC days Ecomail may list these orders under (see the module docstring)."""
    stamps = [b["transaction"].get("timestamp") for b in bodies]
    maybe_days = [_utc_day(s) for s in stamps if s is not None]
    days = [d for d in maybe_days if d is not None]
    if len(days) < len(maybe_days):  # a timestamp no date holds: any day
        return dt.date.min, dt.date.max
    if None in stamps:
        return dt.date.min, _shift(max([today, *days]), 1)
    return _shift(min(days), -1), _shift(max(days), 1)


def unlisted(wanted: Days, listed: Sequence[Days]) -> list[Days]:
    """The parts of `wanted` that none of `listed` covers."""
    parts = [wanted]
    for first, last in listed:
        left = []
        for a, b in parts:
            if last < a or first > b:
                left.append((a, b))
                continue
            if a < first:
                left.append((a, _shift(first, -1)))
            if b > last:
                left.append((_shift(last, 1), b))
        parts = left
    return parts


class OrderLookup:
    """Order ids Ecomail lists, fetched by day range once per run (paced like every call)."""

    def __init__(self, kit: DeliveryKit, logger: logging.Logger) -> None:
        """Nothing listed yet."""
        self.kit = kit
        self.logger = logger
        #: shop filter (None: all shops) -> day ranges listed with it.
        self._listed: dict[str | None, list[Days]] = {}
        self._order_ids: set[str] = set()
        self._lock = threading.Lock()
        self.calls = 0
        self.looked_up = 0
        self.found = 0

    def present(self, bodies: Sequence[dict[str, Any]]) -> set[str]:
        """The order ids of `bodies` that Ecomail has (a dry run writes the listing down and finds none)."""
        shops = {b["transaction"].get("shop") for b in bodies}
        shop = next(iter(shops)) if len(shops) == 1 else None
        wanted = days_to_list(bodies, dt.datetime.now(dt.UTC).date())
        with self._lock:
            calls = self.calls
            covered = self._listed.get(shop, []) + (self._listed.get(None, []) if shop is not None else [])
            for days in unlisted(wanted, covered):
                self._list(days, shop)
                self._listed.setdefault(shop, []).append(days)
            found = {b["transaction"]["order_id"] for b in bodies} & self._order_ids
            self.looked_up += len(bodies)
            self.found += len(found)
            figures = {"orders_looked_up": self.looked_up, "found_at_ecomail": self.found, "listing_calls": self.calls}
        self.kit.report.add_detail(DETAIL, figures)
        if self.kit.dry_run:
            self.logger.info(
                "Dry run: Ecomail's order listing is written down, not read; all %d orders count as new", len(bodies)
            )
            return found
        self.logger.info(
            "%d of %d orders missing from the new ledger are at Ecomail already (replaced with PUT, not created); "
            "%d listing call(s) (%d so far in this run)",
            len(found),
            len(bodies),
            figures["listing_calls"] - calls,
            figures["listing_calls"],
        )
        return found

    def _list(self, days: Days, shop: str | None) -> None:
        """Every page of the listing of `days` (and `shop`); the order ids go into `_order_ids`."""
        params = {"date_to": days[1].isoformat(), "per_page": str(PER_PAGE)}
        if days[0] != dt.date.min:
            params["date_from"] = days[0].isoformat()
        if shop is not None:
            params["shop"] = shop
        page = 1
        while True:
            params["page"] = str(page)
            self.calls += 1
            if self.kit.dry_run:  # one page written down: how many a real run reads is not known
                self.kit.record_dry_run("GET", f"{LISTING}?{urlencode(params)}", None)
                return
            answer = self.kit.client.request("GET", LISTING, params=params, endpoint=f"GET {LISTING}").json()
            orders = answer.get("data") if isinstance(answer, dict) else None
            if not isinstance(orders, list):
                raise DeliveryError(f"Ecomail's GET {LISTING} answered without a list of orders in 'data'")
            self._order_ids.update(str(o["order_id"]) for o in orders if isinstance(o, dict) and "order_id" in o)
            if not _more_pages(answer, page, len(orders)):
                return
            page += 1


def _more_pages(answer: dict[str, Any], page: int, count: int) -> bool:
    """Whether the listing has a page after `page` (by `last_page`, else `total`, else a full page)."""
    if not count:
        return False
    last_page, total = answer.get("last_page"), answer.get("total")
    if isinstance(last_page, int):
        return page < last_page
    if isinstance(total, int):
        return page * int(answer.get("per_page") or PER_PAGE) < total
    return count >= PER_PAGE
