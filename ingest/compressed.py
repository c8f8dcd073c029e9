"""Compressed uploads: a gzip (or bzip2, or xz) of a CSV, or a zip holding one, read as that
CSV; every other compressed file named as what it is, never read.

What people send: `spend.csv.gz`, `spend.zip` made by "Send to > Compressed folder" or a
Mac's "Compress" (which adds `__MACOSX/` and `.DS_Store` entries), and sometimes a gzip
renamed `.csv`. The kind is told by the file's first bytes, never by its name; an Excel or
OpenDocument workbook, itself a zip, is a workbook and not an archive (ingest/workbook.py).

A zip is read when it holds one table: one .csv, .tsv or .tab file (or, when it has none of
those, one .txt file, or else one workbook), whatever else it holds beside (a README.pdf is
set aside and named); junk (folders, `__MACOSX/`, `._*`, `.DS_Store`, `Thumbs.db`,
`desktop.ini`, Office's `~$*` lock files) is never looked at.

Safety, for files from strangers:
- the unpacked size is counted as it streams, in 1 MB blocks, and refused the moment it
  passes `max_unpacked_bytes` (a zip's declared size may refuse early, never allow: zipfile
  reads no member past it, and a member whose data does not match it is damaged);
- a zip's entries are counted from its end record before anything lists them, and more
  than `max_members` are refused;
- nothing is extracted by its name in the archive (no zip slip): the one member is copied
  to `unpacked.csv` (or `unpacked.xlsx`, ...) in a folder the caller owns;
- a password, a damaged or cut-off file, a zip method the standard library lacks: each is
  a report error with a message and a fix in plain words (`CompressedError`).
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any

from ingest.workbook import is_workbook

Progress = Callable[[str, int, int], None]  # (stage, done, total), as ingest.engine's
UNPACKING = "unpacking"  # the progress stage: compressed bytes read of the file's size
BLOCK = 1 << 20
DEFAULT_MAX_UNPACKED_BYTES = 1000 * 1024 * 1024
DEFAULT_MAX_MEMBERS = 1000

# A file's first bytes, what it is in words, and whether we read it (a stream we unpack,
# a zip we look into, or neither: named and refused).
STREAMS = {"gzip", "bzip2", "xz"}
SIGNATURES = (
    (b"\x1f\x8b", "gzip", "compressed with gzip (.gz)"),
    (b"PK\x03\x04", "zip", "a zip archive (.zip)"),
    (b"PK\x05\x06", "zip", "a zip archive (.zip)"),  # an empty one
    (b"BZh", "bzip2", "compressed with bzip2 (.bz2)"),
    (b"\xfd7zXZ\x00", "xz", "compressed with xz (.xz)"),
    (b"7z\xbc\xaf\x27\x1c", "7z", "a 7-Zip archive (.7z)"),
    (b"Rar!\x1a\x07", "rar", "a RAR archive (.rar)"),
    (b"\x28\xb5\x2f\xfd", "zstd", "compressed with Zstandard (.zst)"),
)
_TAR_MAGIC = (257, b"ustar")
_TABLES = (".csv", ".tsv", ".tab")
_TEXTS = (".txt",)
_WORKBOOKS = (".xlsx", ".xls", ".ods")
_WORKBOOK_FIRST = (b"[Content_Types].xml", b"mimetype", b"_rels/", b"docProps/", b"xl/")
_JUNK_NAMES = {".ds_store", "thumbs.db", "desktop.ini"}
_DOCUMENTS = {"word/": "a Word document (.docx)", "ppt/": "a PowerPoint file (.pptx)"}
_OPEN_IT = (
    "Open it (double-click it, or use 'Extract all'), then upload the CSV or spreadsheet inside."
)
_SHOWN = 10  # names listed in a message; the rest are counted
_OPENERS: dict[str, Callable[[IO[bytes]], io.BufferedIOBase]] = {
    "gzip": lambda raw: gzip.GzipFile(fileobj=raw, mode="rb"),
    "bzip2": bz2.BZ2File,
    "xz": lzma.LZMAFile,
}
# What reading a damaged compressed file raises (gzip.BadGzipFile and bz2's are OSErrors).
_READ_ERRORS = (OSError, EOFError, ValueError, zlib.error, lzma.LZMAError, zipfile.BadZipFile)


class CompressedError(Exception):
    """A compressed upload we will not read; `problem` is its report error."""

    def __init__(self, message: str, fix: str, *, code: str = "format-error") -> None:
        super().__init__(message)
        self.problem: dict[str, Any] = {
            "type": code,
            "title": "The file cannot be taken in as it is"
            if code == "table-dimensions"
            else "The file is not in a format we can read",
            "message": message,
            "fix": fix,
            "note": message,
            "tags": ["#table"],
        }


@dataclass(frozen=True)
class Unpacked:
    """The table to read from an upload: the upload itself, or what was unpacked from it."""

    path: Path
    kind: str = ""  # "gzip", "bzip2", "xz" or "zip"; "" when the upload was not compressed
    member: str = ""  # the zip member read
    bytes: int = 0  # its size unpacked
    set_aside: tuple[str, ...] = ()  # the zip's other files, not read

    @property
    def compressed(self) -> bool:
        return bool(self.kind)

    def note(self) -> str:
        """What was read, in words, for the review page."""
        if self.kind != "zip":
            return f"The file is compressed with {self.kind}: we read the table inside it."
        note = f"We read {_quoted([self.member])} from inside the zip archive."
        if self.set_aside:
            note += f" Its other files are kept with it, not read: {_quoted(self.set_aside)}."
        return note

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "member": self.member,
            "bytes": self.bytes,
            "setAside": list(self.set_aside),
        }


def compression(path: Path) -> tuple[str, str] | None:
    """(kind, what it is in words) when the file's bytes are compressed, else None. A
    workbook is not an archive here, though .xlsx and .ods are zips."""
    found = _signature(path)
    if found is not None and found[0] == "zip" and is_workbook(path):
        return None
    return found


def _signature(path: Path) -> tuple[str, str] | None:
    with path.open("rb") as handle:
        start = handle.read(8)
    for magic, kind, words in SIGNATURES:
        if start.startswith(magic):
            return kind, words
    return None


def unpack_table(
    path: Path,
    folder: Path,
    *,
    max_unpacked_bytes: int = DEFAULT_MAX_UNPACKED_BYTES,
    max_members: int = DEFAULT_MAX_MEMBERS,
    progress: Progress | None = None,
) -> Unpacked:
    """The table in `path`: the file itself when it is not compressed; else the one table
    it holds, unpacked into `folder` under a name of ours (the caller removes it). Raises
    CompressedError, with words for the person who sent it, when that cannot be done."""
    found = _signature(path)
    if found is None:
        return Unpacked(path)
    kind, words = found
    if kind == "zip":
        if _opens_like_a_workbook(path) and is_workbook(path):
            return Unpacked(path)  # a workbook, with caps of its own (ingest/workbook.py)
        _check_entries(path, max_members)  # before anything lists the entries
        if is_workbook(path):  # one whose first entry is not the usual one
            return Unpacked(path)
        return _unpack_zip(path, folder, max_unpacked_bytes, progress)
    if kind in STREAMS:
        dest = folder / "unpacked.csv"
        size = _unpack_stream(path, kind, dest, max_unpacked_bytes, progress)
        _check_inside(dest, f"The {kind} file")
        return Unpacked(dest, kind, bytes=size)
    raise CompressedError(
        f"The file is {words}, which we cannot open here.",
        f"{_OPEN_IT} Or compress it as .zip or .gz instead.",
    )


def _unpack_stream(path: Path, kind: str, dest: Path, most: int, progress: Progress | None) -> int:
    total = path.stat().st_size
    with path.open("rb") as raw, _OPENERS[kind](raw) as stream:
        return _copy(stream, dest, most, Reading(f"{kind} file", raw, total, progress))


def _unpack_zip(path: Path, folder: Path, most: int, progress: Progress | None) -> Unpacked:
    total = path.stat().st_size
    with path.open("rb") as raw:
        try:
            archive = zipfile.ZipFile(raw)
        except _READ_ERRORS:
            raise _damaged("zip archive") from None
        with archive:
            members = [m for m in archive.infolist() if not _junk(m.filename)]
            chosen = _chosen_member(members)
            if chosen.flag_bits & 0x1:
                raise CompressedError(
                    f"The zip archive is protected by a password, so "
                    f"{_quoted([chosen.filename])} in it cannot be read.",
                    "Zip the file again without a password, or upload the CSV itself.",
                )
            if chosen.file_size > most:  # declared: it may refuse early, never allow
                raise _too_large(most)
            suffix = PurePosixPath(chosen.filename).suffix.lower()
            dest = folder / ("unpacked" + (suffix if suffix in _WORKBOOKS else ".csv"))
            try:
                member = archive.open(chosen)
            except NotImplementedError:  # a compression method the standard library lacks
                raise CompressedError(
                    "The zip archive is compressed in a way we cannot read (Deflate64 or "
                    "another uncommon method).",
                    "Zip the file again with your computer's ordinary 'Compress' or "
                    "'Send to > Compressed folder', or upload the CSV itself.",
                ) from None
            except _READ_ERRORS:
                raise _damaged("zip archive") from None
            with member:
                size = _copy(member, dest, most, Reading("zip archive", raw, total, progress))
    set_aside = tuple(m.filename for m in members if m is not chosen)
    if suffix not in _WORKBOOKS:
        _check_inside(dest, f'"{chosen.filename}" in the zip archive')
    return Unpacked(dest, "zip", chosen.filename, size, set_aside)


def _opens_like_a_workbook(path: Path) -> bool:
    """Whether the zip's first entry is one an .xlsx or .ods starts with (read from its
    local header, without listing the archive)."""
    with path.open("rb") as handle:
        header = handle.read(30)
        if len(header) < 30 or not header.startswith(b"PK\x03\x04"):
            return False
        (length,) = struct.unpack("<H", header[26:28])
        name = handle.read(min(length, 64))
    return name.startswith(_WORKBOOK_FIRST)


def _check_entries(path: Path, max_members: int) -> None:
    with path.open("rb") as raw:
        entries, directory_bytes = _zip_directory(raw)
    if entries > max_members or directory_bytes > max_members * 4096:
        raise CompressedError(
            f"The zip archive holds {entries:,} files, more than the {max_members:,} we look "
            "through.",
            "Upload the one CSV file itself, or zip it on its own.",
            code="table-dimensions",
        )


def _zip_directory(raw: IO[bytes]) -> tuple[int, int]:
    """(entries, bytes of the central directory) as the zip's end record declares them,
    read before zipfile parses the directory (zip64 records included)."""
    raw.seek(0, 2)
    size = raw.tell()
    tail_start = max(0, size - (22 + 65535))  # the end record, and a comment of at most 64 kB
    raw.seek(tail_start)
    tail = raw.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        raise _damaged("zip archive")
    entries, directory_bytes = struct.unpack("<xxxxxxxxxxHIxxxxxx", tail[at : at + 22])
    locator = at - 20
    zip64 = entries == 0xFFFF or directory_bytes == 0xFFFFFFFF
    if zip64 and locator >= 0 and tail[locator : locator + 4] == b"PK\x06\x07":
        (offset,) = struct.unpack("<Q", tail[locator + 8 : locator + 16])
        raw.seek(offset)
        record = raw.read(56)
        if len(record) == 56 and record.startswith(b"PK\x06\x06"):
            entries, directory_bytes = struct.unpack("<QQ", record[32:48])
    raw.seek(0)
    return int(entries), int(directory_bytes)


def _chosen_member(members: list[zipfile.ZipInfo]) -> zipfile.ZipInfo:
    """The one table of the zip, or CompressedError saying what it holds instead."""
    for suffixes, what in ((_TABLES, "CSV files"), (_TEXTS, "text files"), (_WORKBOOKS, "")):
        tables = [m for m in members if PurePosixPath(m.filename).suffix.lower() in suffixes]
        if len(tables) == 1:
            return tables[0]
        if len(tables) > 1:
            names = [m.filename for m in tables]
            what = what or "spreadsheets"
            raise CompressedError(
                f"The zip archive holds {len(names)} {what}: {_quoted(names)}. We publish "
                "one table at a time.",
                "Upload them one at a time (each as its own dataset, or as the versions of "
                "one), or zip just the one you mean.",
            )
    names = [m.filename for m in members]
    for prefix, document in _DOCUMENTS.items():
        if any(name.startswith(prefix) for name in names):
            raise CompressedError(
                f"The file is {document}, not a table.",
                "Save the table as CSV (or as an Excel workbook) and upload that.",
            )
    if not names:
        raise CompressedError(
            "The zip archive is empty: it holds no files (only folders or system files, "
            "if anything).",
            "Zip the CSV file itself and upload that, or upload the CSV without zipping it.",
        )
    raise CompressedError(
        f"The zip archive holds no CSV file or spreadsheet: it holds {_quoted(names)}.",
        "Upload the CSV file itself. If the table is in one of these files, save it as CSV first.",
    )


def _junk(name: str) -> bool:
    """Folders and what computers add to an archive of their own accord."""
    parts = PurePosixPath(name.replace("\\", "/")).parts
    if name.endswith(("/", "\\")) or not parts or "__MACOSX" in parts:
        return True
    last = parts[-1]
    return last.lower() in _JUNK_NAMES or last.startswith(("._", "~$", ".~lock."))


@dataclass(frozen=True)
class Reading:
    """What is being unpacked (for the words of a read error) and how far along it is."""

    what: str
    raw: IO[bytes]  # the compressed file: its position is the progress
    total: int
    progress: Progress | None

    def report(self) -> None:
        if self.progress:
            self.progress(UNPACKING, min(self.raw.tell(), self.total), self.total)


def _copy(source: IO[bytes] | io.BufferedIOBase, dest: Path, most: int, reading: Reading) -> int:
    """Copy `source` to `dest` in blocks, counting; refused the moment it passes `most`.
    A read that fails is a damaged file; a write that fails (a full disk) is our problem."""
    written = 0
    try:
        with dest.open("wb") as out:
            while True:
                try:
                    block = source.read(BLOCK)
                except _READ_ERRORS:
                    raise _damaged(reading.what) from None
                if not block:
                    break
                written += len(block)
                if written > most:
                    raise _too_large(most)
                out.write(block)
                reading.report()
    except BaseException:
        dest.unlink(missing_ok=True)  # nothing half unpacked is left behind
        raise
    if reading.progress:
        reading.progress(UNPACKING, reading.total, reading.total)
    return written


def _check_inside(dest: Path, what: str) -> None:
    """What was unpacked is not itself an archive (a .tar.gz, a .csv.gz.gz): named. A
    workbook is fine (a gzip of an .xlsx is read as the workbook)."""
    offset, magic = _TAR_MAGIC
    with dest.open("rb") as handle:
        tar = handle.read(offset + len(magic))[offset:] == magic
    inner = compression(dest)
    if tar or inner is not None:
        dest.unlink()
        words = "a tar archive (.tar)" if tar or inner is None else f"another {inner[0]} file"
        raise CompressedError(
            f"{what} holds {words}, not a table.",
            "Open it until you reach the CSV file (double-click it, or use 'Extract all', "
            "as often as it takes), then upload that.",
        )


def _too_large(most: int) -> CompressedError:
    return CompressedError(
        f"The file unpacks to more than {most / (1024 * 1024):,.0f} MB, the most we unpack "
        "(DATASTORE_MAX_UNPACKED_MB).",
        "Split the table into smaller files and upload each, or ask the site's organiser "
        "to raise DATASTORE_MAX_UNPACKED_MB.",
        code="table-dimensions",
    )


def _damaged(what: str) -> CompressedError:
    return CompressedError(
        f"The {what} is damaged or incomplete: it may not have finished downloading or uploading.",
        "Make the compressed file again (or download it again), then upload it; or upload "
        "the CSV file itself.",
    )


def _quoted(names: list[str] | tuple[str, ...]) -> str:
    shown = [f'"{name[:100]}"' for name in names[:_SHOWN]]
    more = len(names) - len(shown)
    if more:
        return ", ".join(shown) + f" and {more:,} more"
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]
