"""``popgis demo --province``: generate (once) and load a synthetic province.

The counties' files are loaded kind by kind for the whole province at once, not county
by county: the files of one kind of every county still to load are joined into one file
of the province (``<folder>/province-<hash>/``: the CSV rows one after another under
the one header, the GeoJSON features in one collection, the GeoPackage layers in one)
and that file goes through the county loader of its kind, with all its checks, in one
transaction (every row loaded or reported with file, row, column and value; a bad row
of a county is reported with its row number in the joined file). The once-per-load work
of a loader (its staging, the index rebuild after the first load into an empty table,
ANALYZE) is then done once for the province instead of once per county, and the
geocoder (its gazetteer and building index) is read once for all counties.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from contextlib import nullcontext
from multiprocessing import get_context
from pathlib import Path

from gis import db, settings, stats, users
from gis.messages import _
from gis.regions import ensure_regions
from loaders.demo_county import DEMO_PASSWORD, LOAD_ORDER
from loaders.forking import can_fork, quiet_on_ctrl_c
from loaders.registry import get_loader


def province_dir(province: str, scale: float, seed: int, counties=None) -> Path:
    tail = "-" + "_".join(sorted(counties)) if counties else ""
    return settings.var_dir() / "demo" / f"province{province}-scale{scale:g}-seed{seed}{tail}"


def generate_files(
    province: str, scale: float, seed: int, counties=None, echo=print, workers=None
) -> Path:
    """The province's files (generated once per province, scale, seed and counties)."""
    from loaders.demo.province import generate_province
    from loaders.demo.whole import written_whole

    out = province_dir(province, scale, seed, counties)
    if not (out / "manifest.json").exists():
        with written_whole(out) as part:  # a Ctrl-C leaves no half-made folder
            generate_province(part, province, scale, seed, counties, echo=echo, workers=workers)
    return out


def load(
    folder: Path, *, engine=None, echo=print, progress: bool = False, geocode_first: bool = True
) -> dict:
    """Load every county of ``folder`` not loaded yet (one load per kind of file for all
    of them, in the county demo's order), geocode their households as the county demo
    does, add the province and city areas and the demo accounts; returns
    ``{"seconds", "steps": {step: seconds}, "counties": n, "province": n, "city": n}``.

    On a first load (no households yet) the households are geocoded before they are
    inserted (:func:`geocode_staged`; step ``households: geocode``, part of ``load
    households``); otherwise, or without ``geocode_first``, once they are in
    (:func:`geocode_counties`, step ``geocode``). Same answers (tested).

    Each kind is its own transaction: a load cut short (Ctrl-C: :class:`LoadInterrupted`
    says what was loaded, or an error) keeps the kinds loaded, and the next load of the
    folder into the same database loads its counties again, whole (the marker
    :func:`loading_marker`; the loaders keep the rows already there, unchanged)."""
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    engine = engine or db.engine()
    marker = loading_marker(folder, engine)
    cut_short = set(json.loads(marker.read_text(encoding="utf-8"))) if marker.exists() else set()
    t0 = time.perf_counter()
    steps: dict[str, float] = {}
    with engine.connect() as conn:
        todo = [
            c
            for c in sorted(manifest["counties"])
            if c in cut_short or not stats.demo_loaded(conn, c)
        ]
    kept = sorted(set(manifest["counties"]) - set(todo))
    if kept:  # said, not silent: the map then shows what was there (maybe another scale)
        echo(
            _(
                "not loaded again: {codes} (households already in the database, kept as they "
                "are; their files in {folder} were left out)",
                codes=", ".join(kept),
                folder=folder,
            )
        )
    if todo:
        marker.write_text(json.dumps(todo), encoding="utf-8")
    loaded: list[str] = []  # the kinds loaded so far (each committed)
    try:
        result = _load(folder, manifest, todo, engine, echo, progress, geocode_first, steps, loaded)
    except KeyboardInterrupt as exc:
        raise LoadInterrupted(loaded, todo) from exc
    marker.unlink(missing_ok=True)
    return {"seconds": round(time.perf_counter() - t0, 1), "steps": steps, "kept": kept, **result}


def loading_marker(folder: Path, engine) -> Path:
    """The file that says a load of ``folder`` into ``engine``'s database was cut short
    (the counties it was loading, in JSON): written when a load starts, removed when it
    ends whole. Its counties have households of the demo's own (not the user's), so the
    next load takes them again rather than keep them as they are."""
    where = engine.url.render_as_string(hide_password=True)
    return folder / f".loading-{hashlib.sha256(where.encode()).hexdigest()[:12]}.json"


