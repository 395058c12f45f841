"""Remote dumps: read a dump index (a file listing), download files with resume, keep what is already here.

A download goes to ``<file>.part`` beside its final name, with the server's validator (ETag / Last-Modified) and
length in ``<file>.part.json``; an interrupted download resumes with ``Range: bytes=N-`` and ``If-Range`` (a server
that answers 200 instead of 206, or whose file changed, is read again from the start). A finished file is renamed
into place and its ``<file>.meta.json`` records the validator and the length, so the next run keeps it while the index
still lists the same length and validator. This module only fetches: the ingest loop reads the local files.

Indexes understood: a GitHub git-trees answer (``{tree: [{path, type, size, sha}]}``, files fetched from a raw base
URL), a GitHub contents answer or any JSON list of ``{name|path, download_url|url, size}``, a JSON list of URLs, a
plain list of URLs one a line, and an HTML listing (``<a href>``, e.g. an nginx or Apache autoindex).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

import httpx

from scenewatch.sources.base import SourceError

# URL paths that name a dump file rather than an index (compression suffixes stripped first).
_DUMP_SUFFIXES = (".csv", ".tsv", ".ndjson", ".jsonl", ".sql", ".parquet")
_COMPRESSION = (".gz", ".zst", ".bz2", ".xz")
_GITHUB_TREES = re.compile(r"^/repos/(?P<owner>[^/]+)/(?P<repo>[^/]+)/git/trees/(?P<ref>[^/?]+)")


@dataclass(frozen=True, slots=True)
class RemoteFile:
    """One file an index lists: where to fetch it, its path under the download folder, what the index says of it."""

    url: str
    path: str
    size: int | None = None
    version: str | None = None  # a validator from the index (a git blob sha), when it gives one


@dataclass(frozen=True, slots=True)
class Fetched:
    """The outcome of one download."""

    file: RemoteFile
    local: Path
    bytes: int  # fetched this time
    resumed: bool
    kept: bool  # already here and unchanged: nothing fetched


def is_dump_url(url: str) -> bool:
    """Whether a URL names one dump file (by its path's suffix) rather than an index of them."""
    path = urlsplit(url).path.lower()
    for suffix in _COMPRESSION:
        path = path.removesuffix(suffix)
    return path.endswith(_DUMP_SUFFIXES)


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag.lower() == "a":
            href = dict(attrs).get("href")
            if href:
                self.hrefs.append(href)


def parse_index(body: bytes, url: str, *, files_base: str | None = None,
                include: str | None = None) -> list[RemoteFile]:  # fmt: skip
    """The dump files an index answer lists (sorted by path), optionally only paths matching ``include``."""
    text = body.decode("utf-8", "replace")
    found: list[RemoteFile] = []
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        try:
            data = json.loads(text)
        except ValueError:
            raise SourceError(f"{url}: the index is not valid JSON") from None
        found = _from_json(data, url, files_base)
    elif stripped[:1] == "<":
        parser = _Links()
        parser.feed(text)
        found = [remote_for_url(urljoin(url, href), url) for href in parser.hrefs if is_dump_url(urljoin(url, href))]
    else:
        found = [remote_for_url(line.strip(), url) for line in text.splitlines()
                 if line.strip() and not line.startswith("#") and is_dump_url(line.strip())]  # fmt: skip
    if include:
        pattern = re.compile(include)
        found = [f for f in found if pattern.search(f.path)]
    unique = {f.path: f for f in found}
    if not unique:
        raise SourceError(f"{url}: the index lists no dump files")
    return [unique[p] for p in sorted(unique)]


def remote_for_url(file_url: str, index_url: str = "") -> RemoteFile:
    """The RemoteFile of a file URL (its path under the download folder: host/path)."""
    parts = urlsplit(file_url)
    return RemoteFile(file_url, _safe_path(f"{parts.netloc}{unquote(parts.path)}"))


def _safe_path(path: str) -> str:
    parts = [p for p in path.replace("\\", "/").split("/") if p not in ("", ".", "..")]
    if not parts:
        raise SourceError(f"{path!r}: not a usable file path")
    return "/".join(parts)


def _from_json(data: Any, url: str, files_base: str | None) -> list[RemoteFile]:
    if isinstance(data, dict) and isinstance(data.get("tree"), list):
        if data.get("truncated"):
            raise SourceError(f"{url}: the git tree listing is truncated; list a folder at a time")
        base = files_base or _github_raw_base(url)
        if base is None:
            raise SourceError(f"{url}: a git tree listing needs the base URL its files are fetched from")
        return [
            RemoteFile(urljoin(base.rstrip("/") + "/", entry["path"]), _safe_path(entry["path"]),
                       int(entry["size"]) if entry.get("size") is not None else None, entry.get("sha"))
            for entry in data["tree"]
            if entry.get("type") == "blob" and is_dump_url(entry["path"])
        ]  # fmt: skip
    if isinstance(data, dict):
        data = data.get("files") or data.get("items") or []
    if not isinstance(data, list):
        raise SourceError(f"{url}: the index is neither a list nor a git tree")
    out = []
    for item in data:
        if isinstance(item, str):
            if is_dump_url(item):
                out.append(remote_for_url(urljoin(url, item), url))
            continue
        if not isinstance(item, dict) or item.get("type") not in (None, "file", "blob"):
            continue
        link = item.get("download_url") or item.get("url") or item.get("href")
        if not isinstance(link, str):
            continue
        link = urljoin(url, link)
        path = str(item.get("path") or item.get("name") or urlsplit(link).path)
        if is_dump_url(path) or is_dump_url(link):
            size = item.get("size")
            out.append(RemoteFile(link, _safe_path(path), int(size) if size is not None else None, item.get("sha")))
    return out


def _github_raw_base(url: str) -> str | None:
    parts = urlsplit(url)
    match = _GITHUB_TREES.match(parts.path)
    if parts.netloc != "api.github.com" or match is None:
        return None
    return f"https://raw.githubusercontent.com/{match['owner']}/{match['repo']}/{match['ref']}/"


class Downloader:
    """Fetch remote files into ``folder`` with resume; ``on_bytes(n)`` after every chunk written."""

    def __init__(self, folder: Path, client: httpx.Client | None = None, *,
                 on_bytes: Callable[[int], None] | None = None) -> None:  # fmt: skip
        self.folder = folder
        self.client = client or httpx.Client(
            headers={"User-Agent": "scenewatch (metadata only)"}, follow_redirects=True, timeout=60.0
        )
        self.on_bytes = on_bytes

    def index(self, url: str, *, files_base: str | None = None, include: str | None = None) -> list[RemoteFile]:
        """Fetch and read an index."""
        try:
            response = self.client.get(url)
        except httpx.HTTPError as exc:
            raise SourceError(f"{url}: {type(exc).__name__}: {exc}") from None
        if response.status_code >= 400:
            raise SourceError(f"{url}: HTTP {response.status_code}")
        return parse_index(response.content, str(response.url), files_base=files_base, include=include)

    def local(self, remote: RemoteFile) -> Path:
        """Where a remote file lives once downloaded."""
        return self.folder / remote.path

    def kept(self, remote: RemoteFile) -> bool:
        """Whether the file is already here, complete, and the index still lists the same length and version."""
        path = self.local(remote)
        meta = _read_json(_meta(path))
        if not path.is_file() or meta is None:
            return False
        size = path.stat().st_size
        if meta.get("length") not in (None, size):
            return False
        if remote.size is not None and remote.size != size:
            return False
        return remote.version is None or meta.get("version") in (None, remote.version)

    def fetch(self, remote: RemoteFile) -> Fetched:
        """Download one file (resuming a partial download), unless it is already here and unchanged."""
        path = self.local(remote)
        if self.kept(remote):
            return Fetched(remote, path, 0, False, True)
        path.parent.mkdir(parents=True, exist_ok=True)
        part = path.with_name(path.name + ".part")
        part_meta = _read_json(_meta(part)) or {}
        have = part.stat().st_size if part.exists() else 0
        validator = part_meta.get("etag") or part_meta.get("last_modified")
        headers = {}
        if have and validator and (remote.version is None or part_meta.get("version") in (None, remote.version)):
            headers = {"Range": f"bytes={have}-", "If-Range": validator}
        else:
            have = 0
        fetched = 0
        try:
            headers["Accept-Encoding"] = "identity"  # the bytes as stored: lengths and ranges stay exact
            with self.client.stream("GET", remote.url, headers=headers) as response:
                if response.status_code == 416 and have:  # nothing left to send: the part is the whole file
                    total = _total(response) or have
                    if total != have:
                        part.unlink(missing_ok=True)
                        return self.fetch(remote)
                elif response.status_code >= 400:
                    raise SourceError(f"{remote.url}: HTTP {response.status_code}")
                else:
                    resumed = response.status_code == 206 and have > 0
                    if not resumed:
                        have = 0
                    meta = {"url": remote.url, "etag": response.headers.get("etag"),
                            "last_modified": response.headers.get("last-modified"), "version": remote.version,
                            "length": _total(response) if resumed else _length(response)}  # fmt: skip
                    _write_json(_meta(part), meta)
                    with part.open("ab" if resumed else "wb") as out:
                        for chunk in response.iter_bytes():  # as it arrives: a kill keeps what came
                            out.write(chunk)
                            fetched += len(chunk)
                            if self.on_bytes is not None:
                                self.on_bytes(len(chunk))
                        out.flush()
                        os.fsync(out.fileno())
                    part_meta = meta
        except httpx.HTTPError as exc:
            raise SourceError(f"{remote.url}: download interrupted ({type(exc).__name__}: {exc}); run again to "
                              "resume") from None  # fmt: skip
        size = part.stat().st_size
        expected = part_meta.get("length") or remote.size
        if expected is not None and size != int(expected):
            raise SourceError(f"{remote.url}: got {size:,} of {int(expected):,} bytes; run again to resume")
        os.replace(part, path)
        _write_json(_meta(path), {**part_meta, "length": size})
        with contextlib.suppress(OSError):
            _meta(part).unlink()
        return Fetched(remote, path, fetched, have > 0, False)


def _meta(path: Path) -> Path:
    return path.with_name(path.name + (".json" if path.name.endswith(".part") else ".meta.json"))


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        value = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def _write_json(path: Path, value: dict[str, Any]) -> None:
    temp = path.with_name(path.name + ".tmp")
    temp.write_text(json.dumps(value), "utf-8")
    os.replace(temp, path)


def _length(response: httpx.Response) -> int | None:
    value = response.headers.get("content-length")
    if value is None or response.headers.get("content-encoding"):
        return None
    try:
        return int(value)
    except ValueError:
        return None


def _total(response: httpx.Response) -> int | None:
    """The full length from ``Content-Range: bytes a-b/total`` (or ``*/total``)."""
    value = response.headers.get("content-range", "")
    total = value.rpartition("/")[2]
    return int(total) if total.isdigit() else None


def dump_files_only(paths: Iterable[Path]) -> list[Path]:
    """Downloaded files without the bookkeeping beside them (``.part``, ``.json`` sidecars)."""
    return [p for p in paths if not p.name.endswith((".part", ".part.json", ".meta.json", ".tmp"))]
