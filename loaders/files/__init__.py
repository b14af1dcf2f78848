"""Safe, streaming readers for the files county staff upload: CSV, XLSX, vector files, OSM.

Nothing here touches the database. Every problem with the *data* raises
:class:`FileProblem` (a :class:`~loaders.reports.LoadError`), which names the file, the
spreadsheet row and column, the offending value, the reason and a fix, so the message
can be shown to the person who made the file. Row numbers are counted as a spreadsheet
shows them: the header is row 1 and the first data row is row 2.

The readers are written for files of several GB: text is checked and parsed in blocks,
spreadsheets are read with openpyxl's read-only mode, and zip archives are checked for
path traversal and decompression bombs before and while anything is extracted.

One module per format: :mod:`~loaders.files.encodings` (UTF-8 or GB18030/GBK),
:mod:`~loaders.files.delimited` (CSV), :mod:`~loaders.files.xlsx`,
:mod:`~loaders.files.tables` (chunked reading of either), :mod:`~loaders.files.columns`
(header matching), :mod:`~loaders.files.archives` (zip limits),
:mod:`~loaders.files.vectors` (GeoJSON, GeoPackage, zipped Shapefile),
:mod:`~loaders.files.geometry` (repair), :mod:`~loaders.files.osm`.
"""

from __future__ import annotations

from loaders.files.archives import MAX_EXPANDED_BYTES, MAX_RATIO, check_expansion
from loaders.files.columns import ColumnMap, match_columns
from loaders.files.encodings import detect_encoding
from loaders.files.geometry import RepairResult, repair_geometries
from loaders.files.osm import read_osm
from loaders.files.problems import FileProblem
from loaders.files.tables import TABLE_EXTENSIONS, TableReader, read_table
from loaders.files.vectors import VECTOR_EXTENSIONS, read_vector

__all__ = [
    "FileProblem",
    "detect_encoding",
    "read_table",
    "TableReader",
    "match_columns",
    "ColumnMap",
    "read_vector",
    "repair_geometries",
    "RepairResult",
    "read_osm",
    "check_expansion",
    "MAX_EXPANDED_BYTES",
    "MAX_RATIO",
    "TABLE_EXTENSIONS",
    "VECTOR_EXTENSIONS",
]
