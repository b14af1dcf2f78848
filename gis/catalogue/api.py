"""Chinese text of the api messages (see gis/messages.py)."""

ZH: dict[str, str] = {
    "building {id} does not exist": "楼栋 {id} 不存在",
    "that place is outside your jurisdiction": "该位置不在您的辖区内",
    "the point is {dist} m from the building; a household placed by hand must be within "
    "{limit} m of the building it names":
        "该点距所选楼栋 {dist} 米；手动定位的住户必须在所选楼栋 {limit} 米以内",
}
