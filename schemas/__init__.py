"""Table Schema handling: load and check a schema, infer one, the library of ready schemas,
and match a file's columns to a schema's fields.

A schema is kept as a plain JSON-able dict (a Table Schema descriptor) everywhere in the
project; frictionless is used to check it. A schema is inferred from every value of a file,
with a plain-words guess for each column (schemas/infer.py).
"""

from schemas.arrow import arrow_schema, csv_schema
from schemas.guesses import ColumnGuess
from schemas.infer import Inference, infer_schema, infer_table
from schemas.library import LibraryEntry, library_entries, library_schema
from schemas.matching import Match, Pair, Suggestion, match_columns, suggest_schemas
from schemas.schema import (
    SchemaError,
    SchemaProblem,
    check_schema,
    load_schema,
    parse_schema,
    schema_warnings,
)
from schemas.swaps import Swap, swapped_columns

__all__ = [
    "ColumnGuess",
    "Inference",
    "LibraryEntry",
    "Match",
    "Pair",
    "SchemaError",
    "SchemaProblem",
    "Suggestion",
    "Swap",
    "arrow_schema",
    "check_schema",
    "csv_schema",
    "infer_schema",
    "infer_table",
    "library_entries",
    "library_schema",
    "load_schema",
    "match_columns",
    "parse_schema",
    "schema_warnings",
    "suggest_schemas",
    "swapped_columns",
]
