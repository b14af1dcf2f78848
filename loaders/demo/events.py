"""Service events of the households (seeded with ``[seed, 6]``)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from loaders.demo.draws import stage_rng
from loaders.demo.wording import date_text


def build_events(world, households, persons, teams, recipe, seed) -> pd.DataFrame:
    rng = stage_rng(seed, 6)
    ev = recipe["events"]
    vills = world.vills
    nv = len(vills)
    as_of = np.datetime64(recipe["as_of"])
    start = np.datetime64(recipe["event_start"])
    span = int((as_of - start).astype(int)) + 1
    fac = rng.lognormal(0, 0.3, nv)
    low = rng.random(nv) < float(ev["low_coverage_village_share"])
    fac = np.where(low, fac * float(ev["low_coverage_factor"]), fac)
    H = len(households)
    hv = households["v"].to_numpy()
    lam = fac[hv]
    lam = lam / max(lam.mean(), 1e-9) * float(ev["per_household"])
    kinds = ev["kinds"]
    # move_in events from arrivals within the window reduce the Poisson rate a little
    arrival = households["arrival"].to_numpy()
    mig = households["status"].to_numpy() == "migrant"
    mi = mig & (arrival >= start)
    lam = lam * max(0.0, 1 - mi.mean())
    cnt = rng.poisson(lam)
    eh = np.repeat(np.arange(H), cnt)
    ne = len(eh)
    kn = np.array(list(kinds), dtype=object)
    kw = np.array(list(kinds.values()), float)
    ekind = kn[rng.choice(len(kn), ne, p=kw / kw.sum())]
    edate = start + rng.integers(0, span, ne).astype("timedelta64[D]")
    # move-ins
    mh = np.flatnonzero(mi)
    eh = np.concatenate([eh, mh])
    ekind = np.concatenate([ekind, np.full(len(mh), "move_in", dtype=object)])
    edate = np.concatenate([edate, arrival[mh].astype("datetime64[D]")])
    ne = len(eh)
    # teams by township
    town_idx = vills["town_idx"].to_numpy()[hv[eh]]
    tcode = world.towns["code12"].to_numpy()
    tb = teams["base_code"].to_numpy()
    tid = teams["team_id"].to_numpy()
    team = np.full(ne, "", dtype=object)
    u = rng.random(ne)
    for t in range(len(world.towns)):
        cand = tid[tb == tcode[t]]
        m = town_idx == t
        if len(cand) and m.any():
            team[m] = cand[np.minimum((u[m] * len(cand)).astype(int), len(cand) - 1)]
    team[rng.random(ne) < float(ev["team_missing_share"])] = ""
    # person concerned
    hstart = households["start"].to_numpy()
    hsize = households["size"].to_numpy()
    who = hstart[eh] + np.minimum((rng.random(ne) * hsize[eh]).astype(np.int64), hsize[eh] - 1)
    ids = persons["id_number"].to_numpy()
    pid = ids[who]
    head = ids[hstart[eh]]
    has_id = rng.random(ne) < float(ev["id_number_share"])
    mv = (ekind == "move_in") | (ekind == "move_out")
    pid = np.where(mv, head, np.where(has_id, pid, ""))
    notes = ev["notes"]
    nr = rng.random(ne)
    note = np.empty(ne, dtype=object)
    for k, lst in notes.items():
        m = ekind == k
        note[m] = np.array(lst, dtype=object)[np.minimum((nr[m] * len(lst)).astype(int), len(lst) - 1)]
    hno = households["household_no"].to_numpy()[eh]
    e = pd.DataFrame({"household_no": hno, "kind": ekind, "date": date_text(edate), "team_id": team,
                      "id_number": pid, "note": note})
    e = e.sort_values(["date", "household_no", "kind", "id_number", "team_id", "note"], kind="stable")
    e = e.reset_index(drop=True)
    e.insert(0, "event_id", [f"E{k + 1:07d}" for k in range(len(e))])
    return e

