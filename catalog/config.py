"""One frozen settings object, read from DATASTORE_* environment variables.

Every knob the application has is a field here, with its default and a help line; the
README lists them all (a test keeps it honest). create_app() and the CLI take a Settings
directly, so tests never touch the environment.
"""

from __future__ import annotations

import dataclasses
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PREFIX = "DATASTORE_"


def _setting(default: Any, help: str, minimum: int = 1) -> Any:
    """A setting: its default, its help line and, for a number, the least it may be (a
    count, size or port is at least 1; one whose 0 means "none" or "off" says so)."""
    return field(default=default, metadata={"help": help, "minimum": minimum})


@dataclass(frozen=True)
class Settings:
    data_dir: Path = _setting(
        Path("data"), "Folder for the catalogue database, the search index and every file."
    )
    database_url: str = _setting(
        "",
        "SQLAlchemy URL of the catalogue database. Empty means a SQLite file in the data "
        "folder; use postgresql+psycopg://user@host/db to share it between app processes.",
    )
    secret_key: str = _setting(
        "",
        "Key that signs sessions and form tokens. Empty means a random key generated on "
        "first run and kept in <data_dir>/secret_key.",
    )
    host: str = _setting("127.0.0.1", "Address `datastore run` listens on.")
    port: int = _setting(5000, "Port `datastore run` listens on.")
    threads: int = _setting(
        8, "Worker threads of the web server started by `datastore run` (in each process)."
    )
    processes: int = _setting(
        1,
        "App processes `datastore run` serves with (gunicorn, pre-forked; above 1 needs a "
        "PostgreSQL catalogue). 1: one waitress process, as on a laptop.",
    )
    search_backend: str = _setting(
        "whoosh",
        "Where search looks: whoosh (an index in the data folder) or postgresql (tables in "
        "the catalogue's PostgreSQL database, written in the same transaction as each "
        "change; needs the unaccent and pg_trgm extensions). Run `datastore reindex` after "
        "switching.",
    )
    ingest_workers: int = _setting(
        1,
        "Uploads from the web page checked and published at once by each app process, in "
        "background threads; more wait their turn.",
    )
    quick_upload_mb: int = _setting(
        5,
        "Uploads up to this size (MB) also have a lane of their own, one more background "
        "thread, so a huge or slow upload never keeps them waiting (0: no quick lane).",
        minimum=0,
    )
    job_time_limit: int = _setting(
        1800,
        "Seconds one upload may take to be checked and published before it is stopped, its "
        "file kept and the volunteer told why (0: no limit).",
        minimum=0,
    )
    job_queue: str = _setting(
        "threads",
        "Who runs the uploads: threads (background threads of each app process, nothing "
        "more to start) or postgresql (a queue in the catalogue's PostgreSQL database, run "
        "by `datastore worker` processes; a SQLite site cannot use it).",
    )
    max_upload_mb: int = _setting(200, "Largest upload accepted, in megabytes.")
    max_unpacked_mb: int = _setting(
        1000,
        "Largest size a compressed upload (a .gz, .bz2 or .xz file, or a .zip holding one "
        "table) may unpack to, in megabytes; counted as it unpacks, and refused the moment "
        "it passes this.",
    )
    secure_cookies: bool = _setting(
        False, "Send the session cookie over HTTPS only: set it when the site is served so."
    )
    proxy_hops: int = _setting(
        0,
        "Reverse proxies in front of the app whose X-Forwarded-For/-Proto/-Host headers are "
        "trusted (0: none; 1 behind one nginx or Caddy), so that addresses and https are real.",
        minimum=0,
    )
    password_profile: str = _setting(
        "RFC_9106_LOW_MEMORY",
        "argon2-cffi's cost profile for new password hashes: RFC_9106_LOW_MEMORY (64 MiB and "
        "3 passes per hash), RFC_9106_HIGH_MEMORY (2 GiB, 1 pass) or CHEAPEST (for test "
        "suites only: a stolen database's passwords would be quick to guess). A hash names "
        "its own cost, so older ones still work and are redone at their next sign-in.",
    )
    sign_in_limit: str = _setting(
        "10/minute", "Wrong passwords one address may try in that time before it must wait."
    )
    sign_in_account_limit: str = _setting(
        "30/hour", "Wrong passwords tried for one account, from anywhere, before it must wait."
    )
    rate_limit_storage: str = _setting(
        "memory://",
        "Where sign-in and sign-up attempts are counted: memory:// for one app process, a "
        "Redis URL (redis://127.0.0.1:6379) when several processes serve the site.",
    )
    sign_up: str = _setting(
        "code",
        "Who may make an account on /register: anyone, code (anyone with the event's code, "
        "set on /admin/sign-up) or nobody (invitations only). The admin page's choice, once "
        "made, overrides this.",
    )
    sign_up_limit: str = _setting(
        "60/hour",
        "Sign-up attempts one address may make in that time (each counts, a wrong code "
        "too); a room of volunteers often shares one address, so allow for all of them.",
    )
    max_line_bytes: int = _setting(
        1_000_000, "Longest line of an uploaded CSV file (among its first 200), in bytes."
    )
    max_columns: int = _setting(1000, "Most columns an uploaded table may have.")
    max_header_bytes: int = _setting(
        2000, "Longest column name (a cell of the header row) of an uploaded table, in bytes."
    )
    max_cell_bytes: int = _setting(
        1_000_000, "Longest value (one cell, in any row) of an uploaded table, in bytes."
    )
    max_schema_bytes: int = _setting(
        1_000_000, "Largest Table Schema file accepted with an upload, in bytes."
    )
    max_schema_fields: int = _setting(
        1000, "Most fields a Table Schema uploaded with a file may have."
    )
    max_api_body_bytes: int = _setting(
        2_000_000, "Largest JSON body an API call may send, in bytes (files come as multipart)."
    )
    max_json_depth: int = _setting(
        32, "Deepest nesting of objects and lists in a JSON body sent to the API."
    )
    error_limit: int = _setting(
        1000, "Validation stops after this many errors (frictionless's default)."
    )
    legacy_encodings: str = _setting(
        "cp1252,latin_1,iso8859_15,cp850",
        "Encodings tried, in order of preference, for files that are not UTF-8 or UTF-16 "
        "(comma-separated Python codec names; cp850 is the old DOS code page, where £ is "
        "byte 0x9C; add cp1250 for Central European files).",
    )
    load_samples: bool = _setting(
        True, "Publish a few real sample datasets when the catalogue is empty at start-up."
    )
    seed_authorities: bool = _setting(
        True,
        "Fill the directory of public bodies (FOI authorities) from the UK public bodies "
        "register and mySociety's local authority list when it is empty at start-up.",
    )
    page_size: int = _setting(20, "Search results per page.")
    preview_rows: int = _setting(20, "Rows per page in the dataset preview.")
    time_zone: str = _setting(
        "",
        "The site's time zone, an IANA name such as Europe/London: where the event board's "
        "day starts and ends, and the times it and the day's export show (empty: UTC).",
    )
    board_refresh_seconds: int = _setting(
        15,
        "Seconds between refreshes of the event board (/admin/board) when the browser runs "
        "no JavaScript; with it, the board follows its JSON twin every few seconds.",
    )
    query_memory_mb: int = _setting(
        256,
        "Memory one query's DuckDB may use (a filtered, sorted or distinct page or "
        "download), in megabytes; beyond it, it spills to <data_dir>/tmp/duckdb.",
    )
    query_spill_mb: int = _setting(
        1024,
        "Disk one query may spill to beyond its memory, in megabytes; a query needing more "
        "fails (a download says so with a 507). Each query running at once has its own.",
    )
    sql_time_limit: int = _setting(
        10,
        "Seconds one query on the SQL page or through datastore_search_sql may run before it "
        "is stopped and the person told so.",
    )
    sql_download_time_limit: int = _setting(
        600,
        "Seconds the CSV download of a SQL query's answer (/sql.csv) may take in all before "
        "it is stopped (the download is then cut, never ended as if whole).",
    )
    sql_memory_mb: int = _setting(
        256,
        "Memory one SQL query's DuckDB may use, in megabytes; beyond it, it spills as other "
        "queries do (DATASTORE_QUERY_SPILL_MB).",
    )
    sql_row_limit: int = _setting(
        1000,
        "Most rows the SQL page and datastore_search_sql show of an answer (the rest are "
        "said to be left out); the CSV download of it has them all.",
    )
    sql_max_chars: int = _setting(
        10_000, "Longest SQL query accepted, in characters, checked before anything runs."
    )
    arrow_memory_pool: str = _setting(
        "jemalloc",
        "Allocator for Arrow's memory: jemalloc, mimalloc or system. jemalloc measured faster "
        "and smaller here for ingests and downloads; where a build lacks it, pyarrow's "
        "default is used.",
    )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Settings from DATASTORE_<NAME> variables; unset ones keep their defaults."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for item in dataclasses.fields(cls):
            raw = environ.get(PREFIX + item.name.upper())
            if raw is not None:
                values[item.name] = _convert(item, raw)
        return cls(**values)

    def resolved(self) -> Settings:
        """These settings with the data folder created and the empty defaults filled in."""
        data_dir = self.data_dir.expanduser().resolve()
        data_dir.mkdir(parents=True, exist_ok=True)
        database_url = self.database_url or f"sqlite:///{data_dir / 'catalog.db'}"
        secret_key = self.secret_key or _stored_secret(data_dir / "secret_key")
        return dataclasses.replace(
            self, data_dir=data_dir, database_url=database_url, secret_key=secret_key
        )

    @property
    def max_upload_bytes(self) -> int:
        return self.max_upload_mb * 1024 * 1024

    @property
    def max_unpacked_bytes(self) -> int:
        return self.max_unpacked_mb * 1024 * 1024

    @property
    def legacy_encoding_list(self) -> tuple[str, ...]:
        return tuple(e.strip() for e in self.legacy_encodings.split(",") if e.strip())

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"

    @property
    def files_dir(self) -> Path:
        return self.data_dir / "files"

    @property
    def spill_dir(self) -> Path:
        """Where queries spill to disk: a folder per process (catalog/site.py)."""
        return self.data_dir / "tmp" / "duckdb"


def setting_help() -> list[tuple[str, str, str]]:
    """(environment variable, default, help) for every setting, for docs and --help."""
    return [
        (PREFIX + f.name.upper(), str(f.default), f.metadata["help"])
        for f in dataclasses.fields(Settings)
    ]


def _convert(item: dataclasses.Field[Any], raw: str) -> Any:
    name, default, minimum = item.name, item.default, item.metadata["minimum"]
    try:
        if isinstance(default, bool):
            if raw.strip().lower() in ("1", "true", "yes", "on"):
                return True
            if raw.strip().lower() in ("0", "false", "no", "off", ""):
                return False
            raise ValueError(raw)
        if isinstance(default, int):
            number = int(raw)
            if number < minimum:
                raise ValueError(raw)
            return number
        if isinstance(default, Path):
            return Path(raw)
    except ValueError:
        kind = (
            "true or false" if isinstance(default, bool) else f"a whole number, at least {minimum}"
        )
        raise ValueError(f"{PREFIX}{name.upper()} must be {kind}, not {raw!r}") from None
    return raw


def _stored_secret(path: Path) -> str:
    """The key in `path`, created (readable by this user only) if there is none yet."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(secrets.token_hex(32))
    return path.read_text(encoding="ascii").strip()
