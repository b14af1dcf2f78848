"""Geocode a table on Dask distributed: the input cut into blocks of rows, in input
order, the blocks geocoded by the workers as they come, each worker with the gazetteer
and building index loaded once.

A CSV file goes to the workers as it is on disk: the client reads it as bytes and cuts
it at record ends (:func:`csv_blocks`, :func:`record_end`: a quoted field may hold a
line break), and each task reads its block with the options ``read_table`` reads the
whole file with, geocodes it, formats its lines (:func:`gis.geocode.csvout.format_lines`,
the single process's formatter) and returns them as UTF-8 bytes. The client parses
nothing, sends no Python objects row by row, and writes the blocks' bytes in input order
as they complete; a bounded window of tasks is in flight. The bytes travel through the
scheduler, so no disk is shared: the same path serves a local cluster and a scheduler
given by address. Blocks are at most :data:`BLOCK_BYTES` and shrink towards the end of
the file, so that the two workers finish together. Tables that are not such a CSV
(XLSX, line ends a block could not be cut at) go as columns (:meth:`DaskGeocoder.text`).

Why blocks and not one task per county: to know a row's county the client would have
to read its address's admin names, and that scan costs a third of geocoding the
address (measured on 169 k distinct addresses of 32 counties: 6.3 against 20 CPU-s),
all of it serial, in the client. The workers hold the whole geocoder, so a block of any
county is theirs to answer; what keeping a county on one worker could save is the
per-county name pools and address-head readings each worker builds for itself, measured
at ≈ 2.5 % of the geocoding CPU (300 k addresses of the province cut in 6,250-row slices
between two processes, against one process). Input files are mostly county after
county, so consecutive rows stay together in a block.

A worker keeps, per database, one :class:`~gis.geocode.batch.Geocoder` (gazetteer and
whole building index), loaded as soon as it starts (:func:`warm`), while the client
reads the file. A local cluster's workers start from the fork server with this module
imported (:func:`gis.dask_cluster.start_client`), never forked from the client, which
runs the Dask event loop in a thread by then. The answers, and the bytes, are the
single process's (tested).

If a worker dies, the scheduler gives its tasks (and the results it held) to another
worker; a task that keeps failing fails the batch, and the output file is not written.

The scheduler is a :class:`distributed.LocalCluster` of ``workers`` processes by default,
or any Dask scheduler by address (its workers need popgis installed and the database
reachable at the same URL).
"""

from __future__ import annotations

import csv
import os
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from gis.dask_cluster import CONNECT_SECONDS, scheduler_address, start_client
from gis.geocode.batch import RESULT_COLUMNS, Geocoder
from gis.geocode.csvout import format_lines

__all__ = [
    "BLOCK_BYTES",
    "CONNECT_SECONDS",
    "TASK_ROWS",
    "BlockUnreadable",
    "CsvBlocks",
    "CsvLayout",
    "DaskGeocoder",
    "csv_blocks",
    "geocode_block",
    "geocode_rows",
    "geocode_table",
    "geocode_text",
    "read_block",
    "record_end",
    "scheduler_address",
]

#: rows per task at most (a table sent as columns)
TASK_ROWS = 10_000

#: bytes of a CSV file per task at most (≈ 10 k rows of an address file): ≈ 1.5 s of a
#: worker's time, 80-odd tasks for the province's 900 k households
BLOCK_BYTES = 1 << 20

#: the smallest block cut towards the end of the file (see :func:`csv_blocks`)
MIN_BLOCK_BYTES = 64 << 10

#: tasks in flight per worker at most (submitted, not yet written by the client): the
#: memory of a run is bounded by this many blocks, not by the file
WINDOW_PER_WORKER = 8

# per worker process: database URL → the whole database's Geocoder
_WORKER: dict[str, Geocoder] = {}


# ------------------------------------------------------------------ a CSV file in blocks
@dataclass(frozen=True)
class CsvLayout:
    """What a worker needs to read a block of a CSV file's records as
    ``loaders.files.read_table`` reads the file (:func:`read_block`): not the file's
    path (a worker of a remote scheduler may not see the client's disk). ``columns``:
    the header names of id, address, lon, lat and crs (None for a column the file does
    not have)."""

    names: tuple[str, ...]
    delimiter: str
    encoding: str
    columns: tuple[str | None, ...]


@dataclass(frozen=True)
class CsvBlocks:
    """A CSV file to be sent in blocks of whole records: the byte offset where its data
    rows start (after the header), its size, and how to read a block."""

    path: str
    start: int
    size: int
    layout: CsvLayout


class BlockUnreadable(ValueError):
    """A block's rows could not be read (a row with more cells than the header, …); the
    client reads the file as the single process does to say where (its FileProblem)."""


