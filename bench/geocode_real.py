"""Addresses as people write them: popgis, cpca and JioNLP side by side on labelled sets
that our generator did not write.

Material (see ``data/address_eval/README.md``):

* ``data/address_eval/cases.tsv`` (committed): hand-written cases, one or more per
  writing category of issue 12, each with its gold county / township / village names;
* a public labelled address-parsing corpus in CoNLL form (character, B-/I-label; labels
  prov, city, district, town, community, …), e.g. the corpus of Li & Lu, *Neural Chinese
  Address Parsing* (NAACL 2019): ``train.txt`` / ``dev.txt`` / ``test.txt`` in the folder
  named by ``POPGIS_ADDRESS_CORPUS`` (default ``var/eval``). It carries no licence, so it
  is not committed: it is read where it lies. Its ``dev`` split is the one to tune on;
  figures are reported on ``train`` (and ``test``), never tuned on.

Gold codes are made from the labels alone: the labelled county name (or a former name of
it, or the name without its suffix) among the counties of the labelled city/province;
the township name among that county's townships; the community among that township's
villages. An address whose label resolves to nothing is not judged at that level; a
village code given where no village is written (or the written one is not in the list)
counts as wrong: that is the silent error the rest of the system would trust.

Per level: recall = right / judged, precision = right / answered (over the judged
addresses; for villages also over those without a village written). Speed: addresses/s
on the same batch in the same run, every per-string cache emptied first.

Usage: ``python -m bench.geocode_real [--split train] [--split test] [--dev]``.
"""

from __future__ import annotations

import argparse
import collections
import csv
import os
import re
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "data" / "address_eval" / "cases.tsv"
LEVELS = ("county", "township", "village")


# ---------------------------------------------------------------- material
def read_conll(path: Path) -> list[dict]:
    """[{'text': …, 'labels': {label: first span}}] of a CoNLL file."""
    out, chars, spans = [], [], []

    def flush():
        if chars:
            labels: dict[str, str] = {}
            for lab, text in spans:
                labels.setdefault(lab, text)
            out.append({"text": "".join(chars), "labels": labels, "category": "corpus"})

    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            flush()
            chars, spans = [], []
            continue
        ch, _, tag = line.rpartition(" ")
        chars.append(ch)
        if tag.startswith("B-"):
            spans.append([tag[2:], ch])
        elif tag.startswith("I-") and spans and spans[-1][0] == tag[2:]:
            spans[-1][1] += ch
    flush()
    return out


def read_cases(path: Path = CASES) -> list[dict]:
    """The committed cases: text, gold names (county, township, village), category."""
    out = []
    with path.open(encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f, delimiter="\t"):
            labels = {k: r[v] for k, v in (("prov", "province"), ("city", "city"),
                                           ("district", "county"), ("town", "township"),
                                           ("community", "village")) if r.get(v)}
            out.append({"text": r["text"], "labels": labels, "category": r["category"],
                        "source": r["source"]})
    return out


# ---------------------------------------------------------------- gold codes
_SUFFIX_C = re.compile(r"(?:自治县|自治旗|县|区|市|旗)$")
_SUFFIX_T = re.compile(r"(?:街道办事处|街道|镇|乡|办事处)$")
_SUFFIX_V = re.compile(r"(?:社区居民委员会|社区居委会|村民委员会|居民委员会|村委会|居委会|村委|社区|村)$")
_POI_VILLAGE = re.compile(r"^(.{2,6}?(?:村|社区))")


def _base(rx, name: str) -> str:
    b = rx.sub("", name)
    return b if len(b) >= 2 else name


def _vkey(name: str) -> str:
    """A village name without committee and 村/社区, in simplified characters."""
    from gis.geocode.normalise import normalise

    n = normalise(name)
    for _ in range(2):
        n = _base(_SUFFIX_V, n)
    return n


