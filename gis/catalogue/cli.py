"""Chinese text of the cli messages (see gis/messages.py)."""

ZH: dict[str, str] = {
}