def csv_blocks(
    path,
    header_row: int,
    names: Iterable[str],
    delimiter: str,
    encoding: str,
    columns: Iterable[str | None],
) -> CsvBlocks | None:
    """The file as :class:`CsvBlocks` (its data rows start after line ``header_row``, as
    ``read_table`` found it), or None where cutting it at line feeds could split a record
    differently from the parser: a carriage return not followed by a line feed (the
    parser ends a record there too), a NUL byte, a header line with an open quote.
    UTF-8 and GB18030 never use the bytes of ``"``, ``\r``, ``\n`` or the delimiter inside
    a character, so a cut at a record's line feed never splits one."""
    if encoding.replace("_", "-").lower() not in ("utf-8", "utf-8-sig", "gb18030", "gbk"):
        return None
    with open(path, "rb") as f:
        start = 0
        for _ in range(header_row):
            line = f.readline()
            if not line.endswith(b"\n"):
                return None  # the header is the last line: no rows (or a lone \r)
            start += len(line)
            if line.count(b'"') % 2:
                return None  # a quoted line break in the header
        f.seek(0)
        tail = b""
        while True:
            piece = f.read(8 << 20)
            if not piece:
                break
            chunk = tail + piece
            if b"\0" in chunk:
                return None
            # a \r at the very end may be followed by the next piece's \n
            body = chunk[:-1] if chunk.endswith(b"\r") else chunk
            if body.count(b"\r") != body.count(b"\r\n"):
                return None
            tail = chunk[len(body) :]
        if tail:
            return None  # the file ends in a lone \r
        size = f.tell()
    layout = CsvLayout(tuple(names), delimiter, encoding, tuple(columns))
    return CsvBlocks(str(path), start, size, layout)


def record_end(buf: bytes, delimiter: str) -> int | None:
    """Where the last whole record of ``buf`` ends (just after its line feed), ``buf``
    starting at a record's start; None if no record ends in it. A line feed inside a
    quoted field does not end a record: with no quote in ``buf`` every line feed does,
    else the lines are read with :mod:`csv` (quoting as pandas' parser does it: a quote
    opens a quoted field only at the start of a field, ``""`` inside one is a quote)."""
    if b'"' not in buf:
        i = buf.rfind(b"\n")
        return i + 1 if i >= 0 else None
    lines = buf.split(b"\n")[:-1]  # the lines ended by a line feed
    state = {"at": 0, "exhausted": False}

    def feed():
        for line in lines:
            state["at"] += len(line) + 1
            # Latin-1 maps bytes to characters one to one: the ASCII bytes that matter
            # stay themselves, whatever the file's encoding
            yield line.decode("latin-1") + "\n"
        state["exhausted"] = True

    if csv.field_size_limit() < sys.maxsize:
        csv.field_size_limit(sys.maxsize)  # pandas has no limit on a field's length
    end = None
    try:
        for _row in csv.reader(feed(), delimiter=delimiter, quotechar='"', strict=False):
            # a record the reader returned once the lines ran out may be cut short
            # inside a quoted field: only the records before it are whole
            if not state["exhausted"]:
                end = state["at"]
    except csv.Error:
        return None
    return end


