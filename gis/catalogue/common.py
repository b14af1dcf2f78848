"""Chinese text of messages shared by every part (see gis/messages.py)."""

ZH: dict[str, str] = {
    "{what} not found": "未找到{what}",
}
