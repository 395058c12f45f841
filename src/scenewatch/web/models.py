"""The answers' shapes, as the OpenAPI document states them (FastAPI validates every answer against them).

Fixed-shape answers (a search page, a release, a group, events, an ingest summary) are typed field by field.
The analyses answer a table whose columns depend on their parameters (``by``, ``split`` …): ``AnalysisTable`` types
the envelope (``rows``, ``warnings``) and lets each analysis add attributes (``correlation``, ``anchor`` …).
Absent values are ``null`` everywhere (pandas' ``NA``, ``NaN`` and ``None`` alike); times are UTC without an offset.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

# The store keeps times as naive UTC; they go out as ISO 8601 without an offset (not RFC 3339 `date-time`).
UTC_TIME_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?$"
UtcTime = Annotated[datetime, WithJsonSchema({"type": "string", "pattern": UTC_TIME_PATTERN,
                                              "description": "UTC time, ISO 8601 without offset"})]  # fmt: skip


class Release(BaseModel):
    """One release as stored: raw announcement fields and the parsed ones."""

    id: str = Field(description="Stable 64-bit id (decimal text)")
    name: str
    pre_at: UtcTime | None
    first_seen_at: UtcTime | None
    section: str | None
    scene: bool
    size_mb: float | None
    files: int | None
    title: str | None
    year: int | None
    season: int | None
    episode: int | None
    air_date: date | None
    resolution: str | None
    source: str | None
    video_codec: str | None
    audio_codec: str | None
    language: list[str] | None
    group: str | None
    category: str | None
    flags: list[str] | None
    service: str | None
    platform: str | None
    version: str | None
    nuked: bool | None


class ReleasePage(BaseModel):
    """One page of search results; pass ``next_cursor`` back for the next (null: this was the last)."""

    items: list[Release]
    next_cursor: str | None
    query: str


class ReleaseNuke(BaseModel):
    """One nuke-type event of a release."""

    action: str
    reason: str | None
    network: str | None
    nuked_at: UtcTime | None
    feed: str | None


class Sighting(BaseModel):
    """One announcement of a release by a feed."""

    feed: str | None
    seen_at: UtcTime | None
    time_trusted: bool
    section: str | None
    origin: str | None


class ReleaseDetail(Release):
    """A release with its parser version, nuke history (oldest first) and sightings."""

    parser_version: int | None
    nukes: list[ReleaseNuke]
    sightings: list[Sighting]


class Row(BaseModel):
    """A table row whose columns depend on the parameters."""

    model_config = ConfigDict(extra="allow")


class VolumeRow(Row):
    """Releases in one period (plus the split column, when split)."""

    period: date
    count: int


class GroupRow(BaseModel):
    """A group's summary; dormancy scores and cluster when those analyses ran."""

    model_config = ConfigDict(extra="allow")

    group: str
    releases: int
    first_pre: UtcTime | None
    last_pre: UtcTime | None = Field(description="Last pre that is not a late re-listing of an old title")
    last_listed: UtcTime | None = Field(None, description="Last pre of any release, re-listings included")
    main_category: str | None
    sections: int
    days_silent: float | None
    dormancy: float | None = Field(description="Days silent ÷ mean gap between releases")
    dormancy_score: float | None = Field(None, description="−log10 P(silence this long)")
    expected_gap_days: float | None = None
    vanished_cluster: int | None = None


class SectionCount(BaseModel):
    """Releases of a group in one section."""

    section: str | None
    releases: int
    first_pre: UtcTime | None
    last_pre: UtcTime | None


class CategoryCount(BaseModel):
    """Releases of a group in one category."""

    category: str | None
    releases: int


class LatestRelease(BaseModel):
    """One of a group's latest releases."""

    name: str
    pre_at: UtcTime | None
    section: str | None
    category: str | None


class GroupDetail(BaseModel):
    """One group: summary, weekly timeline, sections, categories and latest releases."""

    group: str
    releases: int
    first_pre: UtcTime | None
    last_pre: UtcTime | None = Field(description="Last pre that is not a late re-listing of an old title")
    last_listed: UtcTime | None = Field(None, description="Last pre of any release, re-listings included")
    main_category: str | None
    sections: int
    days_silent: float | None
    dormancy: float | None
    nukes: int
    timeline: list[VolumeRow]
    by_section: list[SectionCount]
    by_category: list[CategoryCount]
    latest: list[LatestRelease]


class NukeRow(BaseModel):
    """One nuke-type event, with the release's group and category when the release is stored."""

    name: str
    action: str
    reason: str | None
    network: str | None
    nuked_at: UtcTime | None
    group: str | None
    category: str | None


class GapRow(Row):
    """A period a source was not listening: recorded by a listener, or detected from hourly volumes."""

    source: str | None = None
    start: UtcTime
    end: UtcTime
    kind: str


class StoredEvent(BaseModel):
    """A real-world event registered in this store (what ``POST /api/events`` answers)."""

    name: str
    day: date
    description: str | None
    sources: list[str] | None


class EventRow(StoredEvent):
    """An event scenewatch knows: from the shipped catalogue or registered in this store."""

    kind: str | None = Field(description="enforcement, downstream or closure (null for a registered event)")
    confidence: str | None = Field(description="high, medium or low (null for a registered event)")
    precision: str | None = Field(description="How exact the day is, e.g. day or month")
    origin: Literal["catalogue", "database"]
    in_data: bool = Field(description="Whether the store holds releases on both sides of the day (analysable)")
    days_before: int | None = Field(None, description="Days of data before the day (null when not in the data)")
    days_after: int | None = Field(
        None, description="Days of data from the day on, the day included (null when not in the data)"
    )


class AnalysisTable(BaseModel):
    """An analysis result: its table, its warnings (e.g. a feed gap inside the window), other attributes."""

    model_config = ConfigDict(extra="allow")

    rows: list[dict[str, Any]]
    warnings: list[str]


class IngestSummary(BaseModel):
    """What an ingest read and stored: the five buckets from ``inserted`` to ``rejected`` sum to ``read``."""

    files: int
    files_skipped: int
    read: int
    inserted: int = Field(description="Records that created a release")
    seen_again: int = Field(description="Another sighting (feed or time) of a release already known")
    duplicates: int = Field(description="A sighting already stored or already earlier in the input")
    nuke_rows: int = Field(description="Nuke events given as rows of their own")
    rejected: int
    nukes: int = Field(description="Nuke events stored")
    sightings: int = Field(description="Sightings stored")
    failed: list[str] = Field(description="Inputs that could not be read to their end, one line each")
    seconds: float