class LoadInterrupted(KeyboardInterrupt):
    """Ctrl-C during :func:`load`: ``loaded`` the kinds of file loaded by then (each
    kept: its own transaction), ``counties`` those being loaded."""

    def __init__(self, loaded: list[str], counties: list[str]):
        super().__init__()
        self.loaded = list(loaded)
        self.counties = list(counties)


def _load(folder, manifest, todo, engine, echo, progress, geocode_first, steps, loaded) -> dict:
    """The work of :func:`load`: each kind of file, the geocoding, the areas and accounts;
    ``loaded`` gets the kinds as they are loaded."""
    if todo:
        t = time.perf_counter()
        joined, parts = join_files(folder, todo)
        steps["join files"] = round(time.perf_counter() - t, 1)
        geocoded = False
        aside = None

        def run(kind: str, name: str):
            t = time.perf_counter()
            loader = get_loader(kind)
            if kind == "households" and geocode_first:
                # a first load geocodes its households before inserting them
                loader.geocode = _timed(geocode_staged, steps, "households: geocode")
            report = loader.run(
                joined / name,
                user="demo",
                progress=progress and kind not in BESIDE,  # one bar at a time on the terminal
                engine=engine,
                report_dir=settings.var_dir() / "reports",
                strict=True,  # our own files: one bad row and none of the kind is loaded
            )
            return report, round(time.perf_counter() - t, 1)

        def done(kind: str, name: str, report, seconds: float) -> None:
            if report.status != "loaded":
                raise ProvinceLoadError(report, joined.name, parts[name])
            steps[f"load {kind}"] = seconds
            loaded.append(kind)
            echo(f"{report.summary().splitlines()[0]} ({seconds} s)")

        try:
            for kind, name in LOAD_ORDER:
                if kind in BESIDE and can_fork():
                    aside = (kind, name, Beside(run, kind, name, engine))
                    continue
                report, seconds = run(kind, name)
                done(kind, name, report, seconds)
                if kind == "households" and (report.details or {}).get("geocoded"):
                    geocoded = True
                    echo(
                        _(
                            "geocoded {n} counties ({seconds} s)",
                            n=len(todo),
                            seconds=steps["households: geocode"],
                        )
                    )
            if aside is not None:
                kind, name, beside = aside
                aside = None
                done(kind, name, *beside.result())
        finally:
            if aside is not None:  # another kind failed: the one beside ends as in turn
                if aside[2].wait():
                    loaded.append(aside[0])
            shutil.rmtree(joined, ignore_errors=True)
        if not geocoded:  # households were there already: geocoded once they are in
            t = time.perf_counter()
            geocode_counties(engine, todo)
            steps["geocode"] = round(time.perf_counter() - t, 1)
            echo(_("geocoded {n} counties ({seconds} s)", n=len(todo), seconds=steps["geocode"]))
            loaded.append("geocode")
    t = time.perf_counter()
    with engine.begin() as conn:
        regions = ensure_regions(conn)
        existing = {u["name"] for u in users.list_users(conn)}
        # one hash for all: the password is the demo's, published in the README (a salt
        # per account would hide nothing), and each hash costs 0.1 s of both cores
        hashed = users.hash_password(DEMO_PASSWORD)
        for name, role, area in province_accounts(manifest):
            if name not in existing:
                users.add_user(conn, name, role, area, DEMO_PASSWORD, hashed=hashed)
    steps["regions and accounts"] = round(time.perf_counter() - t, 1)
    return {"counties": len(todo), **regions}


#: kinds that no later kind reads (geocoding, placement and the checks do not read the
#: roads): loaded in a process of their own beside the others, on the core that the
#: households' long single-statement steps leave idle
BESIDE = {"roads"}


class Beside:
    """``run(kind, name)`` in a forked process, its own transaction on its own
    connection; :meth:`result` waits for it and returns what ``run`` returned (or raises
    what it raised). Forked with no other thread running (:func:`can_fork`): a pipe, not
    an executor, whose manager thread would keep the households loader from forking
    its own workers."""

    def __init__(self, run, kind: str, name: str, engine):
        ctx = get_context("fork")
        self._recv, send = ctx.Pipe(duplex=False)
        self._proc = ctx.Process(target=_beside, args=(send, run, kind, name, engine), daemon=True)
        self._proc.start()
        send.close()

    def result(self):
        try:
            ok, value = self._recv.recv()
        except EOFError:
            value = RuntimeError(
                f"the process loading beside ended without an answer ({self._proc.exitcode})"
            )
            ok = False
        finally:
            self._proc.join()
        if not ok:
            raise value
        return value

    def wait(self) -> bool:
        """Wait for the process (after another kind failed: this one is loaded or
        reported as it would have been in turn); whether it loaded its file."""
        try:
            report, _seconds = self.result()
        except BaseException:  # noqa: BLE001 - its own report tells; the other failure is raised
            return False
        return report.status == "loaded"


