"""Chinese text of messages shared by every part (see gis/messages.py)."""

ZH: dict[str, str] = {
    # role names (gis.messages.role_name)
    "Province staff": "省级工作人员",
    "City staff": "市级工作人员",
    "County staff": "县级工作人员",
    "Township staff": "乡镇（街道）工作人员",
    "Village staff": "村（社区）工作人员",
    "Planner": "规划人员",
    "Auditor": "审计人员",
    " or ": "或",
    # event kinds (gis.messages.event_kind_name): the words of the map's panel
    "visit": "走访",
    "distribution": "药具发放",
    "follow-up": "随访",
    "move-in": "迁入",
    "move-out": "迁出",
    "unknown event kind {kind!r}; expected one of: {items}": "未知的服务记录类型 {kind!r}；应为以下之一：{items}",
    # an area as the map names it (gis.messages.area_label; only English uses it)
    "Grid {n}": "第{n}网格",
    # the login page (webmap/auth.py)
    "too many attempts: try again in {time}": "尝试次数过多，请 {time} 后再试",
    "wrong name or password": "用户名或密码错误",
    "{n} s": "{n} 秒",
    "{n} min": "{n} 分钟",
    # role names take no article (issue 15: "a Auditor")
    "this is for {items} accounts; your account's role is {role}": "此功能仅供{items}使用；您的账号角色是{role}",
    # gis/users.py check_name (outside tester, s25: "county " and cli:root were accounts)
    "account name {name} is not allowed: use 1-64 ASCII letters, digits, '_', "
    "'.' or '-', starting with a letter ('cli:' names the console's operators)": "账号名 {name} 不可用：只能用 1-64 个 ASCII 字母、数字、'_'、"
    "'.' 或 '-'，并以字母开头（'cli:' 表示命令行的操作员）",
    "{role} accounts are assigned to an area of level {items}; {area_code} is of level "
    "{level}": "{role}账号应分配到以下级别的区划：{items}；{area_code} 的级别是 {level}",
    # gis/exports/geo.py, the web layers export (issue 15, finding 10: no command-line flag)
    "a GeoJSON file holds one layer: ask for one with layer= ({items}), or download "
    "layers.gpkg, which holds them all": "一个 GeoJSON 文件只能有一个图层：请用 layer=（{items}）"
    "指定一个，或下载包含全部图层的 layers.gpkg",
    "{what} not found": "未找到{what}",
    "an atlas of {pages} pages is too large to make while you wait (at most "
    "{limit} here): choose a smaller area (area=a township's code) or "
    "per=township, or make it on the server with `popgis export atlas`": "图集共 {pages} 页，太大，无法在线等待生成（此处最多 {limit} 页）：请选择较小的区域"
    "（area=乡镇代码）或 per=township，或在服务器上用 `popgis export atlas` 生成",
    # gis/crs.py: CRSError
    "CRS {name!r} has no EPSG code; expected one of {expected}": "坐标系 {name!r} 没有 EPSG 代码；应为以下之一：{expected}",
    "CRS must be a name or EPSG code, got {type} {name!r}; expected one of {expected}": "坐标系应为名称或 EPSG 代码，收到的是 {type} {name!r}；应为以下之一：{expected}",
    "unknown CRS {name!r}; expected one of {expected}": "未知的坐标系 {name!r}；应为以下之一：{expected}",
    "; reproject the data to one of these first (e.g. in QGIS)": "；请先把数据转换到其中之一（例如用 QGIS）",
    "; did you mean {hint}?": "；是不是 {hint}？",
    "cannot choose a UTM zone: no finite lon/lat values were given": "无法选择 UTM 分带：没有给出有效的经纬度",
    "cannot choose a UTM zone for lon {lon}, lat {lat}: outside "
    "[-180, 180] × [-90, 90]; are these projected metres, or lat/lon swapped?": "无法为经度 {lon}、纬度 {lat} 选择 UTM 分带："
    "超出 [-180, 180] × [-90, 90]；这些是投影坐标（米），还是经纬度写反了？",
    "{operation} needs a projected CRS in metres, but the data has no CRS; "
    "set it first (e.g. gdf.set_crs('EPSG:4326'))": "{operation} 需要以米为单位的投影坐标系，但数据没有坐标系；"
    "请先设置（例如 gdf.set_crs('EPSG:4326')）",
    "{operation}: cannot interpret CRS {crs!r}: {error}": "{operation}：无法识别坐标系 {crs!r}：{error}",
    "a WGS-84 UTM zone (gis.crs.utm_epsg_for(lon, lat)) or a CGCS2000 "
    "Gauss-Krüger zone (EPSG:4491–4554)": "WGS-84 的 UTM 分带（gis.crs.utm_epsg_for(lon, lat)）或 CGCS2000 "
    "高斯-克吕格分带（EPSG:4491–4554）",
    "convert {crs} to WGS-84 with gis.crs.to_wgs84 first, then reproject to {target}": "先用 gis.crs.to_wgs84 把 {crs} 转为 WGS-84，再转换到 {target}",
    "reproject to {target}": "请转换到 {target}",
    "{operation} needs a projected CRS in metres, but the data is in {crs}, which "
    "is in degrees; {suggestion}": "{operation} 需要以米为单位的投影坐标系，但数据的坐标系是 {crs}（单位为度）；{suggestion}",
}
