"""Administrative areas (county, townships, villages, grids) from a vector file.

Property ``code`` (12-digit statistical code; grids 15 digits), ``name``, ``level`` and
``parent_code`` (derived from the code when left empty), aliases and former names.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gis import ingest
from gis.messages import _
from loaders.reports import LoadError, Rejection, rejections_from_sql
from loaders.vector import VectorLoader, column, wkb_hex

LEVELS = {"county", "township", "village", "grid"}


class AdminLoader(VectorLoader):
    kind = "admin"

    def load_into(self, conn, path, report, crs, progress):
        gdf = self.read(path, crs, report)
        total = report.rows_total
        rej = report.rejected
        code = column(gdf, "code", "区划代码", "统计用区划代码", "adcode")
        name = column(gdf, "name", "名称")
        level = column(gdf, "level", "级别")
        parent = column(gdf, "parent_code", "parent_cod", "上级代码")
        ok = np.ones(len(gdf), dtype=bool)

        def bad(mask, column, values, reason, fix):
            nonlocal ok
            mask = np.asarray(mask) & ok
            for i in np.flatnonzero(mask):
                rej.append(
                    Rejection(
                        path.name, int(gdf["_row"].iat[i]), column, str(values.iat[i]), reason, fix
                    )
                )
            ok &= ~mask

        if (code == "").all():
            raise LoadError(
                _(
                    "{file}: no 'code' property; expected properties code, name, "
                    "level, parent_code; found {found}",
                    file=path.name,
                    found=", ".join(map(str, gdf.columns)),
                )
            )
        bad(
            ~code.str.fullmatch(r"\d{12}(\d{3})?").fillna(False).to_numpy(),
            "code",
            code,
            _("is not a 12-digit statistical code (grids: 15 digits)"),
            _("e.g. 330782001001"),
        )
        bad((name == "").to_numpy(), "name", name, _("is empty"), _("fill in the area's name"))
        derived = np.select(
            [code.str.len() == 15, code.str.slice(6) == "000000", code.str.slice(9) == "000"],
            ["grid", "county", "township"],
            "village",
        )
        level = level.where(level != "", pd.Series(derived, index=gdf.index))
        bad(
            ~level.isin(list(LEVELS)).to_numpy(),
            "level",
            level,
            _("is not a level"),
            _("use county, township, village or grid"),
        )
        bad(
            (level != pd.Series(derived, index=gdf.index)).to_numpy(),
            "level",
            level,
            _(
                "does not fit the code (the code says {levels})",
                levels="/".join(sorted(set(derived))),
            ),
            _("check the code or the level"),
        )
        dparent = pd.Series(
            np.select(
                [level == "grid", level == "village", level == "township"],
                [
                    code.str.slice(0, 12),
                    code.str.slice(0, 9) + "000",
                    code.str.slice(0, 6) + "000000",
                ],
                "",
            ),
            index=gdf.index,
        )
        parent = parent.where(parent != "", dparent)
        stage = pd.DataFrame(
            {
                "row_no": gdf["_row"],
                "code": code,
                "name": name,
                "short_name": column(gdf, "short_name", "short_name", "简称"),
                "level": level,
                "parent_code": parent.where(level != "county", ""),
                "aliases": column(gdf, "aliases", "别名"),
                "former_names": column(gdf, "former_names", "former_nam", "曾用名"),
                "synthetic": column(gdf, "synthetic").str.lower().isin(["true", "1", "t"]),
                "wkb": wkb_hex(gdf.geometry.values),
            }
        )[ok]
        conn.exec_driver_sql(ingest.ADMIN_STAGE)
        ingest.copy_frame(conn, "stage_admin", stage, list(stage.columns))
        ins, upd, r = ingest.upsert_admin(conn)
        rej += rejections_from_sql(path.name, r)
        report.rows_total = total
        report.inserted, report.updated = ins, upd
        report.unchanged = total - len(rej) - ins - upd
