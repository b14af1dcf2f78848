"""Chinese text of the loads messages (see gis/messages.py): load errors, the problems of
uploaded files, rejected-row reasons and fixes, and the load report."""

ZH: dict[str, str] = {
    # ---- the report (loaders/reports.py)
    "{file} row {row}": "{file} 第 {row} 行",
    "{place}, column {column}": "{place}，列 {column}",
    "; fix: {fix}": "；改法：{fix}",
    "loaded": "已载入",
    "checked (dry run, nothing written)": "已检查（试运行，未写入）",
    "NOT loaded (--strict and rows were rejected)": "未载入（使用了 --strict 且有被拒绝的行）",
    "NOT loaded": "未载入",
    "{file}: {verb}; {rows} rows: {new} new, {changed} changed, {unchanged} unchanged, "
    "{rejected} rejected":
        "{file}：{verb}；共 {rows} 行：新增 {new}，修改 {changed}，未变 {unchanged}，"
        "拒绝 {rejected}",
    "  note: {note}": "  说明：{note}",
    "  rejected: {row}": "  拒绝：{row}",
    "  … {more} more in the report": "  …… 另有 {more} 条见报告文件",
    # ---- loading (loaders/base.py, registry.py and the loaders)
    "{path}: no such file": "{path}：文件不存在",
    "{path} is a folder; give the file to load": "{path} 是文件夹；请给出要载入的文件",
    "ignored columns: {columns}": "已忽略的列：{columns}",
    "unknown kind {kind!r}; expected one of {kinds}": "未知的数据类别 {kind!r}；应为以下之一：{kinds}",
    "{file}: file is empty (no features); fix: export the layer again with its features":
        "{file}：文件为空（没有要素）；改法：连同要素重新导出该图层",
    "{file}: expected an OSM .pbf extract": "{file}：应为 OSM .pbf 数据文件",
    "OSM data is always WGS-84; drop --crs": "OSM 数据总是 WGS-84 坐标；请去掉 --crs",
    "{file}: no 'code' property; expected properties code, name, level, parent_code; "
    "found {found}":
        "{file}：缺少 code 属性；应有属性 code、name、level、parent_code；实际有 {found}",
    "is not a 12-digit statistical code (grids: 15 digits)": "不是 12 位统计用区划代码（网格为 15 位）",
    "e.g. 330782001001": "例如 330782001001",
    "fill in the area's name": "请填写区划名称",
    "is not a level": "不是有效的层级",
    "use county, township, village or grid": "请使用 county（县）、township（乡镇）、village（村居）或 grid（网格）",
    "does not fit the code (the code says {levels})": "与代码不符（按代码应为 {levels}）",
    "check the code or the level": "请核对代码或层级",
    "duplicate building id in this file": "本文件中建筑编号重复",
    "give each building its own id": "每栋建筑应有自己的编号",
    "is not a line": "不是线要素",
    "roads must be LineString features": "道路必须是 LineString 线要素",
    "say what the area is: water, forest, park, farmland, …": "请注明地类：水域、林地、公园、耕地等",
    "status": "人口类型",
    "certificate status": "证件状态",
    "service point kind": "服务点类型",
    "event kind": "服务记录类型",
    "does not match the ID number (17th digit: odd for men, even for women)":
        "与身份证号不符（第 17 位：奇数为男，偶数为女）",
    "check the sex or the ID number": "请核对性别或身份证号",
    "does not match the birth date in the ID number": "与身份证号中的出生日期不符",
    "check the birth date or the ID number": "请核对出生日期或身份证号",
    "is not a phone number": "不是电话号码",
    "digits only, e.g. 13812345678": "只写数字，例如 13812345678",
    "is not a 12-digit village code": "不是 12 位村居代码",
    "is not a 6-, 9- or 12-digit division code": "不是 6 位、9 位或 12 位区划代码",
    "e.g. 360721 (a county code)": "例如 360721（县级代码）",
    "no --crs given: coordinates taken as WGS-84 (building hit rate {rates})":
        "未给出 --crs：坐标按 WGS-84 处理（落入建筑的比例 {rates}）",
    "{file}: the coordinates look {system}-shifted: {as_is:.0%} of sampled points fall "
    "inside a building as WGS-84, {corrected:.0%} after a {system} correction. Declare the "
    "system with --crs {crs} (or --crs wgs84 if the file really is WGS-84).":
        "{file}：坐标看起来经过了 {system} 偏移：按 WGS-84 只有 {as_is:.0%} 的抽样点落在建筑内，"
        "按 {system} 纠偏后有 {corrected:.0%}。请用 --crs {crs} 声明坐标系（如果文件确实是 "
        "WGS-84，请用 --crs wgs84）。",
    # ---- row checks (loaders/validate.py)
    "is empty": "为空",
    "fill in {column}": "请填写 {column}",
    "is longer than {n} characters": "超过 {n} 个字符",
    "shorten it": "请缩短",
    "is not a date": "不是日期",
    "write dates as YYYY-MM-DD, e.g. 2024-03-01": "日期请写成 YYYY-MM-DD，例如 2024-03-01",
    "is outside 1900–2100": "不在 1900–2100 年之间",
    "check the year": "请核对年份",
    "is not a known {what}": "不是已知的{what}",
    "use one of: {accepted}": "请使用以下之一：{accepted}",
    "is not yes/no": "不是“是/否”",
    "write true or false (是/否)": "请写 true 或 false（是/否）",
    "is not a whole number": "不是整数",
    "write digits only, e.g. 12": "只写数字，例如 12",
    "is outside [{lo}, {hi}]": "不在 [{lo}, {hi}] 范围内",
    "check the value": "请核对数值",
    "is not a number": "不是数字",
    "write decimal degrees, e.g. 120.0753": "请写十进制度数，例如 120.0753",
    "write decimal degrees, e.g. 29.3064": "请写十进制度数，例如 29.3064",
    "only one of lon and lat is given": "经度和纬度只给了一个",
    "give both or neither": "请两个都填或都不填",
    "give lon and lat": "请填写经度和纬度",
    "use wgs84, gcj02, bd09, cgcs2000 or EPSG:4491–4554":
        "请使用 wgs84、gcj02、bd09、cgcs2000 或 EPSG:4491–4554",
    "lon and lat look swapped (lon within ±90, lat beyond ±90)":
        "经纬度似乎写反了（经度在 ±90 以内，纬度超出 ±90）",
    "swap the lon and lat columns": "请对调经度列和纬度列",
    "is outside [-180, 180]": "不在 [-180, 180] 范围内",
    "are lat and lon swapped?": "经纬度是否写反了？",
    "is outside [-90, 90]": "不在 [-90, 90] 范围内",
    "lon and lat look swapped (the pair lies in China only when swapped)":
        "经纬度似乎写反了（对调后才落在中国境内）",
    "is 0,0 (a missing position)": "为 0,0（缺失的位置）",
    "leave lon and lat empty when the position is unknown": "位置不明时请把经纬度留空",
    "does not convert from the declared Gauss-Krüger zone": "无法按声明的高斯-克吕格投影带换算",
    "check the EPSG code (zone) and that x is easting, y northing":
        "请核对 EPSG 代码（投影带），以及 x 为东坐标、y 为北坐标",
    "fill in the ID number": "请填写身份证号",
    "is not an 18-character ID number": "不是 18 位身份证号",
    "17 digits then a digit or X": "17 位数字，最后一位为数字或 X",
    "has a wrong check digit": "校验码错误",
    "re-type the ID number from the card": "请对照证件重新录入身份证号",
    "contains no valid birth date": "其中的出生日期无效",
    # ---- checks across rows and placing (gis/ingest.py)
    "unknown village code": "未知的村居代码",
    "use a 12-digit village code of the loaded admin areas": "请使用已载入区划中的 12 位村居代码",
    "parent area is neither in this file nor loaded": "上级区划既不在本文件中，也未载入",
    "load the parent level first, or correct the code": "请先载入上级区划，或更正代码",
    "lies outside the loaded county boundaries": "位于已载入的县界之外",
    "check the coordinate system (--crs), or load the admin areas of its county first":
        "请核对坐标系（--crs），或先载入所在县的区划",
    "duplicate ID number, already on row {row}": "身份证号重复，第 {row} 行已有",
    "each person appears once; remove or correct the repeated row": "每人只出现一次；请删除或更正重复的行",
    "household {household} has a different address, village or position on its first row "
    "(row {row})":
        "户 {household} 与其第一行（第 {row} 行）的地址、村居或位置不同",
    "give household fields once, on the household's first row, or make them equal":
        "户信息只在该户第一行填写一次，或保持各行一致",
    "point is outside the loaded county boundary": "该点位于已载入的县界之外",
    "check the coordinate system (--crs) and whether lon and lat are swapped":
        "请核对坐标系（--crs）以及经纬度是否写反",
    "cannot tell which county the household belongs to": "无法判断该户属于哪个县",
    "give a village_code or coordinates inside the loaded county": "请填写村居代码，或已载入县内的坐标",
    "duplicate point_id, already on row {row}": "服务点编号重复，第 {row} 行已有",
    "give each service point its own point_id": "每个服务点应有自己的编号",
    "point is outside the loaded villages": "该点不在已载入的村居内",
    "unknown area code": "未知的区划代码",
    "use a code of the loaded admin areas": "请使用已载入区划的代码",
    "unknown household": "未知的户",
    "load the households file first, or correct the household number": "请先载入户籍文件，或更正户号",
    "unknown service team": "未知的服务队",
    "load the teams file first, or correct the team id": "请先载入服务队文件，或更正服务队编号",
    # ---- uploaded files (loaders/files/)
    "file": "文件",
    "{file} row {row}, column {column}": "{file} 第 {row} 行，列 {column}",
    "{file} column {column}": "{file} 列 {column}",
    "file not found": "找不到文件",
    "check the file name and upload it again": "请核对文件名后重新上传",
    "is a folder, not a file": "是文件夹，不是文件",
    "choose the file inside it": "请选择其中的文件",
    "(no extension)": "（无扩展名）",
    "unsupported file type {ext!r}; expected one of {expected}":
        "不支持的文件类型 {ext!r}；应为以下之一：{expected}",
    "open it in Excel or WPS and save as .xlsx (Excel Workbook) or CSV UTF-8":
        "请用 Excel 或 WPS 打开，另存为 .xlsx（Excel 工作簿）或 CSV UTF-8",
    "save the table as .xlsx or as CSV UTF-8": "请把表格另存为 .xlsx 或 CSV UTF-8",
    "open the file in Excel or WPS and save it as 'CSV UTF-8 (comma delimited)', or in "
    "Notepad choose Save As → Encoding: UTF-8":
        "请用 Excel 或 WPS 打开文件，另存为“CSV UTF-8（逗号分隔）”，或在记事本中选择"
        "另存为 → 编码：UTF-8",
    "line {line} is longer than {mb} MB; this is not a table": "第 {line} 行超过 {mb} MB；这不是表格",
    "upload a CSV or XLSX table": "请上传 CSV 或 XLSX 表格",
    "is saved as UTF-16 ('Unicode text'), which is not supported":
        "保存为 UTF-16（“Unicode 文本”），不支持该编码",
    "line {line} is not UTF-8 (bytes {bytes}) although the lines before it are UTF-8: the "
    "file mixes two encodings (probably UTF-8 and GBK)":
        "第 {line} 行不是 UTF-8（字节 {bytes}），而之前各行是 UTF-8：文件混用了两种编码"
        "（可能是 UTF-8 和 GBK）",
    "re-save the whole file in one encoding (UTF-8)": "请把整个文件以同一种编码（UTF-8）重新保存",
    "line {line} is GBK/GB18030 but line {utf8_line} is UTF-8: the file mixes two encodings":
        "第 {line} 行是 GBK/GB18030，而第 {utf8_line} 行是 UTF-8：文件混用了两种编码",
    "line {line} is neither UTF-8 nor GBK/GB18030 text (bytes {bytes}); the file may be "
    "damaged or in another encoding":
        "第 {line} 行既不是 UTF-8 也不是 GBK/GB18030 文本（字节 {bytes}）；文件可能已损坏"
        "或使用了其他编码",
    "the column name appears twice (columns {first} and {second})": "列名重复出现（第 {first} 列和第 {second} 列）",
    "rename or delete one of the two columns": "请重命名或删除其中一列",
    "file is empty: {detail}": "文件为空：{detail}",
    "check that you uploaded the right file and that it was saved with its data (header on "
    "row 1, data from row 2)":
        "请确认上传的是正确的文件，并且保存时带有数据（第 1 行为表头，数据从第 2 行开始）",
    "line {line} has {saw} fields but the header has {ncols} (fields are separated by "
    "{separator}s)":
        "第 {line} 行有 {saw} 个字段，但表头有 {ncols} 个（字段以 {separator} 分隔）",
    "put double quotes around values that contain a {separator}, or remove the extra cells":
        "请给含有 {separator} 的值加上双引号，或删除多出的单元格",
    "cannot be read as a {separator}-separated table: {error}": "无法按 {separator} 分隔的表格读取：{error}",
    "check the file in Excel or WPS and save it as CSV UTF-8": "请在 Excel 或 WPS 中检查文件，并另存为 CSV UTF-8",
    "open it in Excel or WPS and save it again, or save it as CSV UTF-8":
        "请用 Excel 或 WPS 打开后重新保存，或另存为 CSV UTF-8",
    "split the table into several files": "请把表格拆分为几个文件",
    "contains XML entity or DTD declarations, which are refused (they can expand without "
    "limit)":
        "含有 XML 实体或 DTD 声明，已拒绝（它们可以无限膨胀）",
    "open it in Excel or WPS and save it again as .xlsx": "请用 Excel 或 WPS 打开后重新保存为 .xlsx",
    "is not a readable .xlsx workbook ({error})": "不是可读的 .xlsx 工作簿（{error}）",
    "open it in Excel or WPS and save it again as .xlsx (Excel Workbook); an old .xls renamed "
    "to .xlsx does not work":
        "请用 Excel 或 WPS 打开后重新保存为 .xlsx（Excel 工作簿）；把旧的 .xls 改名为 .xlsx 不行",
    "has no sheet number {number}; its sheets are {sheets}": "没有第 {number} 个工作表；工作表有 {sheets}",
    "choose one of them": "请选择其中之一",
    "has no sheet {sheet!r}; its sheets are {sheets}": "没有工作表 {sheet!r}；工作表有 {sheets}",
    "rename the sheet or choose one of these": "请重命名工作表，或选择其中之一",
    "this cell is to the right of the last named column ({column}) and has no header":
        "该单元格在最后一个有名称的列（{column}）右侧，且没有表头",
    "give the column a header in row {row} or delete the cell": "请在第 {row} 行给该列加表头，或删除该单元格",
    "columns {first!r} and {second!r} both mean {column}": "列 {first!r} 和 {second!r} 都表示 {column}",
    "delete or rename one of them": "请删除或重命名其中之一",
    "{column} (the file has {found!r} — did you mean {column!r}?)":
        "{column}（文件中有 {found!r}——是否是指 {column!r}？）",
    "missing required column: {columns}": "缺少必需的列：{columns}",
    "rename the header cell in row 1 to an accepted name ({accepted}) or add the column":
        "请把第 1 行的表头改为可接受的名称（{accepted}），或添加该列",
    "missing required columns: {columns}": "缺少必需的列：{columns}",
    "rename the header cell in row 1 to an accepted name ({accepted}) or add the columns":
        "请把第 1 行的表头改为可接受的名称（{accepted}），或添加这些列",
    "would expand to {size:,} bytes, more than the {allowed:,} allowed":
        "解压后将达 {size:,} 字节，超过允许的 {allowed:,} 字节",
    "zip member {member!r} expands {ratio:,.0f}:1 ({packed:,} → {size:,} bytes), more than "
    "the {allowed:,.0f}:1 allowed; this looks like a zip bomb":
        "压缩包成员 {member!r} 的解压比为 {ratio:,.0f}:1（{packed:,} → {size:,} 字节），"
        "超过允许的 {allowed:,.0f}:1；这像是压缩炸弹",
    "export the layer as GeoPackage (.gpkg), GeoJSON, or a zipped Shapefile (.zip with "
    ".shp, .shx, .dbf, .prj, .cpg)":
        "请把图层导出为 GeoPackage（.gpkg）、GeoJSON 或压缩的 Shapefile（含 .shp、.shx、"
        ".dbf、.prj、.cpg 的 .zip）",
    "has no {file} beside it": "旁边没有 {file}",
    "upload all files of the shapefile together, zipped": "请把 Shapefile 的所有文件一起压缩后上传",
    "cannot be opened as {format} ({error})": "无法作为 {format} 打开（{error}）",
    "check that the file is complete and export it again": "请确认文件完整，并重新导出",
    "has {n} layers: {layers}": "有 {n} 个图层：{layers}",
    "choose one with the layer parameter": "请用 layer 参数选择其中一个",
    "has no layer {layer!r}; layers: {layers}": "没有图层 {layer!r}；图层有：{layers}",
    "choose one of these": "请选择其中之一",
    "cannot be read ({error})": "无法读取（{error}）",
    "has an absolute path": "带有绝对路径",
    "contains '..' (it would be written outside the extraction folder)":
        "含有“..”（会写到解压文件夹之外）",
    "contains a NUL character": "含有 NUL 字符",
    "is not a valid zip archive ({error})": "不是有效的 zip 压缩包（{error}）",
    "zip the shapefile again (select the .shp, .shx, .dbf, .prj and .cpg files → Send to → "
    "Compressed folder)":
        "请重新压缩 Shapefile（选中 .shp、.shx、.dbf、.prj 和 .cpg 文件 → 发送到 → 压缩文件夹）",
    "zip member '{member}' {problem}": "压缩包成员“{member}”{problem}",
    "zip the shapefile files directly, without folders outside the archive":
        "请直接压缩 Shapefile 的各个文件，不要带压缩包外的文件夹",
    "zip member {member!r} is a symbolic link": "压缩包成员 {member!r} 是符号链接",
    "zip the real files instead of links": "请压缩真实文件而不是链接",
    "upload the shapefile zipped normally": "请上传正常压缩的 Shapefile",
    "split the layer or simplify it": "请拆分或简化图层",
    "contains no .shp file; it contains: {listing}": "不含 .shp 文件；其中有：{listing}",
    "zip the shapefile's .shp, .shx, .dbf, .prj and .cpg files together":
        "请把 Shapefile 的 .shp、.shx、.dbf、.prj 和 .cpg 文件一起压缩",
    "contains several shapefiles: {names}": "含有多个 Shapefile：{names}",
    "choose one with the layer parameter, or zip one per upload":
        "请用 layer 参数选择其中一个，或每次上传只压缩一个",
    "has no single shapefile named {layer!r}; it has {names}":
        "没有唯一名为 {layer!r} 的 Shapefile；其中有 {names}",
    "{member!r} has no {file} beside it (a shapefile needs .shp, .shx and .dbf)":
        "{member!r} 旁边没有 {file}（Shapefile 需要 .shp、.shx 和 .dbf）",
    "zip all files of the shapefile together": "请把 Shapefile 的所有文件一起压缩",
    "expands to more than {allowed:,} bytes (more than its header declares)":
        "解压后超过 {allowed:,} 字节（超出其文件头声明的大小）",
    "upload a smaller or an intact archive": "请上传更小或完整的压缩包",
    "zip member {member!r} expands more than {allowed:,.0f}:1; this looks like a zip bomb":
        "压缩包成员 {member!r} 的解压比超过 {allowed:,.0f}:1；这像是压缩炸弹",
    "no .prj: the coordinate system is unknown (crs is None); set it before use":
        "没有 .prj：坐标系未知（crs 为 None）；使用前请先设定",
    "no .cpg: attribute text read as UTF-8": "没有 .cpg：属性文本按 UTF-8 读取",
    "no .cpg: attribute text is not UTF-8, read as GB18030 (GBK)":
        "没有 .cpg：属性文本不是 UTF-8，按 GB18030（GBK）读取",
    "no .cpg and the attribute text is neither UTF-8 nor GBK; read as GB18030, some text "
    "may be garbled":
        "没有 .cpg，且属性文本既不是 UTF-8 也不是 GBK；按 GB18030 读取，部分文字可能乱码",
    "the shapefile cannot be read ({error})": "无法读取该 Shapefile（{error}）",
    "check that the .cpg names a real encoding (e.g. UTF-8 or GBK) and export the layer "
    "again":
        "请确认 .cpg 写的是真实的编码（例如 UTF-8 或 GBK），并重新导出图层",
    "the feature has no geometry": "该要素没有几何图形",
    "draw the shape or delete the feature": "请绘制图形或删除该要素",
    "is not a polygon": "不是面要素",
    "this layer needs polygons": "该图层需要面要素",
    "the geometry is invalid and has no area left after repair": "几何图形无效，修复后已没有面积",
    "redraw the shape": "请重新绘制图形",
    "feature {n}: {problem} repaired": "要素 {n}：已修复 {problem}",
    "cannot be read as an OSM PBF extract ({error})": "无法作为 OSM PBF 数据读取（{error}）",
    "download the extract again (e.g. from Geofabrik, .osm.pbf)":
        "请重新下载数据（例如从 Geofabrik 下载 .osm.pbf）",
    "nothing": "没有任何文件",
    ", … ({n} files)": "，……（共 {n} 个文件）",
    "sheet {sheet!r} has no cells with data": "工作表 {sheet!r} 中没有含数据的单元格",
    "it has a header row but no data rows": "只有表头行，没有数据行",
    "it contains only blank lines": "只有空行",
    "it has 0 bytes": "大小为 0 字节",
    "contains a NUL character (\\0), which cannot be stored":
        "含有 NUL 字符（\\0），无法保存",
    "remove it; a file full of them is not text (perhaps UTF-16: save it as UTF-8)":
        "请删除它；若文件中到处都是，则它不是文本文件（可能是 UTF-16：请另存为 UTF-8）",
}