def _beside(send, run, kind: str, name: str, engine) -> None:
    engine.dispose(close=False)  # the parent's pooled connections stay the parent's
    try:
        answer = (True, run(kind, name))
    except BaseException as e:  # noqa: BLE001 - handed to the parent, which raises it
        answer = (False, e)
    try:
        send.send(answer)
    except Exception as e:  # an answer that does not pickle
        send.send((False, RuntimeError(f"{kind}: {e!r}")))


def _timed(func, steps: dict, name: str):
    def timed(*args, **kwargs):
        t = time.perf_counter()
        try:
            return func(*args, **kwargs)
        finally:
            steps[name] = round(time.perf_counter() - t, 1)

    return timed


def geocode_counties(engine, codes: list[str], workers: int = 2) -> None:
    """Geocode the households of each county as the county demo does (one transaction
    each, as ``popgis geocode --households --area``), with one geocoder read once.

    The addresses (pure Python, most of the time) are read by ``workers`` processes
    forked with the geocoder, a county a task, while this process places the
    coordinates and writes each county's results as they come (PostgreSQL's work): both
    cores busy instead of one. The answers are those of
    :func:`gis.gate.geocoding.geocode_households` (its steps, in the same order).
    """
    from gis.gate.geocoding import households_to_geocode, store_geocoded, system_scope
    from gis.geocode.batch import Geocoder
    from gis.geocode.gazetteer import syllables

    global _GEOCODER
    with engine.connect() as conn:
        geocoder = Geocoder.load(conn)
        todo = {c: households_to_geocode(conn, system_scope(conn, c + "000000")) for c in codes}
    # built once here, shared by the forked workers (each would build its own)
    syllables("预热")
    _ = geocoder.gaz.local_index
    _GEOCODER = geocoder
    engine.dispose()  # the workers must not inherit pooled connections
    tasks = [
        (
            todo[c]["id"].to_numpy(),
            todo[c]["address"].to_numpy(),
            todo[c]["registered_address"].to_numpy(),
        )
        for c in codes
    ]
    try:
        with (
            get_context("fork").Pool(max(1, workers), quiet_on_ctrl_c)
            if can_fork()
            else nullcontext() as pool
        ):
            prepared = pool.imap(_prepare, tasks) if pool is not None else map(_prepare, tasks)
            for code, res in zip(codes, prepared, strict=True):
                part = todo[code]
                with engine.begin() as conn:
                    scope = system_scope(conn, code + "000000")
                    if part.empty:
                        continue
                    store_geocoded(conn, scope, geocoder, part, res)
    finally:
        _GEOCODER = None


def geocode_staged(conn, workers: int = 2) -> None:
    """Geocode the households a first load of the households file has staged, before
    they are inserted (the ``geocode`` of :class:`loaders.households.HouseholdLoader`):
    the steps of :func:`geocode_counties`, a county a task, with the staged rows, and
    their results set on the staged households (:func:`gis.gate.geocoding.place_staged`)
    so that each household is written once. Same answers as :func:`geocode_counties`
    after the insert (tested)."""
    from gis.gate.geocoding import place_staged, staged_to_geocode, store_staged
    from gis.geocode.batch import Geocoder
    from gis.geocode.gazetteer import syllables

    global _GEOCODER
    geocoder = Geocoder.load(conn)
    todo = staged_to_geocode(conn)
    parts = [part for _code, part in todo.groupby("county_code", sort=True)]
    if not parts:
        return
    # built once here, shared by the forked workers (each would build its own)
    syllables("预热")
    _ = geocoder.gaz.local_index
    _GEOCODER = geocoder
    tasks = [
        (p["id"].to_numpy(), p["address"].to_numpy(), p["registered_address"].to_numpy())
        for p in parts
    ]
    try:
        # The workers never use the connection they inherit (this transaction's): they
        # read addresses and end without closing it (as the loaders' checking workers).
        with (
            get_context("fork").Pool(max(1, workers), quiet_on_ctrl_c)
            if can_fork()
            else nullcontext() as pool
        ):
            prepared = pool.imap(_prepare, tasks) if pool is not None else map(_prepare, tasks)
            for part, res in zip(parts, prepared, strict=True):
                store_staged(conn, geocoder, part, res)
    finally:
        _GEOCODER = None
    place_staged(conn)


#: the geocoder the forked workers of :func:`geocode_counties` use
_GEOCODER = None


def _prepare(task):
    """A worker's task: the address part of one county's households."""
    ids, addresses, registered = task
    return _GEOCODER.prepare(ids, addresses, registered)


