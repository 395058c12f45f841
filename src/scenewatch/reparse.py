"""Re-parse every stored release after a parser upgrade, in batches, resumably."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from importlib import resources

import pyarrow as pa

from scenewatch import priors
from scenewatch.names import parse_columns, section_label
from scenewatch.store import Database, group_prior


def parser_version() -> int:
    """A fingerprint of the installed parser (its code and vocabulary tables), as a positive 31-bit int.

    It changes whenever anything in ``scenewatch.names`` changes, so stale rows are found without
    anyone remembering to bump a number.
    """
    digest = hashlib.md5(usedforsecurity=False)
    root = resources.files("scenewatch.names")
    stack = [root]
    files = []
    while stack:
        node = stack.pop()
        for child in node.iterdir():
            if child.is_dir():
                if child.name != "__pycache__":
                    stack.append(child)
            elif child.name.endswith((".py", ".tsv", ".toml", ".csv", ".json", ".txt")):
                files.append(child)
    for path in sorted(files, key=lambda p: str(p)):
        digest.update(str(path).rsplit("names", 1)[-1].encode())
        digest.update(path.read_bytes())
    return int.from_bytes(digest.digest()[:4], "little") & 0x7FFFFFFF


def stale_count(db: Database, version: int | None = None) -> int:
    """How many releases were parsed by another parser version."""
    version = parser_version() if version is None else version
    return int(db.scalar("SELECT count(*) FROM releases WHERE parser_version IS DISTINCT FROM ?", [version]))


def reparse(
    db: Database,
    *,
    force: bool = False,
    prior_changed: bool = False,
    batch_size: int = 50_000,
    on_batch: Callable[[int, int], None] | None = None,
) -> int:
    """Re-parse releases whose parser version differs (all of them with ``force``); return how many.

    Names are parsed with the store's group prior (scenewatch.priors.effective_prior). ``prior_changed`` also
    re-parses the releases the prior decides (no section that names one category) of every group whose verdict
    the store's own counts change. Each batch commits on its own, so an interrupted reparse resumes where it
    stopped (stale rows are found by their parser version; the prior's rows are simply parsed again).
    """
    version = parser_version()
    prior = priors.effective_prior(db)
    where = "TRUE" if force else "parser_version IS DISTINCT FROM ?"
    params: list[object] = [] if force else [version]
    registered = []
    if prior_changed and not force:
        moved = sorted(priors.changed_groups(db))
        sections = db.con.execute("SELECT DISTINCT section FROM releases WHERE section IS NOT NULL").fetchall()
        labelled = [s for (s,) in sections if section_label(s) is not None]
        db.con.register("reparse_groups", pa.table({"grp": pa.array(moved, pa.string())}))
        db.con.register("reparse_sections", pa.table({"section": pa.array(labelled, pa.string())}))
        registered = ["reparse_groups", "reparse_sections"]
        where = (
            f"({where} OR (lower(grp) IN (SELECT grp FROM reparse_groups)"
            " AND (section IS NULL OR section NOT IN (SELECT section FROM reparse_sections))))"
        )
    try:
        total = int(db.scalar(f"SELECT count(*) FROM releases WHERE {where}", params))
        done = 0
        last_id = -1
        while True:
            rows = db.con.execute(
                f"SELECT id, name, section FROM releases WHERE {where} AND id > ? ORDER BY id LIMIT ?",
                [*params, last_id, batch_size],
            ).fetchall()
            if not rows:
                break
            ids = [r[0] for r in rows]
            parsed = parse_columns([r[1] for r in rows], [r[2] for r in rows], prior)
            db.update_parsed(ids, parsed, version)
            done += len(rows)
            last_id = ids[-1]
            if on_batch:
                on_batch(done, total)
    finally:
        for name in registered:
            db.con.unregister(name)
    if done:
        group_prior.rebuild(db.con)  # groups read anew change the counts the prior learns from
    return done
