"""Chinese text of the cli messages (see gis/messages.py)."""

ZH: dict[str, str] = {
    # gis/textfile.py: the encoding of a text file
    "{file} is saved as UTF-16 ('Unicode text'); save it as UTF-8":
        "{file} 是 UTF-16（“Unicode 文本”）格式；请另存为 UTF-8",
    "{file}: line {line} is not UTF-8 although the lines before it are: the file mixes two "
    "encodings; save the whole file as UTF-8":
        "{file}：第 {line} 行不是 UTF-8，而前面各行是：文件混用了两种编码；请把整个文件另存为 UTF-8",
    "{file}: line {line} is GBK but line {other} is UTF-8: the file mixes two encodings; "
    "save the whole file as UTF-8":
        "{file}：第 {line} 行是 GBK，第 {other} 行却是 UTF-8：文件混用了两种编码；请把整个文件另存为 UTF-8",
    "{file}: line {line} is neither UTF-8 nor GBK text; save the file as UTF-8":
        "{file}：第 {line} 行既不是 UTF-8 也不是 GBK 文本；请把文件另存为 UTF-8",
    # popgis parse-address
    "give an address, or --file with one address per line (not both)":
        "请给出一个地址，或用 --file 给出每行一个地址的文件（二者选一）",
}
