"""Writes the small fixture county used by the tests (run once; outputs are committed).

County 330782 as a 0.2° square; two townships; three villages; two grids in village A:

    lon 120.00      120.05      120.10                  120.20
    lat 29.40 +-----------------+-----------------------+
              | B 330782001002  |                       |
        29.30 +--------+--------+  C 330782100001       |
              | grid1  | grid2  |  (township 330782100)  |
              | A 330782001001  |                       |
        29.20 +--------+--------+-----------------------+
"""

import json

from shapely.geometry import box, mapping


def feature(props, geom):
    return {"type": "Feature", "properties": props, "geometry": mapping(geom)}


areas = [
    ("330782000000", "义乌市", "county", box(120.0, 29.2, 120.2, 29.4)),
    ("330782001000", "稠城街道", "township", box(120.0, 29.2, 120.1, 29.4)),
    ("330782100000", "佛堂镇", "township", box(120.1, 29.2, 120.2, 29.4)),
    ("330782001001", "江滨社区居委会", "village", box(120.0, 29.2, 120.1, 29.3)),
    ("330782001002", "下车门社区居委会", "village", box(120.0, 29.3, 120.1, 29.4)),
    ("330782100001", "新光村村委会", "village", box(120.1, 29.2, 120.2, 29.4)),
    ("330782001001001", "江滨社区第一网格", "grid", box(120.0, 29.2, 120.05, 29.3)),
    ("330782001001002", "江滨社区第二网格", "grid", box(120.05, 29.2, 120.1, 29.3)),
]
fc = {
    "type": "FeatureCollection",
    "features": [
        feature(
            {
                "code": c,
                "name": n,
                "level": lv,
                "aliases": "江滨社区" if c == "330782001001" else "",
                "former_names": "老光村" if c == "330782100001" else "",
            },
            g,
        )
        for c, n, lv, g in areas
    ],
}
json.dump(fc, open("admin.geojson", "w"), ensure_ascii=False, indent=1)


# Buildings: 40 m squares. A1 in grid 1, A2 in grid 2, B1 in village B, C1 in village C.
def square(lon, lat, d=0.0004):
    return box(lon, lat, lon + d, lat + d)


buildings = [
    (
        "A1",
        "330782001001",
        "幸福小区",
        "1",
        "江滨社区幸福小区1栋",
        6,
        "residential",
        square(120.02, 29.25),
    ),
    (
        "A2",
        "330782001001",
        "幸福小区",
        "2",
        "江滨社区幸福小区2栋",
        6,
        "residential",
        square(120.07, 29.25),
    ),
    (
        "B1",
        "330782001002",
        "锦绣花园",
        "5",
        "下车门社区锦绣花园5幢",
        11,
        "residential",
        square(120.05, 29.35),
    ),
    ("C1", "330782100001", "", "12", "新光村3组12号", 3, "residential", square(120.15, 29.30)),
    ("M1", "330782100001", "", "", "新光村市场", 1, "market", square(120.16, 29.31)),
]
json.dump(
    {
        "type": "FeatureCollection",
        "features": [
            feature(
                {
                    "building_id": b,
                    "village_code": v,
                    "compound": c,
                    "building_no": no,
                    "address": a,
                    "floors": f,
                    "use": u,
                },
                g,
            )
            for b, v, c, no, a, f, u, g in buildings
        ],
    },
    open("buildings.geojson", "w"),
    ensure_ascii=False,
    indent=1,
)


W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def id_number(region, birth, seq):
    body = f"{region}{birth.replace('-', '')}{seq:03d}"
    return body + "10X98765432"[sum(int(c) * w for c, w in zip(body, W, strict=True)) % 11]


# household_no, address, village, lon, lat, persons: (name, sex, birth, seq, phone, relation,
# status, origin)
households = [
    (
        "HA1",
        "义乌市稠城街道江滨社区幸福小区1栋1单元101室",
        "330782001001",
        120.0202,
        29.2502,
        [
            ("张伟", "M", "1985-03-12", 11, "13812345671", "户主", "resident", "330782"),
            ("李娜", "F", "1987-07-01", 22, "13812345672", "配偶", "resident", "330782"),
            ("张小明", "M", "2012-09-30", 31, "", "子女", "resident", "330782"),
        ],
    ),
    (
        "HA2",
        "幸福小区2栋301",
        "330782001001",
        120.0702,
        29.2502,
        [
            ("王芳", "F", "1995-05-05", 42, "15912345673", "户主", "migrant", "360721"),
            ("刘强", "M", "1993-01-20", 51, "15912345674", "配偶", "migrant", "360721"),
        ],
    ),
    (
        "HB1",
        "下车门社区锦绣花园5幢2单元402",
        "330782001002",
        120.0502,
        29.3502,
        [
            ("陈静", "F", "1979-11-11", 62, "13712345675", "户主", "resident", "330782"),
            ("陈晨", "F", "2001-02-02", 72, "13712345676", "子女", "resident", "330782"),
        ],
    ),
    (
        "HC1",
        "新光村3组12号",
        "330782100001",
        120.1502,
        29.3002,
        [
            ("赵磊", "M", "1970-06-06", 81, "18812345677", "户主", "resident", "330782"),
            ("孙丽", "F", "1972-08-08", 92, "18812345678", "配偶", "resident", "330782"),
            ("赵敏", "F", "1998-12-12", 2, "18812345679", "子女", "resident", "330782"),
        ],
    ),
    (
        "HX1",
        "新光村五组",
        "330782100001",
        None,
        None,
        [("周杰", "M", "1990-04-04", 13, "17712345670", "户主", "migrant", "520102")],
    ),
]
import csv  # noqa: E402

with open("households.csv", "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f)
    w.writerow(
        [
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
            "status",
            "origin_code",
            "arrival_date",
            "cert_marriage",
            "cert_marriage_expiry",
            "cert_residence",
            "cert_residence_expiry",
        ]
    )
    for hno, addr, vc, lon, lat, persons in households:
        for k, (name, sex, birth, seq, phone, rel, status, origin) in enumerate(persons):
            first = k == 0
            migrant = status == "migrant"
            w.writerow(
                [
                    hno,
                    addr if first else "",
                    "",
                    vc if first else "",
                    lon if first and lon else "",
                    lat if first and lat else "",
                    name,
                    sex,
                    birth,
                    id_number(origin, birth, seq),
                    phone,
                    rel,
                    status,
                    origin,
                    "2024-03-01" if migrant else "",
                    "valid" if rel in ("户主", "配偶") and birth < "2000" else "n/a",
                    "",
                    "valid" if migrant else "n/a",
                    "2026-12-10" if migrant else "",
                ]
            )

with open("service_points.csv", "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f)
    w.writerow(
        ["point_id", "kind", "name", "address", "lon", "lat", "opening_hours", "capacity", "active"]
    )
    w.writerow(
        [
            "SP1",
            "distribution_point",
            "江滨社区药具发放点",
            "江滨社区居委会",
            120.03,
            29.26,
            "08:30-17:00",
            200,
            "true",
        ]
    )
    w.writerow(
        ["SP2", "clinic", "下车门社区卫生服务站", "", 120.06, 29.36, "08:00-20:00", 500, "true"]
    )
    w.writerow(["SP3", "service_station", "佛堂镇计生服务站", "", 120.15, 29.25, "", 1000, "true"])
    w.writerow(["SP4", "machine", "新光村自助发放机", "", 120.17, 29.32, "24h", 50, "false"])
