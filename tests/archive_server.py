"""A loopback dump archive: copies of real nZEDb dumps served like the public nZEDb/nZEDbPre_Dumps repository.

- ``/repos/nZEDb/nZEDbPre_Dumps/git/trees/master?recursive=1`` — a GitHub git-trees answer (``{sha, url, tree:
  [{path, mode, type, sha, size, url}], truncated}``) listing ``dumps/<folder>/<unix time>_predb_dump.csv.gz``, the
  repository's layout (folders of up to 300 files, as its dumps/0README.txt explains).
- ``/raw/<path>`` — the files, like raw.githubusercontent.com: ``ETag``, ``Accept-Ranges``, ``Range`` → 206 with
  ``Content-Range``, ``If-Range`` honoured; ``bytes_per_second`` throttles them so a test can interrupt a download.
- ``/listing/`` — the same files as an HTML autoindex (``<a href>``), for ``scenewatch ingest https://…/listing/``.

The files are copies made at test time in a temp folder from ``../shared/data/predb-nzedb/dumps``; nothing is
committed.
"""

from __future__ import annotations

import asyncio
import hashlib
import shutil
import threading
from pathlib import Path

from aiohttp import web

from tests.live_servers import LoopThread


def git_blob_sha(data: bytes) -> str:
    """The git object id of a file's content (what a git-trees answer lists as ``sha``)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


class ArchiveServer:
    """Serve copies of dump files from ``root`` (``dumps/<folder>/<file>``) on 127.0.0.1."""

    def __init__(self, loop: LoopThread, root: Path, *, bytes_per_second: float | None = None) -> None:
        self.loop = loop
        self.root = root
        self.bytes_per_second = bytes_per_second
        self.lock = threading.Lock()
        self.requests: list[tuple[str, str | None, int]] = []  # (path, Range header, status)
        self.bytes_sent = 0
        self.port = 0
        loop.call(self._start())

    @classmethod
    def from_dumps(cls, loop: LoopThread, dumps: Path, target: Path, count: int, start: int = 560,
                   per_folder: int = 5, **options: object) -> ArchiveServer:  # fmt: skip
        """Copy ``count`` real dump files into ``target/dumps/<folder>/`` (folders of ``per_folder``) and serve them."""
        files = sorted(dumps.glob("*_predb_dump.csv.gz"))[start : start + count]
        for i in range(0, len(files), per_folder):
            chunk = files[i : i + per_folder]
            folder = target / "dumps" / chunk[0].name.split("_", 1)[0]
            folder.mkdir(parents=True, exist_ok=True)
            for path in chunk:
                shutil.copyfile(path, folder / path.name)
        (target / "dumps" / "0README.txt").write_text("These are PREDB dumps for nZEDb, they are created daily.\n")
        return cls(loop, target, **options)  # type: ignore[arg-type]

    def files(self) -> list[Path]:
        return sorted(p for p in self.root.rglob("*") if p.is_file())

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_get("/repos/nZEDb/nZEDbPre_Dumps/git/trees/master", self._tree)
        app.router.add_get("/raw/{path:.+}", self._raw)
        app.router.add_get("/listing/", self._listing)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    def close(self) -> None:
        self.loop.call(self._runner.cleanup())

    @property
    def index_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/repos/nZEDb/nZEDbPre_Dumps/git/trees/master?recursive=1"

    @property
    def files_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/raw/"

    @property
    def listing_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/listing/"

    def _log(self, path: str, range_header: str | None, status: int) -> None:
        with self.lock:
            self.requests.append((path, range_header, status))

    async def _tree(self, request: web.Request) -> web.Response:
        self._log(request.path, None, 200)
        tree = []
        folders = sorted({p.parent for p in self.files()} - {self.root})
        for folder in folders:
            rel = folder.relative_to(self.root).as_posix()
            tree.append({"path": rel, "mode": "040000", "type": "tree", "sha": hashlib.sha1(rel.encode()).hexdigest(),
                         "url": f"http://127.0.0.1:{self.port}/git/trees/{rel}"})  # fmt: skip
        for path in self.files():
            data = path.read_bytes()
            rel = path.relative_to(self.root).as_posix()
            tree.append({"path": rel, "mode": "100644", "type": "blob", "sha": git_blob_sha(data), "size": len(data),
                         "url": f"http://127.0.0.1:{self.port}/git/blobs/{git_blob_sha(data)}"})  # fmt: skip
        tree.sort(key=lambda e: e["path"])
        return web.json_response({"sha": "0" * 40, "url": str(request.url), "tree": tree, "truncated": False})

    async def _listing(self, request: web.Request) -> web.Response:
        self._log(request.path, None, 200)
        links = "\n".join(f'<a href="../raw/{p.relative_to(self.root).as_posix()}">{p.name}</a>' for p in self.files())
        return web.Response(text=f"<html><body><h1>Index of /dumps/</h1><pre>\n{links}\n</pre></body></html>",
                            content_type="text/html")  # fmt: skip

    async def _raw(self, request: web.Request) -> web.StreamResponse:
        path = (self.root / request.match_info["path"]).resolve()
        range_header = request.headers.get("Range")
        if not path.is_file() or self.root.resolve() not in path.parents:
            self._log(request.path, range_header, 404)
            return web.Response(status=404)
        data = path.read_bytes()
        etag = f'"{git_blob_sha(data)}"'
        start, status = 0, 200
        if range_header and request.headers.get("If-Range", etag) == etag:
            first = range_header.removeprefix("bytes=").split("-", 1)[0]
            start = int(first) if first.isdigit() else 0
            if start >= len(data):
                self._log(request.path, range_header, 416)
                return web.Response(status=416, headers={"Content-Range": f"bytes */{len(data)}"})
            status = 206
        self._log(request.path, range_header, status)
        headers = {"ETag": etag, "Accept-Ranges": "bytes", "Content-Type": "application/octet-stream",
                   "Content-Length": str(len(data) - start)}  # fmt: skip
        if status == 206:
            headers["Content-Range"] = f"bytes {start}-{len(data) - 1}/{len(data)}"
        response = web.StreamResponse(status=status, headers=headers)
        await response.prepare(request)
        chunk = 8192
        for offset in range(start, len(data), chunk):
            piece = data[offset : offset + chunk]
            await response.write(piece)
            with self.lock:
                self.bytes_sent += len(piece)
            if self.bytes_per_second:
                await asyncio.sleep(len(piece) / self.bytes_per_second)
        await response.write_eof()
        return response
