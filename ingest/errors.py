"""The exception ingest's own engine raises for a file it declines.

A file the engine cannot read the way frictionless does raises Unsupported; the caller
(ingest/validate.py) then lets frictionless validate it row by row instead.
"""


class Unsupported(Exception):
    """A file this engine does not read the way frictionless does; use frictionless."""


class WorkbookError(Exception):
    """A workbook we will not read: not a workbook, no such sheet, broken, or over the caps.

    Its message is for the person who sent the file.
    """


class CellTooLong(Exception):
    """A cell longer than the limit the caller set (ingest/limits.py names it to the person)."""

    def __init__(self, row: int, column: str, size: int, limit: int, index: int = -1) -> None:
        super().__init__(f"row {row}, column {column or index!r}: {size} bytes, over {limit}")
        self.row, self.column, self.size, self.limit = row, column, size, limit
        self.index = index  # the column's position, when its name is not known yet