def _block_size(remaining: int, workers: int, most: int, least: int) -> int:
    """Bytes for the next block: the most, until the rest of the file is a few blocks
    per worker; then a quarter of a worker's share of the rest (guided self-scheduling:
    the last tasks are small, so that no worker waits long for the other)."""
    return max(least, min(most, remaining // (4 * workers)))


def _cut(blocks: CsvBlocks, workers: int, most: int = BLOCK_BYTES) -> Iterator[bytes]:
    """The file's data rows as blocks of whole records, in order: at most ``most``
    bytes each (more only for a record longer than that)."""
    least = min(most, MIN_BLOCK_BYTES)
    with open(blocks.path, "rb") as f:
        f.seek(blocks.start)
        buf = b""
        eof = False
        while True:
            remaining = blocks.size - f.tell() + len(buf)
            want = _block_size(remaining, workers, most, least)
            if len(buf) < want and not eof:
                more = f.read(want - len(buf))
                eof = len(more) < want - len(buf)
                buf += more
            if eof:
                if buf:
                    yield buf
                return
            end = record_end(buf, blocks.layout.delimiter)
            while end is None:  # no whole record in it (one long record): read on
                more = f.read(max(len(buf), least))
                if not more:
                    eof = True
                    break
                buf += more
                end = record_end(buf, blocks.layout.delimiter)
            if end is None:
                yield buf
                return
            yield buf[:end]
            buf = buf[end:]


def read_block(layout: CsvLayout, data: bytes) -> pd.DataFrame:
    """The rows of a block, read with the options ``loaders.files.read_table`` reads
    the whole file with (every cell a string, blank rows and rows of bare delimiters
    dropped), so that every row has the cells the single process reads."""
    import io

    try:
        df = pd.read_csv(
            io.BytesIO(data),
            sep=layout.delimiter,
            header=None,
            names=list(layout.names),
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=False,
            index_col=False,
            encoding=layout.encoding,
            engine="c",
            quotechar='"',
        )
    except pd.errors.EmptyDataError:
        return pd.DataFrame({n: pd.Series([], dtype=str) for n in layout.names})
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise BlockUnreadable(str(exc)) from None
    return df[~(df == "").all(axis=1)].reset_index(drop=True)


# ------------------------------------------------------------------ worker side
def _worker_geocoder(url: str) -> Geocoder:
    """This process's geocoder for the database at ``url``, loaded once."""
    from gis import db

    g = _WORKER.get(url)
    if g is None:
        with db.engine(url).connect() as conn:
            g = _WORKER[url] = Geocoder.load(conn)
    return g


def warm(url: str) -> int:
    """Load the geocoder in this worker, and build what its first addresses would
    (the pinyin table, the index of the database's townships and villages), ahead of
    its first task; its process id."""
    from gis.geocode.gazetteer import syllables

    g = _worker_geocoder(url)
    syllables("预热")
    _ = g.gaz.local_index
    return os.getpid()


def geocode_rows(url: str, ids, addresses, lon, lat, crs, default_crs: str) -> pd.DataFrame:
    """One task: geocode these rows in a worker; returns
    :data:`~gis.geocode.batch.RESULT_COLUMNS`."""
    from gis import db

    g = _worker_geocoder(url)
    # committed: were the building cells stale, the first task's rebuild is kept
    # (gis.geocode.coords.ensure_building_cells), not redone by every task
    with db.engine(url).begin() as conn:
        return g.table(conn, ids, addresses, lon, lat, crs, default_crs=default_crs)


def geocode_text(
    url: str, ids, addresses, lon, lat, crs, default_crs: str
) -> tuple[bytes, dict[str, int], int, int]:
    """One task: :func:`geocode_rows` as the output file's bytes for these rows (UTF-8),
    the counts by level, the rows whose coordinates were ignored
    (:func:`gis.geocode.csvout.format_lines`) and the rows."""
    if not len(ids):
        return b"", {}, 0, 0
    lines, counts, ignored = format_lines(
        geocode_rows(url, ids, addresses, lon, lat, crs, default_crs)
    )
    return "".join(lines).encode("utf-8"), counts, ignored, len(ids)


def geocode_block(
    url: str, layout: CsvLayout, data: bytes, default_crs: str
) -> tuple[bytes, dict[str, int], int, int]:
    """One task: a block of the CSV file (:func:`read_block`) geocoded, as
    :func:`geocode_text` gives it."""
    df = read_block(layout, data)
    ids, addresses, lon, lat, crs = (
        df[c].to_numpy() if c is not None else None for c in layout.columns
    )
    return geocode_text(url, ids, addresses, lon, lat, crs, default_crs)


# ------------------------------------------------------------------ client side
def _col(col, start: int, stop: int):
    if col is None:
        return None
    return np.asarray(col[start:stop], dtype=object)


class DaskGeocoder:
    """A Dask client for one batch: started first (a local cluster of ``workers``
    processes, or the scheduler at ``scheduler``), the workers loading the geocoder
    while the caller reads its file; then :meth:`blocks`, :meth:`text` or
    :meth:`table`. Use as a context manager (the local cluster is closed at the end).

    ``url``: the database, as the workers reach it; each worker loads its geocoder
    from it as it starts (:func:`warm`)."""

    def __init__(self, url: str, scheduler: str | None = None, workers: int = 2):
        self.url = url
        self.cluster = None
        self.client = None
        try:
            self.client, self.cluster = start_client(
                scheduler, workers, preload=("gis.geocode.distributed",)
            )
            self._warm = [
                self.client.submit(warm, url, workers=[w], pure=False)
                for w in self.client.scheduler_info()["workers"]
            ]
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        if self.client is not None:
            self.client.close()
        if self.cluster is not None:
            self.cluster.close()

    def __enter__(self) -> DaskGeocoder:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _workers(self) -> int:
        assert self.client is not None  # set in __init__, or __init__ raised
        return max(1, len(self.client.scheduler_info()["workers"]))

    def _ordered(self, tasks: Iterator[tuple], window: int) -> Iterator[Any]:
        """Submit ``(fn, *args)`` tasks (the database URL put first), at most ``window``
        in flight; yield their results in submission order, each as soon as it and
        those before it are done (the workers keep on with the window meanwhile)."""
        client = self.client
        assert client is not None
        pending: deque = deque()

        def fill() -> None:
            while len(pending) < window:
                task = next(tasks, None)
                if task is None:
                    return
                fn, *args = task
                pending.append(client.submit(fn, self.url, *args, pure=False))

        fill()
        while pending:
            result = pending[0].result()
            pending.popleft()  # the worker drops the result once its future is gone
            fill()
            yield result

    def _pieces(self, results, progress, tally) -> Iterator[bytes]:
        done = 0
        for data, counts, ignored, rows in results:
            if tally is not None:
                tally(counts, ignored)
            done += rows
            if progress is not None:
                progress(done, done)
            yield data

    def blocks(
        self,
        blocks: CsvBlocks,
        *,
        default_crs: str = "wgs84",
        block_bytes: int | None = None,
        progress: Callable[[int, int], None] | None = None,
        tally: Callable[[dict, int], None] | None = None,
    ) -> Iterator[bytes]:
        """The output file's bytes of a CSV file (:func:`csv_blocks`), block by block in
        input order (to pass to :func:`gis.geocode.csvout.write_file`);
        ``tally(counts, ignored)`` per block. A block whose rows cannot be read raises
        :class:`BlockUnreadable`. ``block_bytes``: :data:`BLOCK_BYTES` by default."""
        workers = self._workers()
        tasks = (
            (geocode_block, blocks.layout, data, default_crs)
            for data in _cut(blocks, workers, block_bytes or BLOCK_BYTES)
        )
        results = self._ordered(tasks, WINDOW_PER_WORKER * workers)
        return self._pieces(results, progress, tally)

    def _slices(self, chunks: Iterable[tuple], default_crs: str, task_rows: int):
        workers = self._workers()
        for ids, addresses, lon, lat, crs in chunks:
            n = len(ids)
            # a few slices per worker at least, so that they finish together
            step = max(1, min(task_rows, -(-n // (4 * workers))))
            for start in range(0, n, step):
                stop = min(n, start + step)
                cols = [_col(c, start, stop) for c in (ids, addresses, lon, lat, crs)]
                yield (geocode_text, *cols, default_crs)

    def text(
        self,
        chunks: Iterable[tuple],
        *,
        default_crs: str = "wgs84",
        task_rows: int = TASK_ROWS,
        progress: Callable[[int, int], None] | None = None,
        tally: Callable[[dict, int], None] | None = None,
    ) -> Iterator[bytes]:
        """The output file's bytes of a table given as columns, piece by piece in input
        order (to pass to :func:`gis.geocode.csvout.write_file`); ``chunks``: ``(ids,
        addresses, lon, lat, crs)`` columns (None for an absent column), cut into
        slices of at most ``task_rows``; ``tally(counts, ignored)`` per piece."""
        tasks = self._slices(chunks, default_crs, task_rows)
        results = self._ordered(tasks, WINDOW_PER_WORKER * self._workers())
        return self._pieces(results, progress, tally)

    def table(
        self,
        ids,
        addresses,
        lon=None,
        lat=None,
        crs=None,
        *,
        default_crs: str = "wgs84",
        task_rows: int = TASK_ROWS,
        progress: Callable[[int, int], None] | None = None,
    ) -> pd.DataFrame:
        """:data:`~gis.geocode.batch.RESULT_COLUMNS` in input order, as
        :meth:`Geocoder.table` gives them in one process."""
        n = len(ids)
        step = max(1, min(task_rows, -(-n // (4 * self._workers()))))
        tasks = (
            (
                geocode_rows,
                *[_col(c, start, min(n, start + step)) for c in (ids, addresses, lon, lat, crs)],
                default_crs,
            )
            for start in range(0, n, step)
        )
        parts = []
        done = 0
        for part in self._ordered(tasks, WINDOW_PER_WORKER * self._workers()):
            parts.append(part)
            done += len(part)
            if progress is not None:
                progress(done, done)
        if not parts:
            return pd.DataFrame({c: pd.Series([], dtype=object) for c in RESULT_COLUMNS})
        return pd.concat(parts, ignore_index=True)


def geocode_table(
    url: str,
    ids,
    addresses,
    lon=None,
    lat=None,
    crs=None,
    *,
    default_crs: str = "wgs84",
    scheduler: str | None = None,
    workers: int = 2,
    task_rows: int = TASK_ROWS,
    progress: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """Geocode rows given as columns on Dask (see the module doc); the same answers, in
    the same order, as :meth:`Geocoder.table` in one process.

    ``url``: the database, as the workers reach it. ``scheduler``: a Dask scheduler's
    address; None starts a local cluster of ``workers`` processes for this call.
    ``progress(done, total)`` after each task.
    """
    with DaskGeocoder(url, scheduler, workers) as d:
        return d.table(
            ids,
            addresses,
            lon,
            lat,
            crs,
            default_crs=default_crs,
            task_rows=task_rows,
            progress=progress,
        )
