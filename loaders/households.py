"""Households with their persons, from CSV or XLSX: one row per person.

Household columns (household_no, address, registered_address, village_code, lon, lat,
crs) are given on the household's first row and may be repeated or left empty on the
others. Person columns: name, sex, birth_date, id_number, phone, relation, status
(resident or migrant), origin_code, arrival_date and the four certificates, each as a
status (valid, missing, expired, n/a) with an expiry date.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from gis import crs as crs_mod
from gis import ingest, rules
from gis.messages import _
from loaders.base import TableLoader
from loaders.reports import LoadError, Rejection, Timer, rejections_from_sql
from loaders.validate import CERT, SEX, STATUS, Checker

COLUMNS = {
    "household_no": ["户号", "household number", "household"],
    "address": ["现住址", "居住地址", "current address", "住址", "地址"],
    "registered_address": ["户籍地址", "户籍地", "registered place", "hukou address"],
    "village_code": ["村居代码", "村代码", "社区代码", "village"],
    "lon": ["经度", "longitude", "lng", "x"],
    "lat": ["纬度", "latitude", "y"],
    "crs": ["坐标系", "coordinate system", "datum"],
    "name": ["姓名", "person name"],
    "sex": ["性别", "gender"],
    "birth_date": ["出生日期", "birthday", "date of birth", "dob"],
    "id_number": ["身份证号", "公民身份号码", "身份证号码", "id card", "id no"],
    "phone": ["手机号", "联系电话", "电话", "mobile", "telephone"],
    "relation": ["与户主关系", "relationship"],
    "status": ["人口类型", "户籍类型", "resident or migrant", "type"],
    "origin_code": ["户籍地代码", "origin", "来源地代码"],
    "arrival_date": ["来本地日期", "到达日期", "arrived"],
    "cert_marriage": ["结婚证"],
    "cert_marriage_expiry": ["结婚证有效期"],
    "cert_id": ["身份证"],
    "cert_id_expiry": ["身份证有效期"],
    "cert_residence": ["居住证", "暂住证"],
    "cert_residence_expiry": ["居住证有效期"],
    "cert_migrant": ["婚育证明", "流动人口婚育证明"],
    "cert_migrant_expiry": ["婚育证明有效期"],
}
REQUIRED = {"household_no", "name", "id_number"}
CERTS = ("cert_marriage", "cert_id", "cert_residence", "cert_migrant")
STAGE_COLUMNS = [
    "row_no",
    "household_no",
    "address",
    "registered_address",
    "village_code",
    "lon",
    "lat",
    "name",
    "sex",
    "birth_date",
    "id_number",
    "phone",
    "relation",
    "is_migrant",
    "origin_code",
    "arrival_date",
    "cert_marriage",
    "cert_marriage_expiry",
    "cert_id",
    "cert_id_expiry",
    "cert_residence",
    "cert_residence_expiry",
    "cert_migrant",
    "cert_migrant_expiry",
]
# Shift detection: enough sample points to tell 100-700 m offsets apart reliably.
SHIFT_SAMPLE = 2000


def clean_chunk(
    file: str, df: pd.DataFrame, file_crs: str | None, day: dt.date | None = None
) -> tuple[pd.DataFrame, list[Rejection]]:
    """Validate one chunk (canonical column names, all str) → stage rows + rejections;
    ``day`` is "today" for the date rules (default: today in China)."""
    c = Checker(file, df, day)
    out = pd.DataFrame({"row_no": df["_row"].to_numpy()}, index=df.index)
    out["household_no"] = c.text("household_no", required=True, max_len=64)
    out["name"] = c.text("name", required=True, max_len=64)
    ids, id_birth, id_sex = c.id_numbers("id_number")
    out["id_number"] = ids
    sex = (
        c.choice(
            "sex",
            SEX,
            default="",
            label=_("sex"),
            accepted=_("男 or 女 (also M/F, male/female, 1/2)"),
        )
        if "sex" in df
        else pd.Series("", index=df.index)
    )
    c.reject(
        # against a bad ID number there is nothing to compare (its problem is reported)
        (sex.ne("") & id_sex.ne("") & sex.ne(id_sex)).to_numpy() & ~c.reported("id_number"),
        "sex",
        df.get("sex"),
        _("does not match the ID number (17th digit: odd for men, even for women)"),
        _("check the sex or the ID number"),
    )
    out["sex"] = sex.where(sex.ne(""), id_sex)
    birth = c.date(
        "birth_date",
        rule=rules.BIRTH_DATE,
        fix=_(
            "check the year (a birth date lies between 1900-01-01 and today), or leave the "
            "birth date empty to take it from the ID number"
        ),
    )
    c.reject(
        (birth.ne("") & id_birth.ne("") & birth.ne(id_birth)).to_numpy() & ~c.reported("id_number"),
        "birth_date",
        birth,
        _("does not match the birth date in the ID number"),
        _("check the birth date or the ID number"),
    )
    out["birth_date"] = birth.where(birth.ne(""), id_birth)
    phone = c.text("phone", max_len=20).str.replace(r"[\s-]", "", regex=True)
    c.reject(
        (phone.ne("") & ~phone.str.fullmatch(r"\+?\d{7,15}")).to_numpy(),
        "phone",
        phone,
        _("is not a phone number"),
        _("digits only, e.g. 13812345678"),
    )
    out["phone"] = phone
    out["address"] = c.text("address", max_len=300)
    out["registered_address"] = c.text("registered_address", max_len=300)
    vc = c.text("village_code", max_len=15)
    c.reject(
        (vc.ne("") & ~vc.str.fullmatch(r"\d{12}")).to_numpy(),
        "village_code",
        vc,
        _("is not a 12-digit village code"),
        _("e.g. 330782001001"),
    )
    out["village_code"] = vc
    out["relation"] = c.text("relation", max_len=20)
    status = c.choice("status", STATUS, default="resident", label=_("status"))
    out["is_migrant"] = status.map({"migrant": "t", "resident": "f"}).fillna("")
    oc = c.text("origin_code", max_len=12)
    c.reject(
        (oc.ne("") & ~oc.str.fullmatch(r"\d{6}(\d{3}){0,2}")).to_numpy(),
        "origin_code",
        oc,
        _("is not a 6-, 9- or 12-digit division code"),
        _("e.g. 360721 (a county code)"),
    )
    out["origin_code"] = oc
    out["arrival_date"] = c.date("arrival_date", rule=rules.ARRIVAL_DATE)
    for cert in CERTS:
        out[cert] = c.choice(cert, CERT, default="n/a", label=_("certificate status"))
        out[cert + "_expiry"] = c.date(
            cert + "_expiry",
            rule=rules.EXPIRY_DATE,
            fix=_("check the year; leave it empty (or write 长期) for no expiry"),
        )
    lon, lat = c.coordinates("lon", "lat", "crs", file_crs, required=False)
    out["lon"] = np.round(lon, 8)
    out["lat"] = np.round(lat, 8)
    return out[c.good], c.rejected


class HouseholdLoader(TableLoader):
    """Persons grouped into households: the table loop of :class:`TableLoader`, then the
    checks across rows, the shift check and the placing upsert of :mod:`gis.ingest`."""

    kind = "households"
    columns = COLUMNS
    required = REQUIRED
    stage_sql = ingest.PERSON_STAGE
    stage_table = "stage_persons"
    stage_columns = STAGE_COLUMNS
    progress_unit_scale = True
    # checking is most of a big file's time, pure Python: both cores
    clean_workers = 2
    #: ``geocode(conn)``, or None: on a first load, geocode the staged households before
    #: they are inserted (see :func:`gis.ingest.upsert_households`; the province demo's)
    geocode = None

    def clean(self, file, df, crs):
        return clean_chunk(file, df, crs, self.day)

    def finish(self, conn, path, report, crs):
        file = path.name
        with Timer(report, "check"):
            report.rejected += rejections_from_sql(file, ingest.check_person_stage(conn))
        with Timer(report, "shift"):
            if crs is None:
                self._check_shift(conn, report)
        with Timer(report, "upsert"):
            # nothing to geocode for when the load will be rolled back anyway
            wasted = report.dry_run or (report.strict and report.rejected)
            geocode = None if wasted else self.geocode
            result = ingest.upsert_households(conn, crs or "wgs84", geocode=geocode)
        report.rejected += rejections_from_sql(file, result.pop("rejected"))
        report.details = result
        report.inserted = result["persons"]["inserted"]
        report.updated = result["persons"]["updated"]
        report.unchanged = result["persons"]["unchanged"]

    def _check_shift(self, conn, report):
        """An undeclared file whose points hit buildings only after a GCJ-02 or BD-09
        correction is flagged rather than silently loaded in the wrong place."""
        import sqlalchemy as sa

        sample = conn.execute(
            sa.text(
                "SELECT lon, lat FROM stage_persons WHERE lon IS NOT NULL ORDER BY row_no LIMIT :n"
            ),
            {"n": SHIFT_SAMPLE},
        ).all()
        if len(sample) < 20:
            return
        x = np.array([r[0] for r in sample])
        y = np.array([r[1] for r in sample])
        rates = ingest.shift_hit_rates(
            conn,
            {
                "wgs84": (x, y),
                "gcj02": crs_mod.gcj02_to_wgs84(x, y),
                "bd09": crs_mod.bd09_to_wgs84(x, y),
            },
        )
        best = max(rates, key=rates.get)
        if best != "wgs84" and rates[best] >= 0.3 and rates[best] >= 2 * rates["wgs84"] + 0.05:
            raise LoadError(
                _(
                    "{file}: the coordinates look {system}-shifted: {as_is:.0%} of sampled points "
                    "fall inside a building as WGS-84, {corrected:.0%} after a {system} "
                    "correction. Declare the system with --crs {crs} (or --crs wgs84 if the file "
                    "really is WGS-84).",
                    file=report.file,
                    system=best.upper(),
                    as_is=rates["wgs84"],
                    corrected=rates[best],
                    crs=best,
                )
            )
        report.notes.append(
            _(
                "no --crs given: coordinates taken as WGS-84 (building hit rate {rates})",
                rates=", ".join(f"{k} {v:.0%}" for k, v in rates.items()),
            )
        )
