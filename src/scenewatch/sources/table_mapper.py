"""Mapping a batch of raw rows given as columns (an Arrow table keyed by the dump's own column names) in one go.

The columnar counterpart of :class:`~scenewatch.sources.columns.RowMapper`, for the bulk of a dump: the common,
well-formed values (a plain name, a unix time, a section without spaces at its ends, ...) are mapped with
vectorised operations; a row with anything else in it (a nuke, an action, an ISO time, text to strip, a value
that would be rejected) goes through RowMapper itself, so every rule and every reject is exactly the row path's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from scenewatch.columnar import ANNOUNCEMENT_SCHEMA, UTC_MICROS, announcement_table
from scenewatch.records import Announcement, NukeEvent, Reject
from scenewatch.sources.base import SourceBatch
from scenewatch.sources.columns import ACTION_WORDS, ANNOUNCED_TIME, DEFAULT_ALIASES, ColumnMap, RowMapper
from scenewatch.sources.local_times import naive_iso_micros
from scenewatch.sources.rules import IngestRules

# Plain unix times, in seconds or milliseconds, well inside the plausible range of columns.parse_time (times near
# its ends go through RowMapper, which decides them exactly).
_SECONDS = (631_152_001, 4_102_444_798)
_MILLISECONDS = (_SECONDS[0] * 1000, _SECONDS[1] * 1000)
# A name RowMapper keeps as it is: printable ASCII at both ends (nothing to strip), no control characters.
_PLAIN_NAME = r"^[!-~](?:[^\r\n\t\x00]*[!-~])?$"
_PLAIN_TEXT = r"(?s)^[!-~](?:.*[!-~])?$"
_DIGITS = r"^[0-9]{1,15}$"
# A size as parse_size_mb reads it, without spaces: a number, then a unit whose first letter picks the factor.
_SIZED = r"^(?P<number>[0-9]{1,15}(?:\.[0-9]{1,15})?)(?P<unit>[kKmMgGtT][iI]?[bB]?)?$"
_SIZE_UNITS = pa.array(["k", "m", "g", "t"])
_SIZE_FACTORS = pa.array([1 / 1024, 1.0, 1024.0, 1024.0 * 1024])
_FILE_COUNT = r"^[0-9]{1,15}[fF]?$"  # as parse_files reads it, without spaces
_NO_TIME = ("", "\\N", "0000-00-00 00:00:00")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Targets whose values RowMapper turns into text (str()): a float column there may hold what the input wrote as an
# integer ("7" became 7.0), so such a batch cannot be mapped from columns.
_TEXT_TARGETS = ("name", "section", "group", "feed", "reason", "network", "action", "files")
_PRIMITIVE = (pa.types.is_string, pa.types.is_int64, pa.types.is_float64, pa.types.is_boolean, pa.types.is_null)


def resolve_columns(names: Sequence[str], explicit: Mapping[str, str] | None) -> ColumnMap | None:
    """The column map of a batch whose rows may have different keys, or None when one row's own keys could resolve
    differently from the batch's (two candidate columns for one field, or one column for two fields)."""
    seen: set[str] = set()
    for target, aliases in DEFAULT_ALIASES.items():
        wanted = (explicit[target].lower(),) if explicit and target in explicit else aliases
        candidates = [name for name in names if name.lower().strip() in wanted]
        if len(candidates) > 1 or seen.intersection(candidates):
            return None
        seen.update(candidates)
    return ColumnMap.resolve(names, explicit)


# Values RowMapper reads exactly as a missing one (no nuke, no status, an ordinary announcement; see
# columns.RowMapper.map and columns._nuke_action): a reader may make them none, so that such rows are mapped here.
_NONE_LIKE = {
    "nuke": pa.array(["", "0", "false", "\\N"]),
    "status": pa.array(["", "0", "\\N"]),
    "action": pa.array(["", "pre", "insert", "update", "add", "new"]),
}