class ProvinceLoadError(RuntimeError):
    """A joined file of the province was not loaded (nothing of its kind was written): the
    loader's report, each rejected row also located in its county's own file."""

    def __init__(self, report, folder: str, parts: list[tuple[str, int, int]]):
        self.report = report
        lines = [f"{folder}/{report.summary()}"]
        for r in report.rejected[:20]:
            where = locate(parts, r.row)
            if where is not None:
                lines.append(f"  {r.file} row {r.row} = {where[0]}/{r.file} row {where[1]}")
        super().__init__("\n".join(lines))


def locate(parts: list[tuple[str, int, int]], row: int | None) -> tuple[str, int] | None:
    """(county code, row in its own file) of ``row`` of a joined file (``parts``: each
    county's code, first row in the joined file and its first row in its own file)."""
    if row is None:
        return None
    found = None
    for code, first, own_first in parts:
        if row >= first:
            found = (code, row - first + own_first)
    return found


def join_files(folder: Path, codes: list[str]) -> tuple[Path, dict]:
    """One file of each kind for the counties ``codes`` (their files joined, in code
    order) in a new folder under ``folder``; returns that folder and, for each file name,
    where each county's rows start: ``[(code, first row in the joined file, first row in
    its own file)]`` (rows as the loaders number them: CSV lines, features from 1)."""
    tag = hashlib.sha1(",".join(codes).encode()).hexdigest()[:10]
    out = folder / f"province-{tag}"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    where = {}
    for _kind, name in LOAD_ORDER:
        paths = [folder / code / name for code in codes]
        if name.endswith(".csv"):
            counts = _join_csv(paths, out / name)
            first = 2  # the header is line 1
        elif name.endswith(".geojson"):
            counts = _join_geojson(paths, out / name)
            first = 1
        else:
            counts = _join_gpkg(paths, out / name)
            first = 1
        where[name] = []
        for code, n in zip(codes, counts, strict=True):
            where[name].append((code, first, 2 if name.endswith(".csv") else 1))
            first += n
    return out, where


def _join_csv(parts: list[Path], path: Path) -> list[int]:
    """The rows of every part under the first part's header (the headers must agree);
    returns the number of lines after the header of each part."""
    header = None
    counts = []
    with open(path, "wb") as out:
        for part in parts:
            n = 0
            with open(part, "rb") as f:
                first = f.readline()
                if header is None:
                    header = first
                    out.write(first)
                elif first != header:
                    raise ValueError(f"{part}: header differs from {parts[0]}")
                last = b"\n"
                for block in iter(lambda f=f: f.read(1 << 20), b""):
                    out.write(block)
                    n += block.count(b"\n")
                    last = block[-1:]
                if last != b"\n":
                    out.write(b"\n")
                    n += 1
            counts.append(n)
    return counts


def _join_geojson(parts: list[Path], path: Path) -> list[int]:
    """The features of every part in one FeatureCollection (the generator's layout: one
    feature a line between the opening and the closing line); returns their numbers."""
    opening, closing = b'{"type":"FeatureCollection","features":[\n', b"]}\n"
    counts = []
    with open(path, "wb") as out:
        out.write(opening)
        first = True
        for part in parts:
            data = part.read_bytes()
            if not (data.startswith(opening) and data.endswith(closing)):
                raise ValueError(f"{part}: not a FeatureCollection as the generator writes it")
            body = data[len(opening) : -len(closing)].rstrip(b"\n")
            counts.append(body.count(b"\n") + 1 if body else 0)
            if not body:
                continue
            if not first:
                out.write(b",\n")
            out.write(body)
            first = False
        out.write(b"\n" + closing)
    return counts


def _join_gpkg(parts: list[Path], path: Path) -> list[int]:
    """The features of every part's one layer in one GeoPackage layer of that name;
    returns their numbers."""
    import pandas as pd
    import pyogrio

    layer = pyogrio.list_layers(parts[0])[0][0]
    frames = [pyogrio.read_dataframe(part, layer=layer) for part in parts]
    # one write (appending county after county rebuilt the layer's index each time)
    joined = pd.concat(frames, ignore_index=True)
    pyogrio.write_dataframe(joined, path, layer=layer, driver="GPKG")
    return [len(f) for f in frames]


def province_accounts(manifest: dict) -> list[tuple[str, str, str]]:
    """Demo accounts of a province: ``province`` for the province, ``city<code>`` for each
    city (aggregates only), ``county<code>`` for each county (as the county demo's)."""
    codes = sorted(manifest["counties"])
    out = [("province", "province", manifest["province"][:2].ljust(12, "0"))]
    out += [(f"city{c}", "city", c.ljust(12, "0")) for c in sorted({c[:4] for c in codes})]
    out += [(f"county{c}", "county", c + "000000") for c in codes]
    return out
