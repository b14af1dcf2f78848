"""Chinese text of the api messages (see gis/messages.py): errors the web app and the
OGC API give, raised in webmap/ and in gis (gate, analysis, exports, users, logins)."""

ZH: dict[str, str] = {
    # what NotFound names ("{what} not found" is in common.py)
    "record": "记录",
    "household": "户",
    "person": "人员",
    "building": "楼栋",
    "user": "用户",
    "active user": "有效用户",
    "open session": "未结束的会话",
    "admin area": "行政区划",
    "admin area with a polygon": "有边界的行政区划",
    "feature": "要素",
    "collection": "数据集",
    "review item": "审核条目",
    "token": "令牌",
    "tile layer {layer!r} (layers: {layers})": "瓦片图层 {layer!r}（图层：{layers}）",
    # webmap/errors.py
    "the database took too long to answer; narrow the request": "数据库响应超时；请缩小查询范围",
    "the database is unavailable; try again in a few seconds": "数据库暂时不可用；请几秒后重试",
    "invalid value: {problem}": "无效的值：{problem}",
    "internal error": "内部错误",
    "internal error; see the server log": "内部错误；请查看服务器日志",
    # webmap/auth.py, webmap/ogc.py
    "this request did not come from a popgis page (CSRF check); reload the page and try "
    "again": "此请求并非来自 popgis 页面（CSRF 检查）；请刷新页面后重试",
    "log in first": "请先登录",
    # HTTP errors of the web app (unmatched routes, wrong methods, …)
    "there is nothing at {path}": "找不到 {path}",
    "{method} is not accepted at {path}; use {allowed}": "{path} 不接受 {method} 请求；请用 {allowed}",
    "the request is too large": "请求内容过大",
    "the request could not be served (HTTP {status})": "无法处理该请求（HTTP {status}）",
    "Page not found": "找不到页面",
    "Request refused": "无法处理请求",
    "Service unavailable": "服务暂时不可用",
    # service point kinds by name (gis/analysis/instance.py)
    ", ": "、",
    "Distribution point": "药具发放点",
    "Service station": "计生服务站",
    "Clinic": "卫生院/诊所",
    "Pharmacy": "药店",
    "Self-service machine": "自助发放机",
    "Outreach point": "外展服务点",
    "orientation={v} and landscape= disagree; send one of them": "orientation={v} 与 landscape= 互相矛盾；请只发送其中一个",
    "kinds must be a list of service kinds: {items}; got {show}": "kinds 应为服务点类型的列表：{items}；收到的是 {show}",
    "added site {n}: {key} must be a number within [{low}, {high}]; got {show}": "第 {n} 个新增点：{key} 应为 [{low}, {high}] 范围内的数字；收到的是 {show}",
    "cover_pct must be a percentage in (0, 100]; got {show}": "cover_pct 应为 (0, 100] 范围内的百分比；收到的是 {show}",
    "{name} must be a JSON number, not {show}": "{name} 必须是 JSON 数字，而不是 {show}",
    "{name} must be a whole JSON number, not {show}": "{name} 必须是 JSON 整数，而不是 {show}",
    "Server error": "服务器错误",
    "API tokens work only with the OGC API (/ogc), the tiles and the exports; log in to use this": "API 令牌只能用于 OGC API（/ogc）、瓦片和导出；使用此功能请先登录",
    "Back to the map": "返回地图",
    "invalid, expired or revoked API token; make a new one with `popgis users token NAME`": "API 令牌无效、已过期或已吊销；请用 `popgis users token 用户名` 重新生成",
    "API tokens are read-only": "API 令牌只能读取",
    "log in first, or send an API token as Authorization: Bearer …": "请先登录，或以 Authorization: Bearer … 发送 API 令牌",
    "unsupported format f={f!r}; this service speaks f=json": "不支持的格式 f={f!r}；本服务只提供 f=json",
    "bbox-crs {crs!r} not supported; use {CRS84}": "不支持 bbox-crs {crs!r}；请用 {CRS84}",
    # webmap/api.py, audit.py, planning.py, review.py, tiles.py, exports.py
    "unknown level {level!r}; expected county, township, village or grid": "未知层级 {level!r}；应为 county、township、village 或 grid",
    "unknown level {level!r}; expected county or township": "未知层级 {level!r}；应为 county 或 township",
    "expected a JSON object body": "请求体应为 JSON 对象",
    "{name}={show}; expected 1, 0, true or false": "{name}={show}；应为 1、0、true 或 false",
    "expected a JSON body (Content-Type: application/json)": "请求体应为 JSON（Content-Type: application/json）",
    "the JSON body is nested too deeply": "JSON 请求体嵌套层数过多",
    "the JSON body holds text that is not valid Unicode (e.g. a lone surrogate)": "JSON 请求体含有无效的 Unicode 文本（例如孤立的代理字符）",
    "the body is not valid JSON": "请求体不是有效的 JSON",
    # gis/gate record_event
    "event date {day} is outside {low} to today ({today})": "事件日期 {day} 不在 {low} 至今天（{today}）之间",
    "that person is not a member of household {hid}": "此人不是户 {hid} 的成员",
    "team_id={team_id}: no such service team in this county": "team_id={team_id}：本县没有这个服务队",
    # gis/logins.py
    "name an account or an address to unlock": "请指定要解锁的账号或地址",
    "{key} must be a number (WGS-84 degrees)": "{key} 必须是数字（WGS-84 度）",
    "level={level} is above the area summed in, {name} ({code}): ask for level=township": "level={level} 高于所统计的区域 {name}（{code}）：请改用 level=township",
    "level={level}: {name} ({code}) is smaller than a township, and these figures are of counties and townships; villages and grids have theirs at /api/density/choropleth?level=village (or level=grid)": "level={level}：{name}（{code}）小于乡镇，而这些数字按县或乡镇统计；村和网格的数字见 /api/density/choropleth?level=village（或 level=grid）",
    "{name} must be YYYY-MM-DD": "{name} 的格式应为 YYYY-MM-DD",
    "{name}={show}: there is no month {month}": "{name}={show}：没有 {month} 月",
    "{name}={show}: there is no such day ({year}-{month:02d} has {days} days)": "{name}={show}：没有这一天（{year} 年 {month} 月只有 {days} 天）",
    "since={since!r}; expected a date YYYY-MM-DD": "since={since!r}；应为日期 YYYY-MM-DD",
    "{name} is required": "缺少 {name}",
    "send a JSON object: {model, k, radius, demand, …}": "请发送 JSON 对象：{model, k, radius, demand, …}",
    "sites must be a list of {lon, lat, name}": "sites 应为 {lon, lat, name} 的列表",
    "this review item has no candidate to accept; place the household on the map by "
    "hand": "此待核对项没有可接受的候选位置；请在地图上手动定位该户",
    "k is missing: give the number of new sites to place (K on the planner page), a whole "
    'number in [{low}, {high}], e.g. "k": 2': '缺少 k：请给出要新增的点位数（规划页上的“新增点数 K”），[{low}, {high}] 内的整数，例如 "k": 2',
    "0 (the only candidate)": "0（唯一的候选位置）",
    "a whole number from 0 to {last}": "0 到 {last} 的整数",
    "candidate is null: send the number of the candidate to accept, {numbers}, "
    'e.g. "candidate": 0': 'candidate 为 null：请给出要接受的候选位置编号：{numbers}，例如 "candidate": 0',
    "candidate is missing: send the number of the candidate to accept, {numbers}, "
    'e.g. "candidate": 0': '缺少 candidate：请给出要接受的候选位置编号：{numbers}，例如 "candidate": 0',
    "candidate={show} is true/false, not a number: send the number of the candidate to "
    'accept, {numbers}, e.g. "candidate": 0': 'candidate={show} 是 true/false，不是数字：请给出要接受的候选位置编号：{numbers}，例如 "candidate": 0',
    "candidate={show} is not a candidate of this review item: send {numbers}, "
    'e.g. "candidate": 0': 'candidate={show} 不是此待核对项的候选位置：请给出 {numbers}，例如 "candidate": 0',
    "k={show} is true/false, not a number: send the number of new sites, a whole number "
    'in [{low}, {high}], e.g. "k": 2': 'k={show} 是 true/false，不是数字：请给出新增点位数，[{low}, {high}] 内的整数，例如 "k": 2',
    "datum={datum!r}; expected wgs84 or gcj02": "datum={datum!r}；应为 wgs84 或 gcj02",
    "{name}={v!r}; expected one of {items}": "{name}={v!r}；应为以下之一：{items}",
    "as_of={as_of!r}; expected a date YYYY-MM-DD": "as_of={as_of!r}；应为日期 YYYY-MM-DD",
    "unknown map format {fmt!r}; expected png or pdf": "未知地图格式 {fmt!r}；应为 png 或 pdf",
    # webmap/params.py
    "{name} must be a whole number": "{name} 必须是整数",
    "{name}={value} is outside [{low}, {high}]": "{name}={value} 超出范围 [{low}, {high}]",
    "{name} must be a number": "{name} 必须是数字",
    "{name}={show} is outside [{low:g}, {high:g}]": "{name}={show} 超出范围 [{low:g}, {high:g}]",
    "{name} must be text, not {kind}": "{name} 必须是文本，而不是 {kind}",
    "{name} contains a control character (e.g. NUL)": "{name} 含有控制字符（如 NUL）",
    "{name} is longer than {max_len} characters": "{name} 超过 {max_len} 个字符",
    "{name}={show}: expected 4 numbers minlon,minlat,maxlon,maxlat": "{name}={show}：应为 4 个数 minlon,minlat,maxlon,maxlat",
    "{name}={show}: latitudes must be within [-90, 90]": "{name}={show}：纬度必须在 [-90, 90] 之内",
    "{name}={show}: minlat is above maxlat": "{name}={show}：minlat 大于 maxlat",
    "unknown query parameter {show}; this resource takes {allowed}": "未知的查询参数 {show}；此资源接受：{allowed}",
    "{name} must be a whole number in digits 0-9; got {show}": "{name} 必须是由数字 0-9 组成的整数；收到 {show}",
    "{name} must be a number; got {show}": "{name} 必须是数字；收到 {show}",
    "query parameter {show} contains a control character": "查询参数 {show} 含有控制字符",
    "{key}={value} is too large": "{key}={value} 过大",
    "{key} contains a control character": "{key} 含有控制字符",
    # gis/gate
    "{role} accounts see aggregates only": "{role}账号只能查看汇总数据",
    "{filters}: filters of households, for the roles that see households ({roles}); {role} "
    "accounts see aggregates only: leave them out": "{filters}：这些是住户筛选条件，仅供可查看住户的角色"
    "（{roles}）使用；{role}账号只能查看汇总数据：请去掉这些参数",
    "showing full ID or phone numbers needs a reason": "显示完整身份证号或电话号码需要说明理由",
    "lon/lat {lon}, {lat} out of range; expected WGS-84 degrees": "经纬度 {lon}, {lat} 超出范围；应为 WGS-84 度",
    "that place is outside your jurisdiction": "该位置不在您的辖区内",
    "unknown event kind {kind!r}; expected {items}": "未知的服务记录类型 {kind!r}；应为 {items}",
    "cannot change {fields}; editable: {editable}": "不能修改 {fields}；可修改：{editable}",
    "unknown demand population {population!r}; expected {items}": "未知的需求人群 {population!r}；应为 {items}",
    "building {building_id} does not exist": "楼栋 {building_id} 不存在",
    "the point is {dist:,.0f} m from building {building_id}; a manual place must be within "
    "{MAX_BUILDING_DISTANCE_M:.0f} m of the building it names": "该点距楼栋 {building_id} {dist:,.0f} 米；手工定位必须在所指楼栋 "
    "{MAX_BUILDING_DISTANCE_M:.0f} 米以内",
    "this household has no geocoded place to restore": "该户没有可恢复的地址定位",
    "this household is on its geocoded place already (its manual place was undone): "
    "nothing to restore": "该户已在其地址定位上（手工位置已撤销），无需恢复",
    "this household was never placed by hand: it is on its geocoded place, nothing to "
    "restore": "该户从未被手工定位：它就在其地址定位上，无需恢复",
    "the geocoded place is outside your jurisdiction": "地址定位的位置不在您的辖区内",
    "the candidate names no known building or village": "该候选项不对应任何已知楼栋或村（社区）",
    # gis/users.py, users_tokens.py, logins.py
    "password too short: at least {MIN_PASSWORD_LENGTH} characters": "密码太短：至少 {MIN_PASSWORD_LENGTH} 个字符",
    "that password is too common or contains the user name; choose another (a few "
    "unrelated words work well)": "该密码太常见或包含用户名；请另选一个（几个不相关的词组合起来效果很好）",
    "that password is among the commonest or too easy to guess; choose another (a few "
    "unrelated words work well)": "该密码属于最常见或太容易猜到的密码；请另选一个（几个不相关的词组合起来效果很好）",
    "unknown role {role!r}; expected one of {items}": "未知角色 {role!r}；应为以下之一：{items}",
    "user {name!r} exists already": "用户 {name!r} 已存在",
    "user {name!r} exists already, disabled; `popgis users enable {name}` lets them log in again": "用户 {name!r} 已存在，已停用；`popgis users enable {name}` 可让其重新登录",
    "a token lives 1 to {MAX_DAYS} days; got {days}": "令牌有效期为 1 到 {MAX_DAYS} 天；收到 {days}",
    # gis/analysis
    "no radius for {items}; give one number of metres or kind=metres for each kind": "没有 {items} 的半径；请给出一个米数，或为每种类型给出 类型=米数",
    "empty demand: no located demand in this area for the chosen population": "需求为空：该地区所选人群没有已定位的需求",
    "nobody of the chosen population is placed in this area: 0 of 0 covered": "该地区没有已定位的所选人群：覆盖 0/0",
    "no roads loaded in this county: coverage along roads needs `popgis load roads FILE` "
    "(or an OSM extract) first": "本县尚未加载道路：沿道路计算覆盖需要先 `popgis load roads 文件`"
    "（或 OSM 数据）",
    "radius {show} is not allowed: metres, more than 0 and at most {high}; e.g. 800": "半径 {show} 不允许：应为大于 0 且不超过 {high} 的米数；例如 800",
    "radius must be more than 0 metres; got {radius}": "半径必须大于 0 米；收到 {radius}",
    "radius {part!r} is not a number of metres; expected e.g. 800 or clinic=1500,machine=300": "半径 {part!r} 不是米数；应如 800 或 clinic=1500,machine=300",
    "radius {part!r} is not a number of metres; expected e.g. 800": "半径 {part!r} 不是米数；应如 800",
    "radius given for {kind!r}, which is not among the chosen kinds {items}": "给出了 {kind!r} 的半径，但它不在所选类型 {items} 之中",
    "{cover_pct:g}% of demand cannot be covered: at most {best:.2f}% lies within the radius "
    "of a candidate or an existing site; lower {cover} or add candidates": "无法覆盖 {cover_pct:g}% 的需求：最多只有 {best:.2f}% 位于候选点或现有点位的半径内；"
    "请降低 {cover} 或增加候选点",
    "{cover_pct:g}% of demand cannot be covered with at most K={k} new sites; raise {k_name} or "
    "lower {cover}": "最多新增 K={k} 个点位无法覆盖 {cover_pct:g}% 的需求；请提高 {k_name} 或降低 {cover}",
    "admin area {area_code} has no outline; load the admin boundaries first": "行政区划 {area_code} 没有边界；请先加载行政区划边界",
    "unknown service point kind {kinds}; expected one or more of {expected}": "未知的服务点类型 {kinds}；应为以下一种或多种：{expected}",
    "no service point kinds given; expected one or more of {items}": "没有给出服务点类型；应为以下一种或多种：{items}",
    "unknown building use {uses}; expected {expected}": "未知的楼栋用途 {uses}；应为 {expected}",
    "{source} row {row}, column {col}: {cell!r} is not a number{hint} ({n} such rows)": "{source} 第 {row} 行，{col} 列：{cell!r} 不是数字{hint}（共 {n} 行如此）",
    "{source}: missing column {missing}; expected columns id, lon, lat (WGS-84 degrees) and "
    "optional {optional}; found {found}": "{source}：缺少列 {missing}；应有列 id、lon、lat"
    "（WGS-84 度），可选 {optional}；实际为 {found}",
    "; expected WGS-84 longitude in degrees": "；应为 WGS-84 经度（度）",
    "; expected WGS-84 latitude in degrees (are lat and lon swapped?)": "；应为 WGS-84 纬度（度）（经纬度是否颠倒？）",
    "; expected a count ≥ 0": "；应为 ≥ 0 的数量",
    "; expected the demand a site can serve": "；应为一个点位能服务的需求量",
    "below": "低于",
    "above": "高于",
    "{source}: no rows": "{source}：没有数据行",
    "{source} row {row}, column id: empty id": "{source} 第 {row} 行，id 列：id 为空",
    "{source} row {row}, column id: {id!r} appears twice; ids must be unique": "{source} 第 {row} 行，id 列：{id!r} 重复出现；id 必须唯一",
    "{source} row {row}: lon {lon:g}, lat {lat:g} lies outside China but would fit with lat "
    "and lon swapped; swap the columns": "{source} 第 {row} 行：经度 {lon:g}、纬度 {lat:g} "
    "在中国境外，但经纬度互换后就在境内；请交换这两列",
    "{source}: empty demand (all weights are 0)": "{source}：需求为空（权重全为 0）",
    "{source} row {row}, column fixed: {cell!r} is not true/false (or 1/0)": "{source} 第 {row} 行，fixed 列：{cell!r} 不是 true/false（或 1/0）",
    "{source} row {row}, column {col}: {cell:g} is {word} {limit:g}{hint}": "{source} 第 {row} 行，{col} 列：{cell:g} {word} {limit:g}{hint}",
    "unknown model {model!r}; expected {items}": "未知模型 {model!r}；应为 {items}",
    "empty demand: there is no demand (or all weights are 0) to place sites for": "需求为空：没有需要布点的需求（或权重全为 0）",
    "no candidates: give candidate sites (building uses, grid centroids, or a --candidates "
    "file with non-fixed rows)": "没有候选点：请给出候选点位（楼栋用途、网格中心点，或含非固定行的 "
    "--candidates 文件）",
    "{cover} must be a percentage in (0, 100]; got {cover_pct}": "{cover} 必须是 (0, 100] 内的百分比；收到 {cover_pct}",
    "set cover does not take capacities; use mclp or pmedian with capacities, or drop the "
    "capacity column": "集合覆盖模型不考虑容量；有容量时请用 mclp 或 pmedian，或删去 capacity 列",
    "K must be a whole number of new sites, at least 1; got {k}": "K 必须是新增点位数（整数，至少为 1）；收到 {k}",
    "K={k} is larger than the number of candidates ({free}); lower K or add candidates": "K={k} 大于候选点数（{free}）；请降低 K 或增加候选点",
    "no solution found ({status}); raise {time_limit}": "未找到解（{status}）；请提高 {time_limit}",
    "no solution found within {time_limit}={seconds:g} seconds: too short to find any "
    "solution for this plan; raise {time_limit}": "在 {time_limit}={seconds:g} 秒内未找到解：对本次规划来说时间太短，"
    "求解器找不到任何解；请提高 {time_limit}",
    "no candidates: give candidate sites (uses: building uses, grid_centroids: true, or "
    "sites: places added on the map)": "没有候选点：请给出候选点位（uses：楼栋用途；grid_centroids：true；"
    "或 sites：在地图上添加的点）",
    "the sites' capacities add up to {capacity:g}, less than the demand {demand:g}: no "
    "assignment exists": "各点位容量合计 {capacity:g}，小于需求 {demand:g}：不存在可行分配",
    "{area} is a {level} of several counties: its coverage is the sum of its "
    "counties' coverage, computed county by county (`popgis coverage --area "
    "{area}`); give one county or an area within one": "{area} 是包含多个县的{level}：其覆盖情况是各县覆盖"
    "情况之和，须按县逐个计算（`popgis coverage --area {area}`）；请给出一个县或县内的区划",
    # gis/analysis/pmedian_candidates.py, pmedian_radius.py: a p-median too large to build
    "use fewer candidates (uses, grid_centroids, sites) or a smaller area, or the "
    "mclp model": "请减少候选点（uses、grid_centroids、sites）或缩小区域（area），或改用 mclp 模型",
    "use fewer candidates or a --demand-file with fewer units, or the mclp model": "请减少候选点，"
    "或用单元更少的 --demand-file，或改用 mclp 模型",
    "p-median with {n} demand locations and {m} sites needs more than {limit:,} "
    "{counted}; {fix}": "{n} 个需求点、{m} 个点位的 p-中位模型需要超过 {limit:,} 个{counted}；{fix}",
    "assignment variables": "分配变量",
    "unit–candidate distances in its model": "需求–候选距离",
    "p-median with {k_name}={k}: its model would hold {nnz:,} entries (more than "
    "{limit:,}; {pairs:,} unit–candidate distances for {n:,} demand locations), "
    "more memory than a plan may take; raise {k_name}, include more kinds of "
    "existing service points (demand near one needs no far candidates), or {fix}": "{k_name}={k} 的 "
    "p-中位模型将含 {nnz:,} 个非零项（超过 {limit:,}；{n:,} 个需求点共 {pairs:,} 个需求–候选距离），"
    "所需内存超出一次规划的上限；请提高 {k_name}，纳入更多种类的现有服务点（靠近现有服务点的需求"
    "无需远处的候选点），或{fix}",
    # gis/exports
    "unknown atlas unit {per!r}; expected village or township": "未知的图集单元 {per!r}；应为 village 或 township",
    "area {area_code} has no {per} to make pages of": "地区 {area_code} 没有可制作图页的{per}",
    "area {area_code} has no {per} to make pages of: it lies inside one; ask for the atlas of "
    "{holder} (its {per}), or for a map of {area_code} alone": "地区 {area_code} 没有可制作图页的{per}：它位于一个{per}之内；请导出 {holder}（其所在{per}）的图集，或只导出 {area_code} 的一幅地图",
    "no CJK font found for Chinese map text; install Debian fonts-noto-cjk (`make install` "
    "does it)": "未找到用于地图中文的 CJK 字体；请安装 Debian 的 fonts-noto-cjk（`make install` 会安装）",
    "unknown paper size {size!r}; expected A4 or A3": "未知纸张大小 {size!r}；应为 A4 或 A3",
    "bbox {bbox} is empty; expected minlon,minlat,maxlon,maxlat": "范围 {bbox} 为空；应为 minlon,minlat,maxlon,maxlat",
    "bbox {bbox} is empty; expected west,south,east,north": "范围 {bbox} 为空；应为 西,南,东,北",
    "the view {bbox} shows nothing of {area}; move the map to it and export again": "当前视图 {bbox} 不在{area}范围内；请将地图移回该范围后再导出",
    "unknown layer format {fmt!r}; expected gpkg or geojson": "未知图层格式 {fmt!r}；应为 gpkg 或 geojson",
    "a GeoJSON file holds one layer; choose it with --layer ({items}) or use the GeoPackage "
    "format": "一个 GeoJSON 文件只能有一个图层；请用 --layer（{items}）选择，或改用 GeoPackage 格式",
    "unknown layer {name!r}; expected {items}": "未知图层 {name!r}；应为 {items}",
    "unknown map layer {layer!r}; expected {items}": "未知地图图层 {layer!r}；应为 {items}",
    "per={per!r}; expected village or grid": "per={per!r}；应为 village 或 grid",
    "exports are made for one county at a time: give area=<county code> (one of your counties)": "导出按县（市、区）进行：请给出 area=<县级代码>（您辖区内的县）",
    "area is missing: exports are made one county at a time; send area=<12-digit county code> "
    "with one of your counties, e.g. area={example}": "缺少 area：导出按县（市、区）进行；请用 "
    "area=<12 位县级代码> 给出您辖区内的一个县，例如 area={example}",
    "{param}={code}: no such area in your jurisdiction ({name}); send the 12-digit code of "
    "an area in it, e.g. {param}={example}": "{param}={code}：您的辖区（{name}）内没有这个区划；"
    "请发送辖区内区划的 12 位代码，例如 {param}={example}",
    "area={code} is {name}, not a county: exports are made one county at a time; send "
    "area=<12-digit county code> with one of its counties, e.g. area={example}": "area={code} "
    "是{name}，不是县（市、区）：导出按县进行；请用 area=<12 位县级代码> 给出其中的一个县，例如 area={example}",
    "this place (lon {lon:.5f}, lat {lat:.5f}) lies outside {area}, the area of this plan: a "
    "candidate site there serves none of its demand; click inside the outline of {area}": "此处"
    "（经度 {lon:.5f}，纬度 {lat:.5f}）位于本次规划的区域{area}之外：在此添加候选点不服务任何需求；"
    "请在{area}的边界内点击",
    "unknown table format {fmt!r}; expected xlsx or csv": "未知表格格式 {fmt!r}；应为 xlsx 或 csv",
    "building {id} does not exist": "楼栋 {id} 不存在",
    "the point is {dist} m from the building; a household placed by hand must be within "
    "{limit} m of the building it names": "该点距所选楼栋 {dist} 米；手动定位的住户必须在所选楼栋 {limit} 米以内",
    "this moves the household from {old} to {new}, whose staff will then see it instead; "
    "confirm to move it": "这会把该户从{old}移到{new}，此后由{new}的工作人员查看；请确认是否移动",
    # webmap/planning.py: the planner API's parameters (issue 15, finding 11)
    "{name} must be a list of names; got {show}": "{name} 必须是名称列表；收到 {show}",
    "cover_pct={show} is not allowed: it is the percentage of demand to cover, a number in "
    "(0, 100]; send e.g. cover_pct=95 (100 covers everyone)": "cover_pct={show} 不允许：它是需要覆盖的需求百分比，应为 (0, 100] 内的数；"
    "例如 cover_pct=95（100 表示全部覆盖）",
    "time_limit={show} is not a number of seconds: send a number in the allowed range "
    '[{low:g}, {high:g}] seconds, e.g. "time_limit": 30': "time_limit={show} 不是秒数：请给出允许范围 "
    '[{low:g}, {high:g}] 秒内的数字，例如 "time_limit": 30',
    "time_limit={show} is outside the allowed range [{low:g}, {high:g}] seconds; send e.g. "
    '"time_limit": 30': 'time_limit={show} 超出允许范围 [{low:g}, {high:g}] 秒；请给出例如 "time_limit": 30',
    " (less is too short for the solver to find a solution)": "（更短时求解器来不及找到解）",
    "as_of={show} is not a date YYYY-MM-DD between {low} and {high}": "as_of={show} 不是 {low} 至 {high} 之间的日期（YYYY-MM-DD）",
    "unknown member {show} in the JSON body; this resource takes {allowed}": "JSON 正文中有未知成员 {show}；此接口接受 {allowed}",
    "{where}: unknown member {show}; it takes {allowed}": "{where}：有未知成员 {show}；它接受 {allowed}",
    "added site {n}": "第 {n} 个新增点",
    "{name}={show}; send true or false (a JSON boolean, without quotes)": "{name}={show}；请发送 true 或 false（JSON 布尔值，不加引号）",
    "sites: at most {limit} added sites; got {n}": "sites：最多 {limit} 个新增点；收到 {n} 个",
    "query parameter {name} is given more than once; send it once": "查询参数 {name} 出现了不止一次；请只发送一次",
    "{name}={show}: expected the 12-digit code of an area (or the 15-digit code of a grid) in "
    "your jurisdiction, e.g. {example}": "{name}={show}：应为您管辖范围内某个区划的 12 位代码（或网格的 15 位代码），"
    "例如 {example}",
    'area={show} is a number; send the area code as text in quotes, e.g. "area": '
    '"{example}"': 'area={show} 是数字；请把区划代码作为带引号的文本发送，例如 "area": "{example}"',
    # issue 15 follow-up (findings 7, 13): strict JSON members, the audit log's filters
    "the JSON body gives member {show} more than once; send it once": "JSON 正文中成员 {show} 出现了不止一次；请只发送一次",
    '{name}={show} is text; send {name} as a JSON number without quotes, e.g. "{name}": '
    "{example}": '{name}={show} 是文本；请把 {name} 作为不带引号的 JSON 数字发送，例如 "{name}": {example}',
    "k={show} is not allowed: the number of new sites, a whole number in [{low}, {high}]; "
    'send e.g. "k": 2': 'k={show} 不允许：k 是新增点位数，应为 [{low}, {high}] 内的整数；例如 "k": 2',
    "{name} is null; leave the member out to get its default, or give a value": "{name} 为 null；如需默认值请省略该成员，否则请给出一个值",
    "added site {n} (lon {lon}, lat {lat}) lies outside {area}, the area of this plan; "
    "place added sites inside it": "第 {n} 个新增点（经度 {lon}，纬度 {lat}）位于本次规划的区域{area}之外；请在该区域内添加",
    "household={show} is no household number or id in your jurisdiction; give a household "
    "number (户号) or id": "household={show} 不是您管辖范围内的户号或户 ID；请给出户号或户 ID",
    "{name}={show}: expected the 12-digit code of an area in your jurisdiction, e.g. "
    "{example}": "{name}={show}：应为您管辖范围内某个区划的 12 位代码，例如 {example}",
    # coverage of a province or a city, county by county (gis.analysis.coverage_batch)
    "no active service points of the kinds {kinds} in this county: none of its demand is "
    "covered": "本县没有 {kinds} 类型的在用服务点：需求全部未覆盖",
    "{name}= is empty: leave {name} out, or give the code of an area in your jurisdiction, "
    "e.g. {example}": "{name}= 为空：请去掉 {name}，或给出您管辖范围内某个区划的代码，例如 {example}",
    "{name}= is empty: give a value, or leave {name} out for its default": "{name}= 为空：请给出取值，或去掉 {name} 以使用默认值",
    "{name}= is empty: give a value; {name} is required": "{name}= 为空：请给出取值；{name} 为必填项",
    "{name} is null: give a value; {name} is required": "{name} 为 null：请给出取值；{name} 为必填项",
}
