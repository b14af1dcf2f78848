/* popgis labels in 简体中文 and English, for the map and the planner page.
 * Every code that reaches the screen (service kinds, building uses, visit kinds, roles,
 * certificate states, geocode levels) has a label here in both languages. */
(function () {
  'use strict';
  var T = {
    zh: {
      title: '人口地理信息系统', page_title: '地图 · popgis', short_title: '人口GIS',
      placed_done: '已放置',
      pl_villages: '村/社区', pl_existing: '现有服务点', pl_uncovered: '未覆盖', pl_newly: '新覆盖',
      pl_new_site: '新增点', pl_base_failed: '底图加载失败：', pl_village: '村/社区', pl_demand: '需求',
      pl_covered: '已覆盖', pl_covered_pct: '覆盖 %', pl_gap_areas: '缺口区域', pl_model: '模型',
      pl_new_sites: '新增点数', pl_before: '之前', pl_before_pct: '前 %', pl_after_pct: '后 %',
      pl_gain: '新增覆盖', pl_mean_distance: '平均距离', pl_optimality: '最优性',
      pl_proven: '已证明最优', pl_gap: '间隙', pl_time: '用时', pl_computing: '计算中…',
      pl_k_missing: '请填写新增点数 K：{low} 到 {high} 的整数，例如 2',
      pl_table_coverage: '各村覆盖', pl_table_plan: '各村覆盖（前 / 后）',
      pl_k_bad: '新增点数 K 应为 {low} 到 {high} 的整数，例如 2',
      pl_radius_bad: '服务半径（米）应为 {low} 到 {high} 的数，例如 800',
      pl_cover_bad: '覆盖目标 % 应为 {low} 到 {high} 的数，例如 95',
      pl_coverage_done: '覆盖分析完成', pl_solving: '求解中…', pl_solved: '求解完成：已证明最优',
      pl_stopped: '已停止：', pl_existing_one: '现有：', pl_new_one: '新增：', pl_added: '添加的候选点', pl_sites_layer: '新增点',
      grid_n: '第{n}网格', selected_area: '当前区域', zoom_in_for: '放大后显示（级别）：',
      household_not_found: '未找到该住户',
      household_bad_id: '住户编号“{id}”格式不对：应为数字，例如 /?household=123', search_short: '无结果。地址至少输入{n}个字；姓名和户号可输入开头几个字',
      search: '搜索户号、姓名、地址、证件/电话后4位', search_phone: '户号、姓名、地址、证件后4位', layers: '图层', filters: '筛选', landcover: '水系与用地',
      roads: '道路', buildings: '楼栋', households: '住户', heat: '流动人口热力',
      choro: '流动人口密度（村/社区）', choro_grid: '流动人口密度（网格）', units: '市场与驻街单位',
      boundaries: '行政区划', from_zoom: '（放大到 {z} 级显示）', per_km2: '每平方公里流动人口', per_1000: '每千常住人口流动人口',
      population: '人口', all: '全部', residents: '户籍/常住', migrants: '流动人口',
      women: '育龄妇女（15–49岁）', certs: '证件', certs_missing: '缺证或过期',
      certs_expiring: '30天内到期', not_visited: '未走访天数', level: '定位精度',
      nv_bad: '请填写 0 到 36500 的整数天数；地图仍按上次的筛选显示',
      asof_bad: '请选择 1900-01-01 到 2100-12-31 之间的日期；地图仍按上次的筛选显示',
      as_of: '截至日期', radius: '服务半径', household: '住户', members: '成员',
      certificates: '四证', visits: '最近服务记录', record_visit: '记录走访',
      record_distribution: '记录药具发放', move: '拖动标记修正位置',
      pick_building: '点击楼栋放置', saved: '已保存', placed_by: '手动定位',
      no_results: '无结果', migrant: '流动', resident: '户籍', origin: '户籍地',
      arrival: '来本地', close: '关闭', building: '楼栋', none: '无',
      marriage: '婚姻证', idcard: '身份证', residence: '居住证', migrant_cert: '婚育证明',
      valid: '有效', missing: '缺', expired: '已过期', 'n/a': '—', lang: 'English',
      synthetic: '演示数据（合成）', synthetic_title: '演示县的人口、楼栋和村界为合成数据',
      logout: '退出', export: '导出…', review: '待核实定位', planner: '服务点规划',
      audit: '访问日志', menu: '菜单', county: '全县', legend: '图例', layers_legend: '图层与图例',
      drag_hint: '拖动红色标记到正确位置', pick_hint: '点击正确的楼栋',
      level_building: '楼栋', level_compound: '小区', level_group: '村民小组',
      level_village: '村/社区', level_township: '乡镇/街道', level_unmatched: '未匹配',
      level_county: '县', level_grid: '网格', level_none: '未定位',
      persons: '人', persons_n: '{n}人', floors_n: '{n}层', buildings_n: '{n}栋楼',
      migrants_n: '流动{n}人', placed_by_user: '手动定位（{user}）', female: '女', male: '男', floors: '层',
      history: '定位记录', restore: '恢复地址定位', restored: '已恢复地址定位',
      from_place: '原位置', by: '操作人', placed: '放置', no_history: '无手动定位记录',
      far: '距楼栋', outside: '辖区外', outside_note: '辖区外（服务本辖区）', inactive: '停用',
      cell: '住户数（聚合）', manual: '手动定位', imprecise: '定位到村/小区',
      resident_hh: '户籍户', migrant_hh: '有流动人口', low: '低', high: '高',
      township_line: '乡镇/街道界', village_line: '村/社区界', grid_line: '网格界',
      major_road: '主要道路', minor_road: '其他道路', water: '水系', wood: '林地', farmland: '耕地',
      export_title: '导出当前视图', export_layer: '图层', export_format: '格式', export_size: '纸张',
      export_orient: '方向', portrait: '纵向', landscape: '横向', download: '下载', cancel: '取消',
      x_heat: '流动人口热力图', x_choro_village: '人口密度（按村/社区）',
      x_choro_grid: '人口密度（按网格）', x_points: '服务点及覆盖', exporting: '正在生成…',
      rg_measure: '按指标着色', rg_persons: '人口', rg_migrants: '流动人口', rg_households: '户数',
      rg_distribution_points: '药具发放点', rg_by_county: '各县（市、区）', rg_by_township: '各乡镇（街道）',
      rg_withheld: '人数过少，不予公布', rg_click_county: '点击一个县（市、区）查看其乡镇（街道）',
      rg_export_county: '导出按县进行：先点击一个县（市、区）', rg_loading: '正在加载…',
      // the same names as gis/catalogue/common.py (role_name)
      roles: {province: '省级工作人员', city: '市级工作人员', county: '县级工作人员', township: '乡镇（街道）工作人员', village: '村（社区）工作人员',
              planner: '规划人员', auditor: '审计人员'},
      kinds: {distribution_point: '药具发放点', service_station: '计生服务站',
              clinic: '卫生院/诊所', pharmacy: '药店', machine: '自助发放机',
              outreach: '外展服务点'},
      uses: {residential: '住宅', market: '市场', enterprise: '驻街单位/企业', dormitory: '宿舍',
             school: '学校', public: '公共建筑', other: '其他'},
      events: {visit: '走访', distribution: '药具发放', follow_up: '随访', move_in: '迁入',
               move_out: '迁出'},
      methods: {manual: '手动', restore: '恢复'},
      geo_methods: {exact: '地址精确匹配', alias: '别名匹配', former_name: '曾用名匹配', fuzzy: '模糊匹配',
                    pinyin: '同音匹配', coordinates: '坐标定位', manual: '手动定位'}
    },
    en: {
      title: 'Population GIS', page_title: 'Map · popgis', short_title: 'PopGIS',
      placed_done: 'Placed',
      pl_villages: 'Villages', pl_existing: 'Existing service points', pl_uncovered: 'Uncovered',
      pl_newly: 'Newly covered', pl_new_site: 'New site', pl_base_failed: 'Base map failed: ',
      pl_village: 'Village', pl_demand: 'Demand', pl_covered: 'Covered', pl_covered_pct: 'Covered %',
      pl_gap_areas: 'Gap areas', pl_model: 'Model', pl_new_sites: 'New sites', pl_before: 'Before',
      pl_before_pct: 'Before %', pl_after_pct: 'After %', pl_gain: 'Gain',
      pl_mean_distance: 'Mean distance', pl_optimality: 'Optimality', pl_proven: 'proven optimal',
      pl_gap: 'gap', pl_time: 'Time', pl_computing: 'Computing…',
      pl_k_missing: 'Enter the number of new sites K: a whole number from {low} to {high}, e.g. 2',
      pl_table_coverage: 'Coverage by village', pl_table_plan: 'Coverage by village, before / after',
      pl_k_bad: 'New sites K must be a whole number from {low} to {high}, e.g. 2',
      pl_radius_bad: 'Radius (m) must be a number from {low} to {high}, e.g. 800',
      pl_cover_bad: 'Cover % must be a number from {low} to {high}, e.g. 95',
      pl_coverage_done: 'Coverage done',
      pl_solving: 'Solving…', pl_solved: 'Solved, proven optimal', pl_stopped: 'Stopped: ',
      pl_existing_one: 'Existing: ', pl_new_one: 'New: ', pl_added: 'Added candidate sites', pl_sites_layer: 'New sites',
      grid_n: 'Grid {n}', selected_area: 'Current area', zoom_in_for: 'Shown from zoom:',
      household_not_found: 'Household not found',
      household_bad_id: 'Household id "{id}" is malformed: it is a number, e.g. /?household=123',
      search_short: 'No results. Addresses need at least {n} characters; names and household numbers work from the first characters',
      search: 'Household no., name, address, last 4 of ID/phone',
      search_phone: 'Household, name, address, ID', layers: 'Layers',
      landcover: 'Water and land use', filters: 'Filters', roads: 'Roads', buildings: 'Buildings',
      households: 'Households', heat: 'Migrant heat', choro: 'Migrant density (villages)',
      choro_grid: 'Migrant density (grids)', units: 'Markets and work units',
      boundaries: 'Boundaries', from_zoom: '(from zoom {z})', per_km2: 'Migrants per km²',
      per_1000: 'Migrants per 1,000 residents', population: 'Population', all: 'All',
      residents: 'Residents', migrants: 'Migrants', women: 'Women aged 15–49',
      certs: 'Certificates', certs_missing: 'Missing or expired',
      certs_expiring: 'Expiring within 30 days', not_visited: 'Not visited for days',
      nv_bad: 'Enter a whole number of days from 0 to 36500; the map keeps the last filter',
      asof_bad: 'Choose a date from 1900-01-01 to 2100-12-31; the map keeps the last filter',
      level: 'Geocode level', as_of: 'As of', radius: 'Service radius',
      household: 'Household', members: 'Members', certificates: 'Certificates',
      visits: 'Recent services', record_visit: 'Record a visit',
      record_distribution: 'Record a distribution', move: 'Drag the marker to fix',
      pick_building: 'Click a building to place', saved: 'Saved', placed_by: 'Placed by hand',
      no_results: 'No results', migrant: 'Migrant', resident: 'Resident',
      origin: 'Registered in', arrival: 'Arrived', close: 'Close', building: 'Building',
      none: 'None', marriage: 'Marriage', idcard: 'ID card', residence: 'Residence permit',
      migrant_cert: 'Migrant cert.', valid: 'Valid', missing: 'Missing',
      expired: 'Expired', 'n/a': '—', lang: '中文', synthetic: 'Demo data (synthetic)',
      synthetic_title: 'People, buildings and village outlines of the demo county are synthetic',
      logout: 'Log out', export: 'Export…', review: 'Review queue', planner: 'Service planning',
      audit: 'Access log', menu: 'Menu', county: 'County', legend: 'Legend',
      layers_legend: 'Layers and legend',
      drag_hint: 'Drag the red marker to the right place',
      // geocode levels as words, not the codes (building, compound, …)
      pick_hint: 'Click the right building', level_building: 'Building',
      level_compound: 'Compound', level_group: 'Village group', level_village: 'Village / community',
      level_township: 'Township / subdistrict', level_county: 'County', level_grid: 'Grid',
      level_unmatched: 'Not matched', level_none: 'Not placed',
      persons: 'persons', persons_n: '{n} persons', persons_n_one: '1 person',
      floors_n: '{n} floors', floors_n_one: '1 floor', buildings_n: '{n} buildings',
      buildings_n_one: '1 building', migrants_n: '{n} migrants', migrants_n_one: '1 migrant',
      placed_by_user: 'Placed by hand by {user}', female: 'F', male: 'M', floors: 'floors',
      history: 'Placement history', restore: 'Restore the geocoded place',
      restored: 'Geocoded place restored', from_place: 'from', by: 'by', placed: 'placed',
      no_history: 'Never placed by hand', far: 'from the building', outside: 'outside',
      outside_note: 'Outside the area (serves it)', inactive: 'inactive',
      cell: 'Households (grouped)', manual: 'Placed by hand', imprecise: 'Placed at village/compound',
      resident_hh: 'Resident household', migrant_hh: 'With migrants', low: 'low', high: 'high',
      township_line: 'Township boundary', village_line: 'Village boundary',
      grid_line: 'Grid boundary', major_road: 'Main road', minor_road: 'Other road',
      water: 'Water', wood: 'Woods', farmland: 'Farmland',
      export_title: 'Export this view', export_layer: 'Layer', export_format: 'Format',
      export_size: 'Paper', export_orient: 'Orientation', portrait: 'Portrait',
      landscape: 'Landscape', download: 'Download', cancel: 'Cancel',
      x_heat: 'Migrant heat map', x_choro_village: 'Population density by village',
      x_choro_grid: 'Population density by grid', x_points: 'Service points and coverage',
      exporting: 'Generating…',
      rg_measure: 'Colour by', rg_persons: 'Persons', rg_migrants: 'Migrants', rg_households: 'Households',
      rg_distribution_points: 'Distribution points', rg_by_county: 'Counties', rg_by_township: 'Townships',
      rg_withheld: 'Too few to publish', rg_click_county: 'Click a county to see its townships',
      rg_export_county: 'Exports are made per county: click a county first', rg_loading: 'Loading…',
      roles: {province: 'Province staff', city: 'City staff', county: 'County staff', township: 'Township staff', village: 'Village staff',
              planner: 'Planner', auditor: 'Auditor'},
      kinds: {distribution_point: 'Distribution point', service_station: 'Service station',
              clinic: 'Clinic', pharmacy: 'Pharmacy', machine: 'Self-service machine',
              outreach: 'Outreach point'},
      uses: {residential: 'Residential', market: 'Market', enterprise: 'Work unit / company',
             dormitory: 'Dormitory', school: 'School', public: 'Public building', other: 'Other'},
      events: {visit: 'Visit', distribution: 'Distribution', follow_up: 'Follow-up',
               move_in: 'Moved in', move_out: 'Moved out'},
      methods: {manual: 'by hand', restore: 'restored'},
      geo_methods: {exact: 'exact address', alias: 'alias', former_name: 'former name',
                    fuzzy: 'fuzzy match', pinyin: 'same sound', coordinates: 'coordinates',
                    manual: 'by hand'}
    }
  };
  // the server decides the language (cookie popgis_lang, else the browser's
  // Accept-Language, else POPGIS_LANG) and writes it into the page: the map's
  // <meta name="popgis-lang">, the other pages' <html data-lang>
  var lang = (function () {
    var meta = document.querySelector('meta[name=popgis-lang]');
    return (meta && meta.content) || document.documentElement.getAttribute('data-lang') || 'zh';
  })();
  if (!T[lang]) { lang = 'zh'; }
  function t(key) { return T[lang][key] != null ? T[lang][key] : key; }
  /** a text with a count: '{n}' replaced, English '…_one' form for 1 (1 person, 2 persons) */
  function tn(key, n) {
    var one = lang === 'en' && +n === 1 && T[lang][key + '_one'] != null;
    return (one ? T[lang][key + '_one'] : t(key)).replace('{n}', n);
  }
  /** label of a code in a group (kinds, uses, events, roles, methods); the code if unknown */
  function label(group, code) {
    var g = T[lang][group] || {};
    return g[code] != null ? g[code] : (code == null ? '' : String(code));
  }
  /** label of a code in a group, or '' when there is none (never a raw code) */
  function known(group, code) {
    var g = T[lang][group] || {};
    return g[code] != null ? g[code] : '';
  }
  /** the user's choice (the language switch, and only it): the cookie popgis_lang,
   * which the server reads for every page and message */
  function setLang(value) {
    document.cookie = 'popgis_lang=' + value + '; path=/; max-age=31536000; SameSite=Lax';
  }
  window.PopGISi18n = {T: T, lang: lang, t: t, tn: tn, label: label, known: known, setLang: setLang};
})();