class Gold:
    """Names → today's codes, from the national list and the former-name tables."""

    def __init__(self):
        from gis.geocode.division import load_division
        from gis.geocode.former import load_former

        d = self.d = load_division()
        self.county = collections.defaultdict(set)      # name or base → county6
        for c, n in d.areas.items():
            self.county[n].add(c)
            self.county[_base(_SUFFIX_C, n)].add(c)
        self.town_former = collections.defaultdict(set)
        for level, name, code, _y, _o in load_former():
            if level == "county":
                self.county[name].add(code[:6])
                self.county[_base(_SUFFIX_C, name)].add(code[:6])
            else:
                self.town_former[(code[:6], name)].add(code[:9])
                self.town_former[(code[:6], _base(_SUFFIX_T, name))].add(code[:9])
        self.city = collections.defaultdict(set)
        for c, n in d.cities.items():
            self.city[n].add(c)
            self.city[_base(re.compile(r"(?:市|地区|盟|自治州)$"), n)].add(c)
        self.prov = collections.defaultdict(set)
        for c, n in d.provinces.items():
            self.prov[n].add(c)
            self.prov[re.sub(r"(?:省|市|壮族自治区|回族自治区|维吾尔自治区|自治区)$", "", n)].add(c)
        self._towns: dict[str, dict[str, set]] = {}

    def towns(self, c6: str) -> dict[str, set]:
        t = self._towns.get(c6)
        if t is None:
            t = collections.defaultdict(set)
            for code, name in self.d.townships_of(c6):
                t[name].add(code)
                t[_base(_SUFFIX_T, name)].add(code)
            self._towns[c6] = t
        return t

    def counties_for(self, labels: dict) -> set[str]:
        if "district" not in labels and labels.get("city") in self.county and \
                labels["city"] not in self.city:
            labels = dict(labels, district=labels["city"])   # 海宁市 labelled as a city
            del labels["city"]
        prefixes = set()
        if "city" in labels:
            prefixes = self.city.get(labels["city"], set()) | \
                self.city.get(_base(re.compile(r"(?:市|地区|盟|自治州)$"), labels["city"]), set())
            prefixes |= {p[:2] for p in self.prov.get(labels["city"], ())}   # 上海市
        if not prefixes and "prov" in labels:
            prefixes = self.prov.get(labels["prov"], set())
        name = labels.get("district")
        if name:
            cs = self.county.get(name, set()) | self.county.get(_base(_SUFFIX_C, name), set())
            if prefixes:
                cs = {c for c in cs if any(c.startswith(p) for p in prefixes)}
            return cs
        town = labels.get("town")
        if town and prefixes:       # no county written: the one county of that township
            cs = {c for c in self.d.areas if any(c.startswith(p) for p in prefixes)
                  and (town in self.towns(c) or _base(_SUFFIX_T, town) in self.towns(c))}
            return cs if len(cs) == 1 else set()
        return set()

    def gold(self, labels: dict) -> dict[str, set]:
        cs = self.counties_for(labels)
        ts: set[str] = set()
        t = labels.get("town")
        for c in cs:
            if t:
                tw = self.towns(c)
                ts |= tw.get(t, set()) | tw.get(_base(_SUFFIX_T, t), set())
                ts |= self.town_former.get((c, t), set()) | \
                    self.town_former.get((c, _base(_SUFFIX_T, t)), set())
        vs: set[str] = set()
        v = labels.get("community")
        if not v:       # a village labelled as the start of a place (西仁宕村天主教堂)
            for k in ("poi", "subpoi"):
                m = _POI_VILLAGE.match(labels.get(k, ""))
                if m:
                    v = m.group(1)
                    break
        if v:
            scope = ts or {code for c in cs for code, _ in self.d.townships_of(c)}
            vb = _vkey(v)
            for t9 in scope:
                for code, name in self.d.villages_of(t9):
                    if _vkey(name) == vb:
                        vs.add(code)
            if not ts and len({x[:9] for x in vs}) == 1:
                ts = {next(iter(vs))[:9]}
        return {"county": {c + "000000" for c in cs}, "township": {t + "000" for t in ts},
                "village": vs, "village_written": bool(v)}


# ---------------------------------------------------------------- systems
def _clear_caches(gaz) -> None:
    from gis.geocode.gazetteer import fuzzy_pinyin, syllables
    from gis.geocode.normalise import normalise

    normalise.cache_clear()
    fuzzy_pinyin.cache_clear()
    syllables.cache_clear()
    gaz.head_cache.clear()


def run_popgis(texts, gaz):
    """``popgis parse-address --file``: every component and the codes of each line."""
    from gis.geocode.parse import parse_many

    _clear_caches(gaz)
    t = time.perf_counter()
    parsed = parse_many(texts, gaz)
    out = [p.codes() for p in parsed]
    return out, time.perf_counter() - t


