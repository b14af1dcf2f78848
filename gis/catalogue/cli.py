"""Chinese text of the cli messages (see gis/messages.py): the ``popgis`` commands, and the
messages of gis that only the command line gives (database set-up, a command's scope)."""

ZH: dict[str, str] = {
    # cli/common.py
    "error: {message}": "错误：{message}",
    # cli/export.py
    # gis/exports/__init__.py, the command line's wording
    "{option} is missing: a {role} account exports one county at a time; give {option} "
    "with one of its counties, e.g. {option} {example} (`popgis areas --under {own}` lists "
    "them)": "缺少 {option}：{role}账号按县导出；请用 {option} 给出其辖区内的一个县，例如 "
    "{option} {example}（`popgis areas --under {own}` 列出这些县）",
    "{option} {code} is {name}, not a county: exports are made one county at a time; give "
    "{option} with one of its counties, e.g. {option} {example} (`popgis areas --under "
    "{under}` lists them)": "{option} {code} 是{name}，不是县（市、区）：导出按县进行；请用 "
    "{option} 给出其中的一个县，例如 {option} {example}（`popgis areas --under {under}` "
    "列出这些县）",
    "{option} {code}: no such area in the jurisdiction ({name}); give an area in it, e.g. "
    "{option} {example}; `popgis areas --under {own}` lists them": "{option} {code}：辖区"
    "（{name}）内没有这个区划；请给出辖区内的区划，例如 {option} {example}；"
    "`popgis areas --under {own}` 列出这些区划",
    # cli/demo.py
    "--counties takes 6-digit county codes separated by commas (e.g. 330782,330783); "
    "got: {value}": "--counties 应为以逗号分隔的 6 位县级代码（如 330782,330783）；收到：{value}",
    "not counties of {province} with an outline: {codes}": "不是 {province} 下有边界的县级单位：{codes}",
    "scale must be positive": "--scale 必须大于 0",
    "geocoded {n} counties ({seconds} s)": "已对 {n} 个县完成地理编码（{seconds} 秒）",
    "{code} {name}: {persons} persons": "{code} {name}：{persons} 人",
    "province {province} loaded from {folder} in {seconds} s": "省 {province} 已从 {folder} 载入，用时 {seconds} 秒",
    "not loaded again: {codes} (households already in the database, kept as they are; their files in {folder} were left out)": "未重新载入：{codes}（数据库中已有其住户，保持原样；{folder} 中这些县的文件未载入）",
    "no population figure for province {province} (known: {known})": "没有省 {province} 的人口数（已有：{known}）",
    "interrupted (Ctrl-C)": "已中断（Ctrl-C）",
    "interrupted (Ctrl-C): nothing was loaded": "已中断（Ctrl-C）：未载入任何数据",
    "interrupted (Ctrl-C) while loading counties {codes}: loaded so far: {kinds}; run the "
    "same command again to complete the load": "载入县 {codes} 时已中断（Ctrl-C）：已载入：{kinds}；"
    "再次运行同一命令即可完成载入",
    "interrupted (Ctrl-C) while loading the demo county; run the same command again to "
    "complete the load": "载入演示县时已中断（Ctrl-C）；再次运行同一命令即可完成载入",
    "completing the load of the demo county cut short earlier (files of {folder})": "继续完成"
    "上次中断的演示县载入（文件：{folder}）",
    "--county {given} is no county ({level}): give the 6-digit code of a county; `popgis "
    "areas` lists them": "--county {given} 不是县级区划（{level}）：请给出县级 6 位代码；"
    "`popgis areas` 列出这些区划",
    # gis/db.py: no database reachable
    "cannot reach the database at {url} ({reason}). Fix: start that server or check "
    "POPGIS_DATABASE_URL (host, port, user, password, database); unset POPGIS_DATABASE_URL "
    "to use the project's own cluster instead": "无法连接数据库 {url}（{reason}）。解决：启动该数据库服务器，或检查 POPGIS_DATABASE_URL"
    "（主机、端口、用户、密码、数据库名）；若要改用本项目自带的数据库集群，请取消设置 "
    "POPGIS_DATABASE_URL",
    "cannot reach the project's own PostgreSQL cluster at {url} ({reason}). Fix: start it "
    "with `popgis db start` (its log: {log}); if the port is taken, choose another with "
    "POPGIS_PG_PORT": "无法连接本项目自带的 PostgreSQL 集群 {url}（{reason}）。解决：用 `popgis db start` "
    "启动它（日志：{log}）；若端口被占用，请用 POPGIS_PG_PORT 另选端口",
    # gis/gate: the scope of a command
    "no county loaded; run `popgis load admin FILE` or `popgis demo` first": "尚未加载任何县（市、区）；请先运行 `popgis load admin 文件` 或 `popgis demo`",
    "several counties are loaded ({codes}); choose one with --area CODE": "已加载多个县（市、区）（{codes}）；请用 --area 代码 选择其一",
    # gis/scope.py: --area (and popgis areas --under) refused
    "expected the code of a province, city, county, township or village (2, 4, 6, 9 "
    "or 12 digits: 33, 3307, 330782, 330782001 or 330782001001; the first four also "
    "written out to 12 with zeros) or the 15-digit code of a grid": "应为省、市、县、乡镇或村的区划代码"
    "（2、4、6、9 或 12 位：33、3307、330782、330782001 或 330782001001；前四种也可用 0 补足 12 位），"
    "或网格的 15 位代码",
    "{option} {code!r} is not an area code: {form}; `popgis areas` lists the areas "
    "loaded": "{option} {code!r} 不是区划代码：{form}；`popgis areas` 列出已加载的区划",
    "{option} is empty: {form}; `popgis areas` lists the areas loaded (leave {option} "
    "out for the default)": "{option} 为空：{form}；`popgis areas` 列出已加载的区划（不给 "
    "{option} 则用默认）",
    "{option} {given}: no area {code} is loaded here; `popgis areas` lists "
    "the areas loaded ({form})": "{option} {given}：本库没有加载区划 {code}；`popgis areas` "
    "列出已加载的区划（{form}）",
    # cli/database.py
    "POPGIS_DATABASE_URL is set: using that server, no local cluster": "已设置 POPGIS_DATABASE_URL：使用该数据库服务器，不启动本地集群",
    "running: {url}": "运行中：{url}",
    "stopped": "已停止",
    "target name": "对象名称",
    "viewed a household": "查看住户",
    "viewed a building": "查看楼栋",
    "viewed placement history": "查看定位记录",
    "viewed household map tiles": "浏览住户地图",
    "searched": "搜索",
    "placed a household": "手动定位住户",
    "restored a geocoded place": "恢复地址定位",
    "updated a person": "修改人员信息",
    "recorded a service": "记录服务",
    "read the review queue": "查看待核实定位",
    "exported": "导出",
    "logged in": "登录",
    "failed login": "登录失败",
    "login refused (too many failures)": "拒绝登录（失败次数过多）",
    "unlocked logins": "解除登录锁定",
    "account locked": "账号锁定",
    "map tile": "地图瓦片",
    "search": "搜索词",
    "map": "地图",
    "migrant heat map": "流动人口热力图",
    "density map": "人口密度图",
    "service points map": "服务点图",
    "table": "统计表",
    "the database was stopped on purpose (popgis db stop); start it with: popgis db start": "数据库已被有意停止（popgis db stop）；启动方法：popgis db start",
    "schema up to date": "数据库结构已是最新",
    # cli/export.py
    "wrote {file} ({size} bytes)": "已写入 {file}（{size} 字节）",
    "cannot tell the format of {file}: use --format {formats}": "无法判断 {file} 的格式：请用 --format {formats}",
    "no active user named {name!r}; see `popgis users list`": "没有名为 {name!r} 的有效用户；见 `popgis users list`",
    "atlas pages": "图集页",
    # cli/geocode.py
    "geocoded {n} households ({changed} changed) in {seconds} s": "已地理编码 {n} 户（{changed} 户有变化），用时 {seconds} 秒",
    "  placed by hand {manual}; open review items {review}": "  手工定位 {manual} 户；待审核 {review} 条",
    "give an address, or --file with one address per line (not both)": "请给出一个地址，或用 --file 给出每行一个地址的文件（二者选一）",
    "nothing of an address recognised": "未识别出任何地址内容",
    "give IN.csv --out OUT.csv, or --households": "请给出 输入.csv --out 输出.csv，或 --households",
    "give --out OUT.csv for the results": "请用 --out 输出.csv 指定结果文件",
    "--engine dask geocodes a file (IN.csv --out OUT.csv), not --households": "--engine dask 用于文件地理编码（输入.csv --out 输出.csv），不能与 --households 一起用",
    "--scheduler goes with --engine dask": "--scheduler 须与 --engine dask 一起使用",
    "--workers goes with --engine dask": "--workers 须与 --engine dask 一起使用",
    "--workers is the number of worker processes of the local cluster; with --scheduler "
    "the tasks run on the workers started with that scheduler (`dask worker ADDRESS`, as "
    "many as you start): leave out --workers, or --scheduler for a local cluster": "--workers "
    "是本地集群的工作进程数；给了 --scheduler 时，任务在随该调度器启动的工作进程上运行（`dask worker "
    "地址`，启动几个就有几个）：请去掉 --workers，或去掉 --scheduler 改用本地集群",
    "--area goes with --households (the households of that area); a file is geocoded "
    "whole: leave out --area": "--area 须与 --households 一起使用（只编码该区划的住户）；"
    "文件按整份编码：请去掉 --area",
    "cannot reach the Dask scheduler at {address} within {seconds} s: check that it is "
    "running (`dask scheduler`) and that the host and port are right": "在 {seconds} 秒内无法连接 Dask 调度器 {address}："
    "请检查调度器是否在运行（`dask scheduler`），以及主机和端口是否正确",
    "--scheduler {address!r} is not a Dask scheduler's address; expected tcp://HOST:PORT "
    "(for example tcp://10.0.0.5:8786)": "--scheduler {address!r} 不是 Dask 调度器的地址；应为 tcp://主机:端口"
    "（例如 tcp://10.0.0.5:8786）",
    "interrupted (Ctrl-C); {file} was not written": "已中断（Ctrl-C）；未写入 {file}",
    "the batch failed on Dask ({problem}); {file} was not written": "Dask 上的批处理失败（{problem}）；未写入 {file}",
    "{total} rows → {file}: ": "{total} 行 → {file}：",
    # geocode and admin levels (cli/common.py level_name; "building" is in api.py)
    "compound": "小区",
    "group": "村民小组",
    "village": "村/社区",
    "township": "乡镇/街道",
    "county": "县",
    "province": "省",
    "city": "市",
    "grid": "网格",
    "unmatched": "未匹配",
    "not geocoded": "未定位",
    "{n} buildings → {file}": "{n} 栋楼 → {file}",
    "geocoding": "地理编码",
    "cannot read or write a file: {problem}": "无法读写文件：{problem}",
    "cannot write {file}: {problem}": "无法写入 {file}：{problem}",
    "{file}: not UTF-8 or GBK text; save it as UTF-8": "{file}：不是 UTF-8 或 GBK 文本；请另存为 UTF-8",
    # cli/planning.py
    " metres": " 米",
    " seconds": " 秒",
    "along roads": "沿道路",
    "straight line": "直线距离",
    "{population}: {covered:g} of {demand:g} covered ({pct}%) within {radius} m {how}; "
    "{unlocated:g} unlocated; {seconds} s": "{population}：{demand:g} 中已覆盖 {covered:g}（{pct}%），半径 {radius} 米（{how}）；"
    "未定位 {unlocated:g}；用时 {seconds} 秒",
    "villages with most uncovered demand:": "未覆盖需求最多的村（社区）：",
    "  {rank:>3} {code} {name:<12} uncovered {uncovered:g} of {demand:g} ({pct}% covered)": "  {rank:>3} {code} {name:<12} 未覆盖 {uncovered:g} / {demand:g}（覆盖 {pct}%）",
    "gap areas: {n}": "覆盖空白区：{n} 处",
    "proven optimal": "已证明最优",
    "stopped ({status}), gap {gap}%": "已停止（{status}），最优性差距 {gap}%",
    "{model}: {new} new sites; objective {objective:g}; covered {covered:g} of {total:g} "
    "({pct}%, before {before:g}); {state}; {seconds} s → {file} (+ {csv})": "{model}：新增 {new} 个点位；目标值 {objective:g}；覆盖 {covered:g} / {total:g}"
    "（{pct}%，之前 {before:g}）；{state}；用时 {seconds} 秒 → {file}（另有 {csv}）",
    "{option} must be more than 0{unit}; got {value:g}": "{option} 必须大于 0{unit}；现为 {value:g}",
    "{option} must be a finite number more than 0{unit}; got {value:g}": "{option} 必须是大于 0{unit}的有限数；现为 {value:g}",
    "--k (the number of new sites) is required for {model}": "{model} 需要 --k（新增点位数）",
    # cli/users.py
    "no user named {name!r}; see `popgis users list`": "没有名为 {name!r} 的用户；见 `popgis users list`",
    "added {name} ({role}, {area})": "已添加 {name}（{role}，{area}）",
    "disabled {name}": "已停用 {name}",
    "{option} is empty: give a value, or leave {option} out for every entry": "{option} 为空：请给出值，或省略 {option} 以列出全部记录",
    "enabled {name}: they can log in again": "已启用 {name}：可再次登录",
    "{name} is enabled already (nothing changed)": "{name} 已是启用状态（未作更改）",
    "new password for {name}; their sessions have ended": "已为 {name} 设置新密码；其登录会话均已结束",
    "read-only API token {id} of {name}, valid until {until} (shown once). QGIS/GDAL: send "
    "the header `Authorization: Bearer <token>`": "{name} 的只读 API 令牌 {id}，有效期至 {until}（仅显示这一次）。QGIS/GDAL：发送请求头 "
    "`Authorization: Bearer <令牌>`",
    "revoked token {id}": "已吊销令牌 {id}",
    "choose one of --json and --csv": "--json 与 --csv 只能选一个",
    "{message}; see `popgis users list`": "{message}；见 `popgis users list`",
    "no token {id}; see `popgis users tokens NAME`": "没有令牌 {id}；见 `popgis users tokens 用户名`",
    "ended {n} session(s) of {name}": "已结束 {name} 的 {n} 个会话",
    "revoked {n} token(s) of {name}": "已吊销 {name} 的 {n} 个令牌",
    # gis/textfile.py: the encoding of a text file
    "{file} is saved as UTF-16 ('Unicode text'); save it as UTF-8": "{file} 是 UTF-16（“Unicode 文本”）格式；请另存为 UTF-8",
    "{file}: line {line} is not UTF-8 although the lines before it are: the file mixes two "
    "encodings; save the whole file as UTF-8": "{file}：第 {line} 行不是 UTF-8，而前面各行是：文件混用了两种编码；请把整个文件另存为 UTF-8",
    "{file}: line {line} is GBK but line {other} is UTF-8: the file mixes two encodings; "
    "save the whole file as UTF-8": "{file}：第 {line} 行是 GBK，第 {other} 行却是 UTF-8：文件混用了两种编码；请把整个文件另存为 UTF-8",
    "{file}: line {line} is neither UTF-8 nor GBK text; save the file as UTF-8": "{file}：第 {line} 行既不是 UTF-8 也不是 GBK 文本；请把文件另存为 UTF-8",
    # popgis users unlock
    "unlocked {what} ({n} lock record(s) cleared)": "已解锁 {what}（清除 {n} 条锁定记录）",
    "{address!r} is not an IP address": "{address!r} 不是 IP 地址",
    # cli/geocode.py: coordinates that cannot be used
    "{n} row(s) gave coordinates that cannot be used (not a number, only one of "
    "lon/lat, 0,0 or an unknown CRS): placed by the address alone and marked "
    "review=true; their method column says why. Fix the lon/lat cells or leave "
    "them empty": "{n} 行给出的坐标无法使用（不是数字、经纬度只填了一个、为 0,0 或坐标系未知）："
    "已仅按地址定位并标记 review=true，method 列写明原因。请修正经纬度单元格，或将其留空",
    # gis/db.py: a malformed POPGIS_DATABASE_URL
    "Fix: write it as postgresql://USER:PASSWORD@HOST:PORT/DATABASE (in the password, "
    "write @ as %40, : as %3A and / as %2F), or unset POPGIS_DATABASE_URL to use the "
    "project's own cluster": "解决：写成 postgresql://用户:密码@主机:端口/数据库名（密码中的 @ 写作 %40，: 写作 %3A，"
    "/ 写作 %2F），或取消设置 POPGIS_DATABASE_URL 以使用本项目自带的数据库集群",
    "POPGIS_DATABASE_URL is not a database URL. {fix}": "POPGIS_DATABASE_URL 不是有效的数据库地址。{fix}",
    "POPGIS_DATABASE_URL names a {driver} database; popgis needs PostgreSQL "
    "with PostGIS. {fix}": "POPGIS_DATABASE_URL 指向的是 {driver} 数据库；popgis 需要带 PostGIS 的 PostgreSQL。{fix}",
    # cli/common.py: table headers of the commands' listings
    "id": "编号",
    "time": "时间",
    "name": "名称",
    "role": "角色",
    "area code": "区划代码",
    "area": "辖区",
    "level": "层级",
    "active": "启用",
    "created": "创建时间",
    "last used": "最近使用",
    "expires": "到期",
    "ended": "结束时间",
    "why ended": "结束原因",
    "open": "有效",
    "address": "地址",
    "browser": "浏览器",
    "action": "操作",
    "target kind": "对象类型",
    "target": "对象",
    "households": "户数",
    "household ids": "户编号",
    "detail": "详情",
    "hour": "小时",
    "reads": "读取次数",
    "usual per hour": "平时每小时",
    "hours of baseline": "基线小时数",
    "label": "标签",
    "scope": "权限",
    "revoked": "吊销时间",
    "yes": "是",
    "no": "否",
    "(none)": "（无）",
    # cli/common.py (OutFile): a file to write (--out, --csv) that cannot be written
    "the folder {folder} does not exist; create it first (mkdir -p {folder}) "
    "or give {option} a file in an existing folder": "文件夹 {folder} 不存在；请先创建它"
    "（mkdir -p {folder}），或让 {option} 指向已有文件夹中的文件",
    "{option} {path} is a folder; give a file in it, e.g. {option} {example}": "{option} "
    "{path} 是文件夹；请给出其中的文件，例如 {option} {example}",
    "cannot write in the folder {folder} (no permission); give {option} a file in a folder "
    "you may write in": "无权在文件夹 {folder} 中写入；请让 {option} 指向你有写入权限的文件夹中的文件",
    # loaders/demo_county.py: what `make demo` prints
    "county staff": "县级工作人员",
    "township staff": "乡镇（街道）工作人员",
    "village staff": "村（社区）工作人员",
    "planner": "规划人员",
    "auditor": "审计人员",
    "the whole county 义乌市": "全县（义乌市）",
    "稠城街道 and its communities": "稠城街道及其下属社区",
    "江滨社区 only": "仅江滨社区",
    "下车门社区 only": "仅下车门社区",
    "aggregates for the county, no individuals": "全县汇总数据，不含个人信息",
    "aggregates and the access log": "汇总数据和访问日志",
    "account": "账号",
    "sees": "可见范围",
    "Demo accounts (local use only), password for all: {password}": "演示账号（仅限本机使用），密码均为：{password}",
    "demo county already loaded": "演示县已加载",
    "loading the demo county from {folder} ({counts})": "正在从 {folder} 加载演示县（{counts}）",
    "geocoded {n} households: {levels}; open review items {review}": "已地理编码 {n} 户：{levels}；待审核 {review} 条",
    "--cover {value:g} is not allowed: the percentage of demand to cover is a number in "
    "(0, 100]; e.g. --cover 95 (100 covers everyone)": "--cover {value:g} 不允许：需要覆盖的需求百分比应为 (0, 100] 内的数；"
    "例如 --cover 95（100 表示全部覆盖）",
    "--counties picks counties of a province: give --province too (e.g. --province 330000 "
    "--counties {value}), or leave --counties out for the demo county": "--counties 用于选择某省的县：请同时给出 --province（如 --province 330000 "
    "--counties {value}），或去掉 --counties 以使用演示县",
    # gis/gate/checks.py and cli/database.py: popgis db check (issue 15, finding 10)
    "an event's date lies between {low} and today ({today})": "事件日期应在 {low} 至今天（{today}）之间",
    "correct the date in the events file and load it again (the row is matched by its "
    "event_id)": "请在事件文件中改正日期后重新导入（按 event_id 匹配该行）",
    "the person an event names is a member of its household": "事件所指的人员应是该户的成员",
    "recorded on the map by {user}: load an events file with a row of event_id {key}, its "
    "household {household}, the kind and the right date and person; that row replaces the "
    "recorded event": "由 {user} 在地图上记录：请导入一份事件文件，其中一行的编号（event_id）为 {key}，"
    "写明户号 {household}、类型以及正确的日期和人员；该行将替换地图上记录的事件",
    "correct the household or the ID number in the events file and load it again (the row "
    "is matched by its event_id)": "请在事件文件中改正户号或身份证号后重新导入（按 event_id 匹配该行）",
    "a birth date lies between {low} and today ({today})": "出生日期应在 {low} 至今天（{today}）之间",
    "a date lies between {low} and {high}": "日期应在 {low} 至 {high} 之间",
    "an ID number is registered in one county only": "同一身份证号只应登记在一个县",
    "the same ID number is in county {other}, household {other_household}: keep the person "
    "where they live now, remove them from the other county's households file and load it "
    "again (and record the move there and here)": "该身份证号也登记在县 {other} 的户 "
    "{other_household}：在现居住地保留此人，从另一县的户籍文件中删除并重新导入（并在两地记录迁出与迁入）",
    "the birth date is the one in the ID number: re-type the ID number from the card in the "
    "households file and load it again": "出生日期取自身份证号：请在户籍文件中按证件重新填写身份证号后重新导入",
    "correct the birth date in the households file (or leave it empty to take it from the "
    "ID number) and load it again": "请在户籍文件中改正出生日期（或留空，按身份证号取出生日期）后重新导入",
    "correct the arrival date in the households file and load it again": "请在户籍文件中改正来本地日期后重新导入",
    "correct the expiry date in the households file and load it again; leave it empty for "
    "no expiry": "请在户籍文件中改正证件到期日后重新导入；长期有效的证件，到期日留空",
    "no stored row breaks today's rules": "库中没有违反现行规则的数据",
    "{n} stored rows break today's rules (nothing was changed):": "库中有 {n} 行数据违反现行规则（未做任何修改）：",
    "{table} row {row_id} (county {county}, key {key}, household {household}): {column} = "
    "{value}; rule: {rule}; fix: {fix}": "{table} 表第 {row_id} 行（县 {county}，编号 {key}，户号 {household}）："
    "{column} = {value}；规则：{rule}；处理：{fix}",
    # popgis coverage --area of a province or a city: county by county
    "{area} {name}, {population} within {radius} m {how}: {n} counties; {seconds} s": "{area} {name}，{population} 在 {radius} 米内（{how}）：{n} 个县；{seconds} 秒",
    "demand": "需求",
    "covered": "已覆盖",
    "% covered": "覆盖率 %",
    "unlocated": "未定位",
    "service points": "服务点",
    "gap areas": "空白区",
    "total": "合计",
    "{code} {name}: {problem}": "{code} {name}：{problem}",
    "coverage": "覆盖分析",
    " counties": " 个县",
    "--engine dask computes the coverage of a province or a city county by county; {area} "
    "lies within one county: leave --engine dask out": "--engine dask 用于按县计算省或市的覆盖情况；{area} 在一个县之内：请去掉 --engine dask",
    "the batch failed on Dask ({problem})": "Dask 上的批处理失败（{problem}）",
    # popgis place --area of a province or a city
    "--area {area} is {name}: place plans one county (or a township, village or grid of "
    "one) at a time, as the county's planners do; give --area with one of its counties, "
    "e.g. --area {example} (`popgis areas --under {code}` lists them), and run place once "
    "per county": "--area {area} 是{name}：place 每次为一个县（或县内的乡镇、村、网格）选址，"
    "与县里的规划人员一样；请用 --area 给出其中的一个县，例如 --area {example}（`popgis areas "
    "--under {code}` 列出这些县），每个县运行一次 place",
    "--area chooses the database's demand and sites; with both --demand-file and "
    "--candidates nothing is read from the database: leave out --area": "--area 用于选取库中的"
    "需求和站点；同时给出 --demand-file 和 --candidates 时不读数据库：请去掉 --area",
}
