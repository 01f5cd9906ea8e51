"""Cells the platform writes into a spreadsheet or a CSV file, safe to open in Excel or WPS.

A text cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return before one) is read as a
formula by a spreadsheet program: a name typed as ``=HYPERLINK("http://…","点击")`` in a registry upload would come
back live in the error report, and a bank name likewise in the payment file (CSV/DDE injection). Every text cell
therefore goes through ``text_cell`` (the OWASP advice: a leading apostrophe, which the program shows as text), in
the CSV files and the Excel workbooks alike. Numbers stay numbers: only ``str`` values are touched.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Iterable
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def text_cell(value: str) -> str:
    """``value`` as text that no spreadsheet program evaluates."""
    return "'" + value if value.startswith(FORMULA_START) else value


def safe_row(values: Iterable[Any]) -> list[Any]:
    """A row for ``csv.writer.writerow`` or ``Worksheet.append``: each text cell neutralised, other values as
    they are (numbers, dates, ``None``)."""
    return [text_cell(value) if isinstance(value, str) else value for value in values]


def stable_workbook(book: Any, stamp: dt.datetime) -> bytes:
    """``book`` saved as .xlsx bytes that depend on its contents and ``stamp`` only, not on the time of saving.

    openpyxl stamps the document's "modified" with the time of saving, and each zip entry carries that time too
    (to two seconds): both are written again with ``stamp``, so exporting the same thing again gives the same file.
    """
    from openpyxl.xml.functions import tostring

    saved = io.BytesIO()
    book.save(saved)
    naive = stamp.replace(tzinfo=None, microsecond=0)
    book.properties.created = naive
    book.properties.modified = naive
    core = tostring(book.properties.to_tree())
    out = io.BytesIO()
    with zipfile.ZipFile(saved) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            fixed = zipfile.ZipInfo(entry.filename, date_time=naive.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(fixed, core if entry.filename == "docProps/core.xml" else source.read(entry.filename))
    return out.getvalue()
