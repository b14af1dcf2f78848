"""Households and persons (scale dependent, seeded with ``[seed, 3]``): who lives in
which flat, household sizes and roles, ages, names, ID numbers, phones, certificates."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd

from loaders import id_numbers
from loaders.demo.addresses import household_addresses
from loaders.demo.draws import stage_rng
from loaders.demo.origins import origin_table, registered_migrant_addresses
from loaders.demo.plane import KX, KY, LAT0, LON0
from loaders.demo.wording import as_text, date_text, degrees_text

PHONE_PREFIXES = np.array(
    [
        130,
        131,
        132,
        133,
        134,
        135,
        136,
        137,
        138,
        139,
        150,
        151,
        152,
        153,
        155,
        156,
        157,
        158,
        159,
        170,
        173,
        175,
        176,
        177,
        178,
        180,
        181,
        182,
        183,
        184,
        185,
        186,
        187,
        188,
        189,
        191,
        193,
        195,
        196,
        197,
        198,
        199,
    ],
    dtype=np.int64,
)

# relation codes
HEAD, SPOUSE, CHILD, PARENT, OTHER = 0, 1, 2, 3, 4
RELATIONS = np.array(["户主", "配偶", "子女", "父母", "其他"], dtype=object)


def build_population(
    world, b: pd.DataFrame, div, recipe: dict, scale: float, seed: int, taken_ids=None
):
    """The households (one row each) and their persons (one row each, ``_h`` = household)."""
    rng = stage_rng(seed, 3)
    as_of = np.datetime64(recipe["as_of"])
    target = int(round(recipe["full_scale"]["households"] * scale))
    flats = place_households(b, recipe, rng, target)
    kind = household_kinds(world, b, recipe, rng, flats)
    size = household_sizes(recipe, rng, kind)
    heads = household_heads(recipe, rng, kind, size)
    people = members(heads, size, kind)
    people.age = member_ages(recipe, rng, heads, people)
    people.male = member_sexes(recipe, rng, heads, people)
    days = np.floor(people.age * 365.2425).astype(np.int64) + rng.integers(0, 365, len(people.hh))
    people.birth = as_of - np.maximum(days, 1).astype("timedelta64[D]")
    people.migrant = kind.migrant[people.hh]
    origins = draw_origins(div, recipe, rng, kind, people, as_of)
    names = person_names(recipe, rng, kind, heads, people)
    id_number = id_numbers_of(rng, origins.origin, people, taken_ids)
    phone = phones(rng, people.age)
    certs = certificates(
        recipe,
        rng,
        people.age,
        people.role,
        heads.married[people.hh],
        heads.parents[people.hh],
        people.migrant,
        as_of,
    )
    addr, registered = household_addresses(
        world, b, recipe, rng, flats.building, flats.kind, flats.unit, flats.floor, flats.room
    )
    registered = registered.copy()
    migrant_households = np.flatnonzero(kind.migrant)
    registered[migrant_households] = registered_migrant_addresses(
        div, origins.household_origin[migrant_households], rng
    )
    households = household_table(world, b, recipe, rng, flats, kind, size, people, origins)
    households.insert(1, "address", addr)
    households.insert(2, "registered_address", registered)
    persons = pd.DataFrame(
        {
            "name": names,
            "sex": np.where(people.male, "M", "F"),
            "birth_date": date_text(people.birth),
            "id_number": id_number,
            "phone": phone,
            "relation": RELATIONS[people.role],
            "status": np.where(people.migrant, "migrant", "resident"),
            "origin_code": origins.origin,
            "arrival_date": date_text(origins.arrival),
            **certs,
        }
    )
    persons["_h"] = people.hh
    persons["_age"] = people.age
    persons["_male"] = people.male
    return households, persons


def place_households(b: pd.DataFrame, recipe, rng, target: int) -> SimpleNamespace:
    """Which flat each household lives in: flats (slots) of urban buildings (units x floors
    x rooms), rural houses (one per floor) and dormitories (rooms), drawn without
    replacement in the recipe's shares; households sorted by building."""
    shares = recipe["household_shares"]
    kind = b["cat"].to_numpy()
    floors = b["floors"].to_numpy()
    rooms_per_floor = b["rooms_pf"].to_numpy()
    rooms_per_unit_floor = int(recipe["urban_layout"]["rooms_per_floor_per_unit"])
    capacity = np.zeros(len(b), dtype=np.int64)
    urban, rural, dorm = kind == "urban", kind == "rural", kind == "dorm"
    capacity[urban] = b["units"].to_numpy()[urban] * floors[urban] * rooms_per_unit_floor
    capacity[rural] = floors[rural]
    capacity[dorm] = floors[dorm] * rooms_per_floor[dorm]
    buildings, slots = [], []
    for cat, key in (("urban", "urban"), ("rural", "rural"), ("dorm", "dormitory")):
        candidates = np.flatnonzero(kind == cat)
        if len(candidates) == 0:
            continue
        cum = np.cumsum(capacity[candidates])
        total = int(cum[-1])
        n = min(total, int(round(target * float(shares[key]))))
        if n == 0:
            continue
        pick = np.sort(rng.choice(total, n, replace=False))
        pos = np.searchsorted(cum, pick, side="right")
        slots.append(pick - np.r_[0, cum[:-1]][pos])
        buildings.append(candidates[pos])
    building = np.concatenate(buildings)
    slot = np.concatenate(slots)
    order = np.lexsort((slot, building))
    building, slot = building[order], slot[order]
    home_kind = kind[building]
    is_urban, is_dorm = home_kind == "urban", home_kind == "dorm"
    per_unit = np.maximum(floors[building] * rooms_per_unit_floor, 1)
    dorm_rooms = np.maximum(rooms_per_floor[building], 1)
    unit = np.where(is_urban, slot // per_unit + 1, 0)
    rest = np.where(is_urban, slot % per_unit, 0)
    floor = np.where(
        is_urban,
        rest // rooms_per_unit_floor + 1,
        np.where(is_dorm, slot // dorm_rooms + 1, slot + 1),
    )
    room = np.where(
        is_urban,
        floor * 100 + rest % rooms_per_unit_floor + 1,
        np.where(is_dorm, floor * 100 + slot % dorm_rooms + 1, 0),
    )
    return SimpleNamespace(
        building=building,
        kind=home_kind,
        village=b["v"].to_numpy()[building],
        unit=unit,
        floor=floor,
        room=room,
        x=b["x"].to_numpy()[building],
        y=b["y"].to_numpy()[building],
    )


def _mean_size(probs) -> float:
    return float(np.dot(np.arange(1, len(probs) + 1), probs) / np.sum(probs))


def household_kinds(world, b, recipe, rng, flats) -> SimpleNamespace:
    """Migrant or resident: the chance rises near markets and industrial parks and in
    villages, scaled so that migrants are the recipe's share of persons; dormitory
    households are a kind of their own. ``code`` 0 resident, 1 migrant, 2 dormitory."""
    n = len(flats.building)
    hotspots = [(m["x"], m["y"]) for m in world.markets] + [(p["x"], p["y"]) for p in world.parks]
    nearest = np.full(n, np.inf)
    for hx, hy in hotspots:
        nearest = np.minimum(nearest, np.hypot(flats.x - hx, flats.y - hy))
    size_probs = recipe["household_size_probs"]
    mean_resident = _mean_size(size_probs["resident"])
    mean_migrant = _mean_size(size_probs["migrant"])
    mean_dorm = _mean_size(size_probs["dormitory"])
    is_dorm = flats.kind == "dorm"
    pull = float(recipe["migrant_hotspot_boost"]) * np.exp(
        -nearest / float(recipe["migrant_distance_scale_m"])
    ) + float(recipe["migrant_rural_boost"]) * (flats.kind == "rural")
    dorm_prob = float(recipe["dormitory_migrant_prob"])
    target = float(recipe["migrant_share"])

    def share(offset):
        p = 1 / (1 + np.exp(-(offset + pull)))
        p = np.where(is_dorm, dorm_prob, p)
        persons = np.where(is_dorm, mean_dorm, p * mean_migrant + (1 - p) * mean_resident)
        migrants = np.where(is_dorm, dorm_prob * mean_dorm, p * mean_migrant)
        return migrants.sum() / persons.sum(), p

    lo, hi = -12.0, 12.0
    for _ in range(60):  # bisection on the offset that gives the target share
        mid = (lo + hi) / 2
        if share(mid)[0] < target:
            lo = mid
        else:
            hi = mid
    migrant = rng.random(n) < share((lo + hi) / 2)[1]
    return SimpleNamespace(migrant=migrant, code=np.where(is_dorm, 2, np.where(migrant, 1, 0)))


def household_sizes(recipe, rng, kind) -> np.ndarray:
    size = np.zeros(len(kind.code), dtype=np.int64)
    for code, key in ((0, "resident"), (1, "migrant"), (2, "dormitory")):
        m = kind.code == code
        p = np.array(recipe["household_size_probs"][key], float)
        size[m] = rng.choice(len(p), int(m.sum()), p=p / p.sum()) + 1
    return size


def household_heads(recipe, rng, kind, size) -> SimpleNamespace:
    """Per household: the head's age and sex, marriage, the spouse's age, parents living in."""
    n = len(size)
    code = kind.code
    age_weights = recipe["resident_head_age_weights"]
    bins = np.array([int(k) for k in age_weights])
    w = np.array(list(age_weights.values()), float)
    head_age = bins[rng.choice(len(bins), n, p=w / w.sum())] + rng.uniform(0, 5, n)
    mean, sd, lo, hi = recipe["migrant_head_age"]
    m = code == 1
    head_age[m] = np.clip(rng.normal(mean, sd, int(m.sum())), lo, hi)
    mean, sd, lo, hi = recipe["dormitory_head_age"]
    m = code == 2
    head_age[m] = np.clip(rng.normal(mean, sd, int(m.sum())), lo, hi)
    male_prob = recipe["head_male_prob"]
    p_male = np.choose(code, [male_prob["resident"], male_prob["migrant"], male_prob["dormitory"]])
    p_male = np.where(head_age >= 65, p_male - 0.15, p_male)  # more widows among older heads
    head_male = rng.random(n) < p_male
    married_prob = recipe["married_prob"]
    married = (size >= 2) & (
        rng.random(n)
        < np.choose(
            code, [married_prob["resident"], married_prob["migrant"], married_prob["dormitory"]]
        )
    )
    married &= head_age >= 20
    spouse_age = np.clip(head_age + np.where(head_male, -2.5, 2.5) + rng.normal(0, 3, n), 18, 99)
    parents = np.zeros(n, dtype=np.int64)
    for c, key in ((0, "resident"), (1, "migrant")):
        m = code == c
        p = np.array(recipe["parents_probs"][key], float)
        parents[m] = rng.choice(len(p), int(m.sum()), p=p / p.sum())
    parents = np.where(head_age <= 58, np.minimum(parents, size - 1 - married), 0)
    first_parent_male = rng.random(n) < 0.45
    mother_age = np.where(head_male, np.where(married, spouse_age, head_age - 2), head_age)
    return SimpleNamespace(
        age=head_age,
        male=head_male,
        married=married,
        spouse_age=spouse_age,
        parents=parents,
        first_parent_male=first_parent_male,
        mother_age=mother_age,
    )


def members(heads, size, kind) -> SimpleNamespace:
    """Persons of each household in order: head, spouse, parents, children, others."""
    n = int(size.sum())
    hh = np.repeat(np.arange(len(size)), size)
    start = np.r_[0, np.cumsum(size)[:-1]]
    position = np.arange(n) - start[hh]
    code = kind.code[hh]
    first_parent = 1 + heads.married[hh].astype(np.int64)
    role = np.full(n, OTHER, dtype=np.int64)
    role[position == 0] = HEAD
    is_spouse = (position == 1) & heads.married[hh]
    role[is_spouse] = SPOUSE
    is_parent = (
        (position >= first_parent) & (position < first_parent + heads.parents[hh]) & (position > 0)
    )
    role[is_parent] = PARENT
    child_no = position - first_parent - heads.parents[hh]
    rest = (position > 0) & ~is_spouse & ~is_parent
    is_child = rest & (code != 2) & ~((heads.age[hh] >= 58) & (child_no >= 2))
    role[is_child] = CHILD
    role[rest & ~is_child] = OTHER
    return SimpleNamespace(
        hh=hh,
        start=start,
        position=position,
        code=code,
        first_parent=first_parent,
        role=role,
        child_no=child_no,
    )


def member_ages(recipe, rng, heads, people) -> np.ndarray:
    """Ages by role; a "child" who would be born before the mother is 21 becomes another
    relative of the head (``people.role`` is updated)."""
    role, hh, code = people.role, people.hh, people.code
    head_age = heads.age
    age = np.zeros(len(hh))
    m = role == HEAD
    age[m] = head_age[hh[m]]
    m = role == SPOUSE
    age[m] = heads.spouse_age[hh[m]]
    m = role == PARENT
    age[m] = np.clip(head_age[hh[m]] + rng.uniform(22, 34, int(m.sum())), 40, 99)
    m = (role == OTHER) & (code != 2)
    grandchild = head_age[hh[m]] - rng.uniform(45, 60, int(m.sum()))  # of older heads
    age[m] = np.where(
        grandchild < 0,
        np.clip(head_age[hh[m]] + rng.uniform(-8, 8, int(m.sum())), 16, None),
        grandchild,
    )
    mean, sd, lo, hi = recipe["dormitory_head_age"]
    m = (role == OTHER) & (code == 2)
    age[m] = np.clip(rng.normal(mean, sd, int(m.sum())), lo, hi)
    m = role == CHILD
    child_age = (
        heads.mother_age[hh[m]] - rng.uniform(21, 33, int(m.sum())) - 2.2 * people.child_no[m]
    )
    too_young = child_age < 0
    child_age = np.where(
        too_young, np.clip(head_age[hh[m]] + rng.uniform(-8, 8, int(m.sum())), 16, None), child_age
    )
    age[m] = child_age
    role[np.flatnonzero(m)[too_young]] = OTHER
    return age


def member_sexes(recipe, rng, heads, people) -> np.ndarray:
    role, hh = people.role, people.hh
    male = np.zeros(len(hh), dtype=bool)
    m = role == HEAD
    male[m] = heads.male[hh[m]]
    m = role == SPOUSE
    male[m] = ~heads.male[hh[m]]
    m = role == PARENT
    first = people.position == people.first_parent
    male[m] = np.where(first[m], heads.first_parent_male[hh[m]], ~heads.first_parent_male[hh[m]])
    m = role == CHILD
    male[m] = rng.random(int(m.sum())) < float(recipe["child_male_prob"])
    m = role == OTHER
    male[m] = rng.random(int(m.sum())) < np.where(people.code[m] == 2, 0.55, 0.5)
    return male


def draw_origins(div, recipe, rng, kind, people, as_of) -> SimpleNamespace:
    """Origin county and arrival date: per household, and per person for dormitory
    roommates (who are not family)."""
    table = origin_table(div, recipe, rng)
    n = len(kind.code)
    household_origin = table.codes[rng.choice(len(table.codes), n, p=table.weights)]
    origin = household_origin[people.hh]
    roommate = (people.role == OTHER) & (people.code == 2)
    origin[roommate] = table.codes[
        rng.choice(len(table.codes), int(roommate.sum()), p=table.weights)
    ]
    origin = np.where(people.migrant, origin, recipe["county"]["code"]).astype(object)
    years = float(recipe["migrant_years_mean"])
    days = np.clip(rng.exponential(years * 365.25, n), 1, 25 * 365).astype(np.int64)
    household_arrival = as_of - days.astype("timedelta64[D]")
    arrival = household_arrival[people.hh]
    arrival[roommate] = as_of - np.clip(
        rng.exponential(years * 365.25 * 0.6, int(roommate.sum())), 1, 15 * 365
    ).astype(np.int64).astype("timedelta64[D]")
    arrival = np.maximum(arrival, people.birth)
    return SimpleNamespace(
        household_origin=household_origin,
        origin=origin,
        household_arrival=household_arrival,
        arrival=np.where(people.migrant, arrival, np.datetime64("NaT")),
    )


def person_names(recipe, rng, kind, heads, people) -> np.ndarray:
    """Surname (local surnames for residents, national ones for migrants; children take
    the father's) and a one- or two-character given name."""
    local, national = recipe["local_surnames"], recipe["national_surnames"]
    vocab = list(dict.fromkeys(list(local) + list(national)))
    index = {s: k for k, s in enumerate(vocab)}
    local_idx = np.array([index[s] for s in local])
    local_w = np.array(list(local.values()), float)
    national_idx = np.array([index[s] for s in national])
    national_w = np.array(list(national.values()), float)
    vocab = np.array(vocab, dtype=object)

    def draw_surname(migrant):
        n = len(migrant)
        loc = local_idx[rng.choice(len(local_idx), n, p=local_w / local_w.sum())]
        nat = national_idx[rng.choice(len(national_idx), n, p=national_w / national_w.sum())]
        return np.where(migrant, nat, loc)

    role, hh, male = people.role, people.hh, people.male
    head_surname = draw_surname(kind.migrant)
    spouse_surname = draw_surname(kind.migrant)
    father_surname = np.where(
        heads.male, head_surname, np.where(heads.married, spouse_surname, head_surname)
    )
    surname = draw_surname(people.migrant)
    m = role == HEAD
    surname[m] = head_surname[hh[m]]
    m = role == SPOUSE
    surname[m] = spouse_surname[hh[m]]
    m = (role == CHILD) | ((role == OTHER) & (people.code != 2))
    surname[m] = father_surname[hh[m]]
    m = (role == PARENT) & male
    surname[m] = head_surname[hh[m]]
    given_m = np.array(recipe["given_male"], dtype=object)
    given_f = np.array(recipe["given_female"], dtype=object)
    n = len(hh)
    first = np.where(
        male, given_m[rng.integers(0, len(given_m), n)], given_f[rng.integers(0, len(given_f), n)]
    )
    second = np.where(
        male, given_m[rng.integers(0, len(given_m), n)], given_f[rng.integers(0, len(given_f), n)]
    )
    two = rng.random(n) < float(recipe["two_char_given_prob"])
    return vocab[surname] + first + np.where(two, second, "")


def id_numbers_of(rng, origin, people, taken: set[int] | None = None) -> np.ndarray:
    """18-character ID numbers: origin region, birth date, a sequence number unique within
    (region, birth date, sex) — odd for men, even for women — and the check character.

    ``taken``: numbers (first 17 digits) of other counties, avoided by moving to the next
    free sequence number of the same parity; this county's are then added to it. Or an
    object whose ``claim(first17)`` does that (:class:`loaders.demo.province.OrderedIds`)."""
    n = len(people.hh)
    born = pd.DatetimeIndex(people.birth)
    ymd = (born.year.to_numpy() * 10000 + born.month.to_numpy() * 100 + born.day.to_numpy()).astype(
        np.int64
    )
    region = origin.astype(np.int64)
    male = people.male
    key_order = np.lexsort((rng.random(n), male, ymd, region))
    r_s, y_s, m_s = region[key_order], ymd[key_order], male[key_order]
    new_group = np.r_[True, (r_s[1:] != r_s[:-1]) | (y_s[1:] != y_s[:-1]) | (m_s[1:] != m_s[:-1])]
    group_start = np.maximum.accumulate(np.where(new_group, np.arange(n), 0))
    rank = np.arange(n) - group_start
    group_offset = rng.integers(0, 498, n)[group_start]
    q = 1 + (group_offset + rank) % 498
    seq_sorted = 2 * q + m_s.astype(np.int64)  # odd for men, even for women; 002..997
    seq = np.empty(n, dtype=np.int64)
    seq[key_order] = seq_sorted
    first17 = region * np.int64(10**11) + ymd * 1000 + seq
    if hasattr(taken, "claim"):  # a province made in several processes
        first17 = taken.claim(first17)
    elif taken is not None:
        first17 = _avoid_taken(first17, taken)
    return as_text(first17) + id_numbers.check_chars_of_numbers(first17)


def _avoid_taken(first17: np.ndarray, taken: set[int]) -> np.ndarray:
    """Move each number that ``taken`` holds to the next sequence number of the same sex
    free in both (the few migrants who share origin, birth date and sex with someone of
    another county); then add all of them to ``taken``."""
    values = first17.tolist()
    own = set(values)
    for i, v in enumerate(values):
        if v not in taken:
            continue
        base, seq = divmod(v, 1000)
        q, male = divmod(seq, 2)  # seq = 2q + male, q in 1..498
        for step in range(1, 498):
            w = base * 1000 + 2 * (1 + (q - 1 + step) % 498) + male
            if w not in taken and w not in own:
                own.add(w)
                values[i] = w
                break
        else:  # pragma: no cover - 498 people of one origin, birth date and sex
            raise ValueError(f"no free ID number left for {v}")
    taken.update(values)
    return np.array(values, dtype=np.int64)


def phones(rng, age) -> np.ndarray:
    """Unique mobile numbers for adults; children have none."""
    adult = age >= 18
    n = int(adult.sum())
    prefix = PHONE_PREFIXES[rng.integers(0, len(PHONE_PREFIXES), n)]
    number = prefix * np.int64(10**8) + rng.integers(0, 10**8, n)
    for _ in range(100):
        _, first_idx, _counts = np.unique(number, return_index=True, return_counts=True)
        dup = np.ones(n, dtype=bool)
        dup[first_idx] = False
        if not dup.any():
            break
        k = int(dup.sum())
        number[dup] = PHONE_PREFIXES[rng.integers(0, len(PHONE_PREFIXES), k)] * np.int64(
            10**8
        ) + rng.integers(0, 10**8, k)
    phone = np.full(len(age), "", dtype=object)
    phone[adult] = as_text(number)
    return phone


def household_table(world, b, recipe, rng, flats, kind, size, people, origins) -> pd.DataFrame:
    """Household numbers (village code + sequence) and a position inside the building
    (given for the recipe's share of households)."""
    n = len(flats.building)
    village = flats.village
    village_code = world.vills["code"].to_numpy()[village]
    first = np.r_[True, village[1:] != village[:-1]]  # by building, buildings by village
    village_start = np.maximum.accumulate(np.where(first, np.arange(n), 0))
    sequence = np.arange(n) - village_start + 1
    household_no = village_code + "-" + pd.Series(sequence).map("{:06d}".format).to_numpy()
    hb = flats.building
    length, width, th = b["L"].to_numpy()[hb], b["W"].to_numpy()[hb], b["theta"].to_numpy()[hb]
    du = rng.uniform(-0.4, 0.4, n) * length
    dv = rng.uniform(-0.4, 0.4, n) * width
    x = flats.x + du * np.cos(th) - dv * np.sin(th)
    y = flats.y + du * np.sin(th) + dv * np.cos(th)
    lon, lat = x / KX + LON0, y / KY + LAT0
    placed = rng.random(n) < float(recipe["geocoded_share"])
    return pd.DataFrame(
        {
            "household_no": household_no,
            "village_code": village_code,
            "building_id": b["building_id"].to_numpy()[hb],
            "lon": np.where(placed, degrees_text(lon), ""),
            "lat": np.where(placed, degrees_text(lat), ""),
            "status": np.where(kind.migrant, "migrant", "resident"),
            "size": size,
            "v": village,
            "x": x,
            "y": y,
            "arrival": origins.household_arrival,
            "start": people.start,
        }
    )


def certificates(recipe, rng, age, role, hh_married, hh_npar, migrant, as_of) -> dict:
    cr = recipe["certificates"]
    P = len(age)
    married_person = ((role == HEAD) | (role == SPOUSE)) & hh_married & (age >= 20)
    married_person |= (role == PARENT) & (hh_npar == 2)
    a0, a1 = cr["migrant_cert_ages"]
    applies = {
        "cert_marriage": married_person,
        "cert_id": age >= float(cr["id_card_min_age"]),
        "cert_residence": migrant & (age >= 16),
        "cert_migrant": migrant & (age >= a0) & (age < a1 + 1),
    }
    out = {}
    long_term = np.datetime64(cr["id_card_long_term_expiry"])
    for name in ("cert_marriage", "cert_id", "cert_residence", "cert_migrant"):
        ap = applies[name]
        u = rng.random(P)
        pm, pe, ps = cr["missing"][name], cr["expired"][name], cr["expiring_within_30d"][name]
        status = np.full(P, "valid", dtype=object)
        missing = u < pm
        expired = (u >= pm) & (u < pm + pe)
        soon = (u >= pm + pe) & (u < pm + pe + ps)
        status[missing] = "missing"
        status[expired] = "expired"
        status[~ap] = "n/a"
        if name == "cert_id":
            vy = np.where(age < 26, 10, np.where(age < 46, 20, 0))
            valid_days = np.where(vy > 0, vy * 365, 3650)
        else:
            valid_days = np.full(P, int(cr["validity_years"][name]) * 365)
        d = rng.integers(31, np.maximum(valid_days, 32), P)
        exp = as_of + d.astype("timedelta64[D]")
        exp = np.where(soon, as_of + rng.integers(0, 31, P).astype("timedelta64[D]"), exp)
        exp = np.where(expired, as_of - rng.integers(1, 730, P).astype("timedelta64[D]"), exp)
        if name == "cert_id":
            exp = np.where((age >= 46) & ~soon & ~expired, long_term, exp)
        exp = np.where(missing | ~ap, np.datetime64("NaT"), exp)
        out[name] = status
        out[name + "_expiry"] = date_text(exp)
    return out
