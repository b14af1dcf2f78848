"""Chinese text of the api messages (see gis/messages.py)."""

ZH: dict[str, str] = {
}
