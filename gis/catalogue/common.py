"""Chinese text of messages shared by every part (see gis/messages.py)."""

ZH: dict[str, str] = {
    # role names (gis.messages.role_name)
    "County staff": "县级工作人员",
    "Township staff": "乡镇（街道）工作人员",
    "Village staff": "村（社区）工作人员",
    "Planner": "规划人员",
    "Auditor": "审计人员",
    " or ": "或",
    "{what} not found": "未找到{what}",
    "an atlas of {pages} pages is too large to make while you wait (at most "
    "{limit} here): choose a smaller area (area=a township's code) or "
    "per=township, or make it on the server with `popgis export atlas`": "图集共 {pages} 页，太大，无法在线等待生成（此处最多 {limit} 页）：请选择较小的区域"
    "（area=乡镇代码）或 per=township，或在服务器上用 `popgis export atlas` 生成",
}
