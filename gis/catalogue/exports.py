"""Chinese text of the exports (gis/exports/, webmap/exports.py): maps, atlases, tables
and their file names follow the requesting user's language; Chinese by default."""

ZH: dict[str, str] = {
    # the lines of every map and table
    "Source: popgis population and family-planning services information system "
    "(population register, service points and service records). Aggregates only: "
    "counts below {k} withheld; heat maps with a kernel bandwidth of at least {bw:g} m, "
    "no colour where fewer than {k} households.": "数据来源：popgis 人口与计划生育服务信息系统（人口登记、服务点与服务记录）。"
    "仅含汇总数据：小于{k}的计数已抑制，热力图核带宽不小于{bw:g}米、少于{k}户处不着色。",
    " (demo data, synthetic)": "（演示数据，合成）",
    "{year}-{month:02d}-{day:02d}": "{year}年{month:02d}月{day:02d}日",
    "landscape": "横向",
    "portrait": "纵向",
    "{size} {orientation}": "{size}{orientation}",
    "Jurisdiction: {names}{view}    Data as of: {date}": "辖区：{names}{view}　　数据截至：{date}",
    " (current view)": "（当前视图）",
    "Exported by {user}  {time}  CRS WGS 84 / UTM EPSG:{epsg}": "导出：{user}　{time}　坐标系 WGS 84 / UTM EPSG:{epsg}",
    "Exported by {user}  {time}  EPSG:{epsg}": "导出：{user}　{time}　EPSG:{epsg}",
    "{exported}  page {number} of {total}": "{exported}　第 {number} / {total} 页",
    # layers: title, legend
    "Migrant population heat map": "流动人口分布热力图",
    "Migrant density (persons/km²)": "流动人口密度（人/平方公里）",
    "Population density map": "人口密度分布图",
    "Population density (persons/km²)": "人口密度（人/平方公里）",
    "Contraceptive distribution coverage map": "药具发放覆盖率分布图",
    "Distribution coverage in the last year (%, of households)": "近一年药具发放覆盖率（%，按户）",
    "Family-planning service points map": "计生服务点分布图",
    "Service points": "服务点（个）",
    "Kernel bandwidth {bw:.0f} m; no colour where fewer than {k} households are around": "核带宽 {bw:.0f} 米；周边少于 {k} 户处不着色",
    "Hatched: withheld (fewer than {k}, or could be worked out)": "斜线：数据已抑制（小于 {k} 或可被推算）",
    # the legend
    "Legend": "图例",
    "Jurisdiction boundary": "辖区界",
    "Boundary of {area}": "{area}界",
    "Township boundaries": "乡镇（街道）界",
    "Village boundaries": "村（社区）界",
    "Grid boundaries": "网格界",
    "Roads": "道路",
    "Buildings": "建筑",
    "Withheld": "已抑制",
    "{kind}  {n}": "{kind}　{n} 个",
    " ({n} more inactive)": "（另停用 {n} 个）",
    "Pale circles: service radius (area covered)": "淡色圆：服务半径（覆盖范围）",
    "km": "公里",
    "m": "米",
    "N": "北\nN",
    # map titles (a choropleth's units) and file names
    " (by village)": "（按村）",
    " (by grid)": "（按网格）",
    "{layer} atlas": "{layer}图集",
    "Population statistics": "人口统计表",
    "GIS layers": "图层",
    # atlas
    "{area} {layer} atlas": "{area} {layer} 图集",
    "Population {population}  Households {households}  Migrants {migrants} ({per_1000})\n"
    "Women 15–49 {women}  Certificates missing/expiring {certs}  "
    "Distribution coverage {coverage}  (* withheld)": "人口 {population}　户数 {households}　流动人口 {migrants}（{per_1000}）\n"
    "育龄妇女 {women}　证件缺失/将到期 {certs}　药具发放覆盖率 {coverage}　（* 已抑制）",
    # tables
    "Total": "合计",
    "Township subtotal": "乡镇（街道）小计",
    "Village": "村（社区）",
    "Grid": "网格",
    "Row type": "行类型",
    "Area code": "区划代码",
    "Township (subdistrict)": "乡镇（街道）",
    "Village (community)": "村（社区）",
    "Population (persons)": "人口（人）",
    "Households": "户数（户）",
    "Migrants (persons)": "流动人口（人）",
    "Migrants (‰)": "流动人口（‰）",
    "Women aged 15–49 (persons)": "育龄妇女 15–49岁（人）",
    "Certificates missing or expiring within 30 days (persons)": "证件缺失或30天内到期（人）",
    "Given contraceptives in the last year (households)": "近一年领取药具（户）",
    "Distribution coverage (%)": "药具发放覆盖率（%）",
    "Statistics": "统计表",
    "Notes": "说明",
    "{area}: population and family-planning services by village": "{area} 分村（社区）人口与计生服务统计表",
    "Data as of {date}; exported by {user}, {time}": "数据截至：{date}；导出：{user}，{time}",
    "“{mark}” marks what is withheld to protect privacy: counts below {k}, and the cells "
    "they could be worked out from by subtracting from a total (secondary suppression); "
    "an area of fewer than {k} people is withheld whole. A rate is given only when its "
    "numerator and denominator are both published.": "“{mark}”表示为保护隐私不予公布：小于 {k} 的计数，以及可由合计减去其他格推算出"
    "它们的格（二次抑制）；人口少于 {k} 的地区整行不公布。比率只在分子分母都公布时给出。",
    "Women aged 15–49 by their age on the date of the data; certificates are the marriage "
    "certificate, ID card, residence permit and migrant family-planning certificate, any "
    "of them missing, expired or expiring within 30 days; distribution coverage = "
    "households with a contraceptive distribution in the last 365 days ÷ households.": "育龄妇女按截至日年龄 15–49 岁计；证件指婚姻证、身份证、居住证、流动人口婚育证明中"
    "任一缺失、过期或 30 天内到期；药具发放覆盖率 = 近 365 天有药具发放记录的户 ÷ 户数。",
}