def without_none_like(table: pa.Table, columns: ColumnMap) -> pa.Table:
    """``table`` with the nuke, status and action values that mean nothing made none (a 0 too, for nuke and status),
    in the columns that feed no other target."""
    targets = list(columns.columns.values())
    for target, values in _NONE_LIKE.items():
        name = columns.columns.get(target)
        if name is None or targets.count(name) != 1:
            continue
        column = table.column(name)
        if pa.types.is_string(column.type):
            nothing = pc.is_in(column, values)
        elif target != "action" and (pa.types.is_int64(column.type) or pa.types.is_float64(column.type)):
            nothing = pc.equal(column, 0)
        else:
            continue
        index = table.schema.get_field_index(name)
        table = table.set_column(index, name, pc.if_else(nothing, pa.scalar(None, column.type), column))
    return table


class TableMapper:
    """Map tables of raw rows into announcement columns, nuke events and rejects (see the module's docstring)."""

    def __init__(self, columns: ColumnMap, rules: IngestRules, mapper: RowMapper) -> None:
        self.columns = columns.columns
        self.rules = rules
        self.mapper = mapper
        # Feed rules as (feed, offset in microseconds, time_is_pre, scene), computed the way rules.apply adds them.
        self._feeds = [
            (name, timedelta(hours=rule.offset_hours) // timedelta(microseconds=1), rule.time_is_pre, rule.scene)
            for name, rule in rules.feeds.items()
        ]

    def mappable(self, table: pa.Table, explicit: Mapping[str, str] | None) -> bool:
        """Whether every row of ``table`` maps here exactly as RowMapper maps it (else: use the row path)."""
        for field in table.schema:
            if not any(test(field.type) for test in _PRIMITIVE):
                return False
            # orjson rejects NaN and Infinity, pyarrow reads them: such a line must be rejected by the row path.
            if pa.types.is_float64(field.type) and pc.all(pc.is_finite(table.column(field.name))).as_py() is False:
                return False
        names = self.columns
        name = table.column(names["name"])
        if not pa.types.is_string(name.type) or name.null_count:  # a row without the key fails the whole input
            return False
        for target in explicit or {}:
            if target in names and table.column(names[target]).null_count:
                return False
        floats = {target for target in names if pa.types.is_float64(table.schema.field(names[target]).type)}
        if floats.intersection(_TEXT_TARGETS):
            return False
        # A time so far out that datetime cannot hold it is rejected with the value as written: 1e20 and
        # 100000000000000000000 read alike here, so such a batch goes row by row.
        for target in floats.intersection(("pre_at", "at")):
            times = table.column(names[target])
            if pc.any(pc.or_(pc.greater(times, 1e14), pc.less(times, -1e10))).as_py():
                return False
        return True

    def map(
        self,
        table: pa.Table,
        lines: Sequence[int],
        origin: str,
        extra: Sequence[tuple[int, Mapping[str, Any] | str]] = (),
    ) -> SourceBatch:
        """Map the rows of ``table`` (input lines ``lines``) from ``origin``; ``mappable`` must have said yes.

        ``extra`` are the batch's records that are not in ``table``, as ``(line, raw row)``, or ``(line, reason)``
        for a record the reader rejected: mapped row by row and put in their place among the others.
        """
        count = table.num_rows
        slow = np.zeros(count, dtype=bool)
        for target in ("action", "nuke", "status"):
            column = self._column(table, target)
            if column is not None and column.null_count < len(column):
                slow |= _mask(column.is_valid())
        name = self._column(table, "name")
        assert name is not None
        short = pc.less_equal(pc.utf8_length(name), 512)
        plain_name = _mask(pc.and_(short, pc.match_substring_regex(name, _PLAIN_NAME)))
        plain_name &= ~_mask(pc.match_substring_regex(name, ANNOUNCED_TIME.pattern))  # RowMapper cuts the time off
        slow |= ~plain_name
        pre_at, plain_pre_at = self._times(self._column(table, "pre_at"), count)
        slow |= ~plain_pre_at
        feed, plain_feed = _feed(self._column(table, "feed"), count)
        slow |= ~plain_feed
        section, plain = _text(self._column(table, "section"), count)
        slow |= ~plain
        group, plain = _text(self._column(table, "group"), count)
        slow |= ~plain
        size, plain = _size(self._column(table, "size"), count)
        slow |= ~plain
        files, plain = _files(self._column(table, "files"), count)
        slow |= ~plain
        events = self._events(table, plain_name & plain_feed, pre_at, plain_pre_at, feed)

        scene, trusted, seen_at = self._apply_feeds(feed, pre_at)
        no_time = np.isnan(seen_at)
        fast = pa.table(
            {
                "name": name,
                "seen_at": pa.array(np.where(no_time, 0, seen_at).astype(np.int64), UTC_MICROS, mask=no_time),
                "time_trusted": pa.array(trusted, pa.bool_()),
                "scene": pa.array(scene, pa.bool_()),
                "section": section,
                "size_mb": size,
                "files": files,
                "feed": feed,
                "origin": pa.repeat(pa.scalar(origin, pa.string()), count),
                "announced_group": group,
            },
            schema=ANNOUNCEMENT_SCHEMA,
        )
        batch = SourceBatch()
        at_line = np.asarray(lines, dtype=np.int64)
        nukes = [(int(at_line[index]), nuke) for index, nuke in events[1]]
        slow &= ~events[0]
        slow_rows = np.flatnonzero(slow)
        raw: list[tuple[int, Mapping[str, Any] | str]] = list(zip(at_line[slow_rows].tolist(),
                                                                   table.take(slow_rows).to_pylist(), strict=True))
        if extra:
            raw = sorted([*raw, *extra], key=lambda item: item[0])
        announced: list[Announcement] = []
        announced_at: list[int] = []
        for line, row in raw:
            if isinstance(row, str):  # a line the reader could not make a row of: the reason
                batch.rejects.append(Reject(origin, line, row))
                continue
            try:
                record = self.mapper.map(row)
            except ValueError as exc:
                batch.rejects.append(Reject(origin, line, str(exc)))
                continue
            if isinstance(record, NukeEvent):
                nukes.append((line, record))
            else:
                announced.append(record)
                announced_at.append(line)
                if record.nuke is not None:
                    nukes.append((line, record.nuke))
                    batch.carried_nukes += 1
        nukes.sort(key=lambda item: item[0])  # back into input order (the sort is stable)
        batch.nukes = [nuke for _, nuke in nukes]
        keep = ~(slow | events[0])
        batch.table = fast if keep.all() else fast.filter(pa.array(keep))
        if announced:  # back into input order
            at = np.concatenate([at_line[keep], np.asarray(announced_at, dtype=np.int64)])
            batch.table = pa.concat_tables([batch.table, announcement_table(announced, origin)]).take(np.argsort(at))
        return batch

    def _events(
        self, table: pa.Table, plain: np.ndarray, pre_at: np.ndarray, plain_pre_at: np.ndarray, feed: pa.Array
    ) -> tuple[np.ndarray, list[tuple[int, NukeEvent]]]:
        """The rows that are plain nuke-type events, and their NukeEvents (as RowMapper makes them)."""
        count = table.num_rows
        action = self._column(table, "action")
        if action is None or not pa.types.is_string(action.type) or action.null_count == count:
            return np.zeros(count, dtype=bool), []
        # A nuke word exactly (an action with spaces to strip, other letters or another word goes row by row);
        # RowMapper looks at nothing else of an event row but its reason, network and time.
        word = pc.ascii_lower(action)
        plain = plain & _mask(pc.is_in(word, pa.array(list(ACTION_WORDS))))
        reason, plain_reason = _text(self._column(table, "reason"), count)
        network, plain_network = _text(self._column(table, "network"), count)
        plain &= plain_reason & plain_network
        # RowMapper reads ``at or pre_at``: the event's own time unless it is missing, 0 or empty.
        at_column = self._column(table, "at")
        at, plain_at = self._times(at_column, count)
        given = _truthy(at_column, count)
        micros = np.where(given, at, pre_at)
        plain &= np.where(given, plain_at, plain_pre_at)
        micros = self._apply_feeds(feed, micros)[2]
        rows = np.flatnonzero(plain)
        if not len(rows):
            return plain, []
        picked = pa.array(rows)
        columns = [c.take(picked).to_pylist() for c in (self._column(table, "name"), word, reason, network, feed)]
        times = [None if np.isnan(m) else _EPOCH + timedelta(microseconds=int(m)) for m in micros[rows]]
        return plain, [
            (index, NukeEvent(name=n, action=ACTION_WORDS[w], reason=r, network=k, at=t, feed=f))
            for index, n, w, r, k, t, f in zip(rows.tolist(), *columns[:4], times, columns[4], strict=True)
        ]

    def _column(self, table: pa.Table, target: str) -> pa.Array | None:
        name = self.columns.get(target)
        return table.column(name).combine_chunks() if name is not None else None

    def _times(self, column: pa.Array | None, count: int) -> tuple[np.ndarray, np.ndarray]:
        """Unix times in microseconds (NaN for none) and which rows were plain enough to read here."""
        if column is None or pa.types.is_null(column.type):
            return np.full(count, np.nan), np.ones(count, dtype=bool)
        valid = _mask(column.is_valid())
        if pa.types.is_string(column.type):
            missing = _mask(pc.is_in(column, pa.array(_NO_TIME)))
            digits = _mask(pc.match_substring_regex(column, _DIGITS))
            numbers = pc.if_else(pa.array(digits), column, None).cast(pa.int64())
            micros, plain = self._times(numbers, count)
            plain &= digits
            if not (plain | missing | ~valid).all():  # naive ISO times, read in the rules' zone
                local, iso = naive_iso_micros(column, self.rules)
                micros = np.where(iso, local, micros)
                plain |= iso
            return micros, plain | missing | ~valid
        if pa.types.is_int64(column.type):
            value = column.fill_null(0).to_numpy()
            seconds = (value >= _SECONDS[0]) & (value <= _SECONDS[1])
            millis = (value >= _MILLISECONDS[0]) & (value <= _MILLISECONDS[1])
            # Exact in float64 (under 2^53); NaN marks "no time".
            micros = np.where(seconds, value * 1e6, value * 1e3)
            micros[~(valid & (seconds | millis))] = np.nan
            return micros, ~valid | seconds | millis
        if pa.types.is_float64(column.type):
            value = column.fill_null(0.0).to_numpy()
            seconds = np.where(value > 1e11, value / 1000.0, value)  # as parse_time reads milliseconds
            plain = (seconds >= _SECONDS[0]) & (seconds <= _SECONDS[1])
            # datetime.fromtimestamp: whole seconds plus the fraction rounded half-even to a microsecond.
            whole = np.trunc(seconds)
            micros = whole * 1_000_000 + np.rint((seconds - whole) * 1e6)
            micros[~(valid & plain)] = np.nan
            return micros, ~valid | plain
        return np.full(count, np.nan), ~valid

    def _apply_feeds(self, feed: pa.Array, micros: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Scene flags, trusted flags and corrected times from the feed rules (rules.feed and rules.apply)."""
        count = len(feed)
        scene = np.ones(count, dtype=bool)
        is_pre = np.ones(count, dtype=bool)
        if self._feeds:
            key = pc.fill_null(feed, "")
            for name, offset, time_is_pre, feed_scene in self._feeds:
                rows = _mask(pc.equal(key, name))
                if not rows.any():
                    continue
                scene[rows] = feed_scene
                is_pre[rows] = time_is_pre
                if offset:
                    micros = micros.copy()
                    micros[rows] += offset
        has_time = ~np.isnan(micros)
        return scene, is_pre & has_time, micros


def _truthy(column: pa.Array | None, count: int) -> np.ndarray:
    """Where Python would find the value true (``at or pre_at``): present, and not 0, empty or false."""
    if column is None or pa.types.is_null(column.type):
        return np.zeros(count, dtype=bool)
    if pa.types.is_string(column.type):
        return _mask(pc.not_equal(column, ""))
    if pa.types.is_boolean(column.type):
        return _mask(column)
    return _mask(pc.not_equal(column, 0))


def _mask(values: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """A boolean Arrow array as numpy, nulls as False."""
    return np.asarray(pc.fill_null(values, False).to_numpy(zero_copy_only=False), dtype=bool)


def _feed(column: pa.Array | None, count: int) -> tuple[pa.Array, np.ndarray]:
    """RowMapper's feed for strings: the value as it is, empty is none."""
    if column is None or pa.types.is_null(column.type):
        return pa.nulls(count, pa.string()), np.ones(count, dtype=bool)
    if not pa.types.is_string(column.type):
        return pa.nulls(count, pa.string()), ~_mask(column.is_valid())
    return pc.if_else(pc.equal(column, ""), pa.scalar(None, pa.string()), column), np.ones(count, dtype=bool)


def _text(column: pa.Array | None, count: int) -> tuple[pa.Array, np.ndarray]:
    """columns._text for plain strings: nothing to strip, ``\\N`` and empty are none."""
    if column is None or pa.types.is_null(column.type):
        return pa.nulls(count, pa.string()), np.ones(count, dtype=bool)
    if not pa.types.is_string(column.type):
        return pa.nulls(count, pa.string()), ~_mask(column.is_valid())
    empty = _mask(pc.is_in(column, pa.array(["", "\\N"])))
    plain = _mask(pc.match_substring_regex(column, _PLAIN_TEXT)) | empty | ~_mask(column.is_valid())
    return pc.if_else(pa.array(empty), pa.scalar(None, pa.string()), column), plain


def _size(column: pa.Array | None, count: int) -> tuple[pa.Array, np.ndarray]:
    """columns.parse_size_mb for numbers and plain decimal strings, with a unit or without (megabytes)."""
    if column is None or pa.types.is_null(column.type):
        return pa.nulls(count, pa.float64()), np.ones(count, dtype=bool)
    if pa.types.is_int64(column.type) or pa.types.is_float64(column.type):
        return column.cast(pa.float64(), safe=False), np.ones(count, dtype=bool)
    valid = _mask(column.is_valid())
    if not pa.types.is_string(column.type):
        return pa.nulls(count, pa.float64()), ~valid
    empty = _mask(pc.is_in(column, pa.array(["", "\\N"])))
    parts = pc.extract_regex(column, _SIZED)
    decimal = _mask(parts.is_valid())
    number = pc.if_else(pa.array(decimal), pc.struct_field(parts, "number"), None).cast(pa.float64())
    unit = pc.utf8_slice_codeunits(pc.ascii_lower(pc.struct_field(parts, "unit")), 0, 1)
    factor = pc.fill_null(_SIZE_FACTORS.take(pc.index_in(unit, _SIZE_UNITS)), 1.0)
    values = pc.multiply(number, factor)
    return values, decimal | empty | ~valid


def _files(column: pa.Array | None, count: int) -> tuple[pa.Array, np.ndarray]:
    """columns.parse_files for integers and plain digit strings."""
    if column is None or pa.types.is_null(column.type):
        return pa.nulls(count, pa.int32()), np.ones(count, dtype=bool)
    valid = _mask(column.is_valid())
    if pa.types.is_string(column.type):
        empty = _mask(pc.equal(column, ""))
        digits = _mask(pc.match_substring_regex(column, _FILE_COUNT))
        numbers = pc.if_else(pa.array(digits), pc.ascii_rtrim(column, characters="fF"), None).cast(pa.int64())
        values, plain = _files(numbers, count)
        return values, (plain & digits) | empty | ~valid
    if not pa.types.is_int64(column.type):
        return pa.nulls(count, pa.int32()), ~valid
    # A count past int32 makes the store's insert fail: RowMapper's row then fails the same way.
    value = column.fill_null(0).to_numpy()
    fits = (value >= -(2**31)) & (value < 2**31)
    return column.cast(pa.int32(), safe=False), fits | ~valid
