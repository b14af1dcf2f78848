"""Chinese text of the loads messages (see gis/messages.py)."""

ZH: dict[str, str] = {
}
