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
