"""Retail dates from xREL: find a title's ext_info (``search/ext_info.json``), read its ``release_dates``.

xREL v2 answers ``search/ext_info.json?q=&type=&limit=`` with ``{total, results: [ext_info]}`` and
``ext_info/info.json?id=`` with an ext_info whose ``release_dates`` are ``[{type, date}]``, types such as
``de-cine``, ``us-retail``, ``de-web`` or ``r5`` (xREL4J's ExtInfo / ReleaseDate). Calls stay within the preset's
limits: 900 an hour in all and 2 searches every 5 seconds (xrel.to wiki, "API: Rate Limiting"); a 429 waits its
Retry-After. This module only fetches: the store keeps what it finds.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlsplit

import httpx

from scenewatch.records import RetailDate
from scenewatch.sources.base import SourceError
from scenewatch.sources.live.http_api import retry_after_seconds
from scenewatch.sources.live.presets import ProviderSpec
from scenewatch.sources.live.ratelimit import RateLimit, bucket_for

# Our release categories → xREL ext_info types.
XREL_TYPES = {"movie": "movie", "tv": "tv", "game": "game"}


@dataclass(frozen=True, slots=True)
class ExtInfoHit:
    """One search result: xREL's id, type and title."""

    ext_id: str
    kind: str
    title: str


class XrelRetail:
    """A rate-limited xREL client for retail dates (synchronous: one lookup at a time)."""

    def __init__(self, spec: ProviderSpec, client: httpx.Client | None = None, *, time_scale: float = 1.0,
                 max_retry_after: float = 3600.0, sleep: Callable[[float], None] = time.sleep) -> None:  # fmt: skip
        if not spec.search or not spec.ext_info:
            raise SourceError(f"preset {spec.name!r} has no search / ext_info endpoints for retail dates")
        self.spec = spec
        self.client = client or httpx.Client(headers={"User-Agent": "scenewatch (metadata only)"}, timeout=30.0)
        self.scale = time_scale
        self.max_retry_after = max_retry_after
        self._sleep = sleep
        host = urlsplit(spec.search).netloc
        self.bucket = bucket_for(host, "api", spec.rate, time_scale)
        self.search_bucket = bucket_for(host, "search", spec.search_rate or RateLimit(2, 5, 1), time_scale)
        self.requests = 0

    def _get(self, url: str, params: dict[str, Any], *, search: bool) -> Any:
        while True:
            for bucket in (self.bucket, self.search_bucket) if search else (self.bucket,):
                wait = bucket.reserve()
                if wait > 0:
                    self._sleep(wait)
            self.requests += 1
            try:
                response = self.client.get(url, params=params)
            except httpx.HTTPError as exc:
                raise SourceError(f"{url}: {type(exc).__name__}: {exc}") from None
            if response.status_code == 429:
                retry = retry_after_seconds(response.headers.get("retry-after")) or 60.0
                if retry > self.max_retry_after:
                    raise SourceError(f"{url}: rate limited for {retry:,.0f}s; run again later to resume")
                self.bucket.hold(retry * self.scale)
                continue
            if response.status_code == 404:
                return None
            if response.status_code >= 400:
                raise SourceError(f"{url}: HTTP {response.status_code}")
            try:
                return response.json()
            except ValueError:
                raise SourceError(f"{url}: malformed JSON") from None

    def search(self, title: str, kind: str) -> list[ExtInfoHit]:
        """ext_infos of one type whose title matches ``title`` (xREL's own search)."""
        assert self.spec.search is not None
        body = self._get(self.spec.search, {"q": title, "type": XREL_TYPES.get(kind, kind), "limit": 10}, search=True)
        results = body.get("results") if isinstance(body, dict) else None
        hits = []
        for item in results or []:
            if isinstance(item, dict) and item.get("id") and item.get("title"):
                hits.append(ExtInfoHit(str(item["id"]), str(item.get("type") or kind), str(item["title"])))
        return hits

    def dates(self, hit: ExtInfoHit) -> list[RetailDate]:
        """The release dates of one ext_info, split into type and country (``us-web`` → web, us)."""
        assert self.spec.ext_info is not None
        body = self._get(self.spec.ext_info, {"id": hit.ext_id}, search=False)
        out = []
        for item in (body or {}).get("release_dates") or []:
            if not isinstance(item, dict):
                continue
            kind_text = str(item.get("type") or "").strip().lower()
            try:
                day = date.fromisoformat(str(item.get("date") or "")[:10])
            except ValueError:
                continue
            country, _, date_type = kind_text.partition("-") if "-" in kind_text else ("", "", kind_text)
            if not date_type:
                continue
            out.append(RetailDate(self.spec.name, hit.ext_id, hit.kind, str((body or {}).get("title") or hit.title),
                                  date_type, country, day))  # fmt: skip
        return out
