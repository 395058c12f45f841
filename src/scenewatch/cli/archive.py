"""`scenewatch archive`: the public dump archives in one command (and the download side of `ingest https://…`)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from scenewatch.cli.common import DbOption, JsonFlag, UsageError, err, open_db, out, parse_day, show
from scenewatch.records import Reject

archive_app = typer.Typer(help="Public dump archives: list them, pull one into the store.", no_args_is_help=True)


def _download_dir(db: str | None, download_dir: Path | None) -> Path:
    if download_dir is not None:
        return download_dir
    from scenewatch.store import default_db_path

    base = Path(db) if db else default_db_path()
    return base.with_name(base.name + ".downloads")


def pull_command(
    urls: list[str],
    *,
    db: str | None,
    download_dir: Path | None,
    fmt: str | None,
    quiet: bool,
    force: bool = False,
    ingest: dict[str, Any] | None = None,
    files_base: str | None = None,
    include: str | None = None,
    since: str | None = None,
    until: str | None = None,
) -> None:
    """List, download (resuming) and ingest the files the URLs name, with one progress bar; print a summary."""
    from scenewatch.archive import list_remote, pull, select
    from scenewatch.progress import pull_progress, summary_lines
    from scenewatch.sources.download import Downloader

    folder = _download_dir(db, download_dir)
    downloader = Downloader(folder)
    files = select(list_remote(downloader, urls, files_base=files_base, include=include),
                   parse_day(since, "--since"), parse_day(until, "--until"))  # fmt: skip
    if not files:
        raise UsageError("nothing to pull: no listed file falls within --since/--until")
    shown = 0

    def on_reject(reject: Reject) -> None:
        nonlocal shown
        if shown < 10:
            sys.stderr.write(f"rejected {reject}\n")
        shown += 1

    options = {k: v for k, v in (ingest or {}).items() if v is not None}
    options.update(fmt=fmt, force=force)
    with open_db(db) as database:
        with pull_progress(err, disable=quiet) as on_tick:
            summary = pull(database, files, downloader, ingest_options=options, on_tick=on_tick, on_reject=on_reject,
                           force=force)  # fmt: skip
        total = database.count_releases()
    read = summary.ingest
    out.print(
        f"{summary.listed:,} files listed: {summary.fetched:,} downloaded ({summary.resumed:,} resumed), "
        f"{summary.kept:,} already downloaded, {summary.done:,} already ingested; {summary.bytes / 2**20:,.1f} MiB "
        f"fetched into {folder}",
        highlight=False,
    )
    for failure in read.failed:
        sys.stderr.write(f"error: {failure}\n")
    out.print(summary_lines(read, total)[0], markup=False, highlight=False)  # where every record read went
    out.print(f"{read.nukes:,} nuke events stored; {summary.seconds:.1f} s; {total:,} releases in store",
              highlight=False)  # fmt: skip
    if read.failed:
        raise typer.Exit(1)


@archive_app.command("list")
def list_command(as_json: JsonFlag = False) -> None:
    """The archive presets: what each holds and where it is fetched from."""
    import pandas as pd

    from scenewatch.archive import archive_presets

    rows = [{"archive": p.name, "title": p.title, "index": p.index, "files": p.files or "", "format": p.format or ""}
            for p in archive_presets().values()]  # fmt: skip
    show(pd.DataFrame(rows), as_json, False, "dump archives (scenewatch archive pull NAME)")


@archive_app.command("pull")
def pull_archive(
    name: Annotated[str, typer.Argument(help="An archive preset (see `scenewatch archive list`), e.g. nzedb.")],
    db: DbOption = None,
    index: Annotated[str | None, typer.Option("--index", help="The index URL \\[default: the preset's].")] = None,
    files: Annotated[
        str | None, typer.Option("--files", help="Base URL of the files \\[default: the preset's].")
    ] = None,
    since: Annotated[str | None, typer.Option("--since", help="Only files dated from this day (YYYY-MM-DD).")] = None,
    until: Annotated[str | None, typer.Option("--until", help="Only files dated up to this day.")] = None,
    download_dir: Annotated[
        Path | None, typer.Option("--download-dir", help="Where files are downloaded to \\[default: beside --db].")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Read files again even if already ingested.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Pull a whole public archive into the store: list it, download every file (resuming), ingest as they arrive.

    Interrupted and run again, it skips what is ingested, resumes what is half downloaded, and adds no duplicate.
    """
    from scenewatch.archive import archive_presets

    presets = archive_presets()
    preset = presets.get(name.lower())
    if preset is None:
        raise UsageError(f"{name}: not an archive (known: {', '.join(presets)})")
    err.print(f"{preset.title}", markup=False, highlight=False)
    pull_command([index or preset.index], db=db, download_dir=download_dir, fmt=preset.format, quiet=quiet,
                 force=force, files_base=files or preset.files, include=preset.include, since=since,
                 until=until)  # fmt: skip


def register(app: typer.Typer) -> None:
    """Add these commands to ``app``."""
    app.add_typer(archive_app, name="archive")
