"""Service events of the households (seeded with ``[seed, 6]``)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from loaders.demo.draws import stage_rng
from loaders.demo.wording import date_text


def build_events(world, households, persons, teams, recipe, seed) -> pd.DataFrame:
    """Service events: a Poisson number per household (fewer in some villages), plus a
    move-in for each migrant household that arrived in the window; ids E0000001…"""
    rng = stage_rng(seed, 6)
    ev = recipe["events"]
    as_of = np.datetime64(recipe["as_of"])
    start = np.datetime64(recipe["event_start"])
    household, kind, date = _event_dates(world, households, ev, rng, as_of, start)
    team = _event_teams(world, households, teams, ev, rng, household)
    person = _event_persons(households, persons, ev, rng, household, kind)
    note = _event_notes(ev, rng, kind)
    e = pd.DataFrame(
        {
            "household_no": households["household_no"].to_numpy()[household],
            "kind": kind,
            "date": date_text(date),
            "team_id": team,
            "id_number": person,
            "note": note,
        }
    )
    e = e.sort_values(
        ["date", "household_no", "kind", "id_number", "team_id", "note"], kind="stable"
    )
    e = e.reset_index(drop=True)
    e.insert(0, "event_id", [f"{world.id_prefix}E{k + 1:07d}" for k in range(len(e))])
    return e


def _event_dates(world, households, ev, rng, as_of, start):
    """(household index, kind, date) of every event."""
    n_villages = len(world.vills)
    span = int((as_of - start).astype(int)) + 1
    factor = rng.lognormal(0, 0.3, n_villages)
    low = rng.random(n_villages) < float(ev["low_coverage_village_share"])
    factor = np.where(low, factor * float(ev["low_coverage_factor"]), factor)
    rate = factor[households["v"].to_numpy()]
    rate = rate / max(rate.mean(), 1e-9) * float(ev["per_household"])
    # move_in events from arrivals within the window reduce the Poisson rate a little
    arrival = households["arrival"].to_numpy()
    moved_in = (households["status"].to_numpy() == "migrant") & (arrival >= start)
    rate = rate * max(0.0, 1 - moved_in.mean())
    household = np.repeat(np.arange(len(households)), rng.poisson(rate))
    names = np.array(list(ev["kinds"]), dtype=object)
    weights = np.array(list(ev["kinds"].values()), float)
    kind = names[rng.choice(len(names), len(household), p=weights / weights.sum())]
    date = start + rng.integers(0, span, len(household)).astype("timedelta64[D]")
    movers = np.flatnonzero(moved_in)
    return (
        np.concatenate([household, movers]),
        np.concatenate([kind, np.full(len(movers), "move_in", dtype=object)]),
        np.concatenate([date, arrival[movers].astype("datetime64[D]")]),
    )


def _event_teams(world, households, teams, ev, rng, household) -> np.ndarray:
    """A team of the household's township (none for a share of events)."""
    n = len(household)
    town_idx = world.vills["town_idx"].to_numpy()[households["v"].to_numpy()[household]]
    town_code = world.towns["code12"].to_numpy()
    base = teams["base_code"].to_numpy()
    ids = teams["team_id"].to_numpy()
    team = np.full(n, "", dtype=object)
    u = rng.random(n)
    for t in range(len(world.towns)):
        cand = ids[base == town_code[t]]
        m = town_idx == t
        if len(cand) and m.any():
            team[m] = cand[np.minimum((u[m] * len(cand)).astype(int), len(cand) - 1)]
    team[rng.random(n) < float(ev["team_missing_share"])] = ""
    return team


def _event_persons(households, persons, ev, rng, household, kind) -> np.ndarray:
    """The ID number of the person concerned: the head for moves, a member (or nobody)
    otherwise."""
    n = len(household)
    first = households["start"].to_numpy()
    size = households["size"].to_numpy()
    who = first[household] + np.minimum(
        (rng.random(n) * size[household]).astype(np.int64), size[household] - 1
    )
    ids = persons["id_number"].to_numpy()
    has_id = rng.random(n) < float(ev["id_number_share"])
    move = (kind == "move_in") | (kind == "move_out")
    return np.where(move, ids[first[household]], np.where(has_id, ids[who], ""))


def _event_notes(ev, rng, kind) -> np.ndarray:
    draw = rng.random(len(kind))
    note = np.empty(len(kind), dtype=object)
    for k, notes in ev["notes"].items():
        m = kind == k
        note[m] = np.array(notes, dtype=object)[
            np.minimum((draw[m] * len(notes)).astype(int), len(notes) - 1)
        ]
    return note