def run_popgis_bulk(texts, gaz):
    from gis.geocode.admin import resolve_admin

    _clear_caches(gaz)
    t = time.perf_counter()
    out = resolve_admin(texts, gaz)
    return out, time.perf_counter() - t


def run_cpca(texts, gold: Gold):
    import cpca

    cpca.transform(texts[:10])
    t = time.perf_counter()
    df = cpca.transform(texts)
    dt = time.perf_counter() - t
    from gis.geocode.former import load_former  # noqa: F401  (old codes below)
    old = _old_codes()
    out = []
    for a in df["adcode"].fillna("").astype(str):
        c6 = a[:6] if len(a) >= 6 and not a.endswith("00") else ""
        c6 = old.get(c6, c6)
        out.append({"county": c6 + "000000" if c6 else None, "township": None,
                    "village": None})
    return out, dt


def _old_codes() -> dict[str, str]:
    import csv as _csv

    from gis.geocode.former import FORMER_CSV, HAND_CSV
    out = {}
    for p in (FORMER_CSV, HAND_CSV):
        with p.open(encoding="utf-8") as f:
            for r in _csv.DictReader(f):
                if r["level"] == "county":
                    out[r["old_code"][:6]] = r["code"][:6]
    return out


def run_jionlp(texts, gold: Gold):
    import jionlp as jio

    jio.parse_location(texts[0], town_village=True)
    t = time.perf_counter()
    parsed = [jio.parse_location(x, town_village=True) for x in texts]
    dt = time.perf_counter() - t
    out = []
    for p in parsed:
        labels = {k2: p.get(k1) for k1, k2 in (("province", "prov"), ("city", "city"),
                                               ("county", "district"), ("town", "town"),
                                               ("village", "community")) if p.get(k1)}
        g = gold.gold(labels) if labels.get("district") else \
            {"county": set(), "township": set(), "village": set()}

        def one(s):
            return next(iter(s)) if len(s) == 1 else None

        out.append({"county": one(g["county"]),
                    "township": one(g["township"]) if labels.get("town") else None,
                    "village": one(g["village"]) if labels.get("community") else None})
    return out, dt


# ---------------------------------------------------------------- scoring
def score(answers, golds) -> dict:
    """Per level: judged, answered, right, recall, precision."""
    res = {}
    for lv in LEVELS:
        judged = answered = right = 0
        for a, g in zip(answers, golds, strict=True):
            code = a.get(lv)
            gs = g[lv]
            if lv == "village" and code and not gs:
                answered += 1        # a village code where none is written or known
                continue
            if not gs:
                continue
            judged += 1
            if code:
                answered += 1
                right += code in gs
        res[lv] = {"judged": judged, "answered": answered, "right": right,
                   "recall": right / judged if judged else float("nan"),
                   "precision": right / answered if answered else float("nan")}
    return res


def miss_kind(labels: dict, g: dict, level: str, code) -> str:
    """Why an address of the corpus was missed at ``level``, from its labels."""
    if code:
        return "wrong code"
    if level == "county":
        name = labels.get("district")
        if not name:
            return "county not written"
        if len(g["county"]) > 1:
            return "same county name in several cities, no city written"
        if not name.endswith(("区", "县", "市", "旗")):
            return "county written short"
        return "county written in full"
    if level == "township":
        name = labels.get("town", "")
        if not name.endswith(("镇", "乡", "街道", "办事处")):
            return "township written short"
        return "township written in full"
    v = labels.get("community", "")
    if v and not v.endswith(("村", "社区", "居委会", "村委")):
        return "village written short"
    return "village written in full"


def misses(answers, golds, items, level: str, limit: int = 0, wrong: bool = False):
    """(category → count) of the judged addresses not answered right at ``level``
    (``wrong``: answered wrong); with ``limit``, also up to that many examples."""
    counts = collections.Counter()
    ex = []
    for a, g, it in zip(answers, golds, items, strict=True):
        code = a.get(level)
        bad = (code and code not in g[level] and (g[level] or level == "village")) if wrong \
            else (g[level] and code not in g[level])
        if bad:
            counts[it["category"] if it["category"] != "corpus" else
                   miss_kind(it["labels"], g, level, code)] += 1
            if len(ex) < limit:
                ex.append((it["text"], a.get(level), sorted(g[level])[:3]))
    return counts, ex


