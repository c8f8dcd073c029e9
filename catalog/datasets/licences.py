"""The licences a dataset can carry, with CKAN's ids so the CKAN-compatible API matches."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Licence:
    id: str
    title: str
    url: str
    open: bool = True


LICENCES = (
    Licence(
        "uk-ogl",
        "Open Government Licence v3.0",
        "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
    ),
    Licence("cc-by", "Creative Commons Attribution 4.0", "https://creativecommons.org/licenses/by/4.0/"),
    Licence("cc-zero", "Creative Commons CC0", "https://creativecommons.org/publicdomain/zero/1.0/"),
    Licence("odc-odbl", "Open Data Commons Open Database License (ODbL)", "https://opendatacommons.org/licenses/odbl/1-0/"),
    Licence("odc-pddl", "Open Data Commons Public Domain Dedication and License (PDDL)", "https://opendatacommons.org/licenses/pddl/1-0/"),
    Licence("odc-by", "Open Data Commons Attribution License", "https://opendatacommons.org/licenses/by/1-0/"),
    Licence("other-open", "Other (open)", ""),
    Licence("notspecified", "Licence not specified", "", open=False),
)  # fmt: skip

_BY_ID = {licence.id: licence for licence in LICENCES}
DEFAULT_LICENCE = "notspecified"


def licence(licence_id: str) -> Licence | None:
    return _BY_ID.get(licence_id)