def evaluate(items, systems=("popgis", "popgis bulk", "cpca", "jionlp")) -> dict:
    from gis.geocode.gazetteer import AdminGazetteer

    gold = Gold()
    golds = [gold.gold(it["labels"]) for it in items]
    texts = [it["text"] for it in items]
    gaz = AdminGazetteer.national()
    run_popgis(texts, gaz)   # the indexes it needs, loaded as the peers load their tables
    out = {}
    for name in systems:
        try:
            if name == "popgis":
                ans, dt = run_popgis(texts, gaz)
            elif name == "popgis bulk":
                ans, dt = run_popgis_bulk(texts, gaz)
            elif name == "cpca":
                ans, dt = run_cpca(texts, gold)
            else:
                ans, dt = run_jionlp(texts, gold)
        except ImportError:
            continue
        out[name] = {"score": score(ans, golds), "rate": len(texts) / dt, "answers": ans}
    out["_golds"] = golds
    return out


def table(name: str, items, res) -> list[str]:
    lines = [f"\n{name}: {len(items)} addresses",
             f"{'system':<14} {'county R/P':>15} {'township R/P':>15} {'village R/P':>15} "
             f"{'addr/s':>9}"]
    for sysname, r in res.items():
        if sysname.startswith("_"):
            continue
        s = r["score"]

        def rp(lv, s=s):
            x = s[lv]
            return f"{x['recall']:.3f}/{x['precision']:.3f}"

        lines.append(f"{sysname:<14} {rp('county'):>15} {rp('township'):>15} "
                     f"{rp('village'):>15} {r['rate']:>9,.0f}")
    j = next(iter(res.values()))["score"]
    lines.append("judged: " + ", ".join(f"{lv} {j[lv]['judged']}" for lv in LEVELS))
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--split", action="append", help="corpus split(s) to report on")
    ap.add_argument("--dev", action="store_true", help="the tuning split (corpus dev)")
    ap.add_argument("--examples", type=int, default=0)
    args = ap.parse_args()
    folder = Path(os.environ.get("POPGIS_ADDRESS_CORPUS", ROOT / "var" / "eval"))
    sets = [("cases (committed, hand-written and peers' fixtures)", read_cases())]
    for split in (["dev"] if args.dev else (args.split or ["train"])):
        path = folder / f"{split}.txt"
        if path.exists():
            sets.append((f"corpus {split} ({path})", read_conll(path)))
        else:
            print(f"(no {path}: corpus split {split} skipped)")
    for name, items in sets:
        res = evaluate(items)
        print("\n".join(table(name, items, res)))
        golds = res["_golds"]
        for lv in LEVELS:
            counts, ex = misses(res["popgis"]["answers"], golds, items, lv, args.examples)
            print(f"popgis misses at {lv}: {dict(counts)}")
            for e in ex:
                print("   ", e)
            counts, ex = misses(res["popgis"]["answers"], golds, items, lv, args.examples,
                                wrong=True)
            print(f"popgis wrong at {lv}: {dict(counts)}")
            for e in ex:
                print("   ", e)


def run(scale: float, seed: int, rows: list) -> None:
    """For bench/run.py: the committed cases and the corpus train split, if present."""
    folder = Path(os.environ.get("POPGIS_ADDRESS_CORPUS", ROOT / "var" / "eval"))
    sets = [("cases", read_cases())]
    if (folder / "train.txt").exists():
        sets.append(("corpus train", read_conll(folder / "train.txt")))
    for name, items in sets:
        res = evaluate(items)
        others = [r["rate"] for k, r in res.items() if k in ("cpca", "jionlp")]
        for sysname, r in res.items():
            if sysname.startswith("_"):
                continue
            s = r["score"]
            fig = " ".join(f"{lv[0]} {s[lv]['recall']:.3f}/{s[lv]['precision']:.3f}"
                           for lv in LEVELS)
            ok = ""
            if sysname == "popgis":
                ok = "PASS" if (s["county"]["recall"] >= 0.95 and
                                s["county"]["precision"] >= 0.99 and
                                s["township"]["recall"] >= 0.60 and
                                s["township"]["precision"] >= 0.99 and
                                all(r["rate"] > o for o in others)) else "MISS"
            rows.append((f"real writing, {name} (n={len(items)}): {sysname} R/P",
                         fig + f", {r['rate']:,.0f}/s",
                         "c ≥ .95, t ≥ .60 @ P ≥ .99; faster" if sysname == "popgis" else "-",
                         ok))


if __name__ == "__main__":
    import sys

    sys.path.insert(0, str(ROOT))
    main()
