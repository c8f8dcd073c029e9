"""Settings come from DATASTORE_* variables and are all documented; imports point one way."""

from __future__ import annotations

import ast
import graphlib
from pathlib import Path

import pytest

from catalog.config import Settings, setting_help

ROOT = Path(__file__).resolve().parent.parent
# Which of our packages each package may import (README, "Architecture").
ALLOWED = {
    "schemas": set(),
    "datastore": set(),
    "ingest": {"schemas", "datastore"},
    "catalog": {"schemas", "datastore", "ingest"},
}


def test_settings_from_environment():
    settings = Settings.from_env(
        {
            "DATASTORE_PORT": "8080",
            "DATASTORE_LOAD_SAMPLES": "false",
            "DATASTORE_DATA_DIR": "/tmp/x",
            "OTHER": "1",
        }
    )
    assert settings.port == 8080
    assert settings.load_samples is False
    assert settings.data_dir == Path("/tmp/x")
    assert Settings.from_env({}) == Settings()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DATASTORE_PORT", "eighty"),
        ("DATASTORE_LOAD_SAMPLES", "maybe"),
        ("DATASTORE_PAGE_SIZE", "0"),
        ("DATASTORE_THREADS", "-2"),
    ],
)
def test_bad_setting_says_what_is_wrong(name, value):
    with pytest.raises(ValueError, match=name):
        Settings.from_env({name: value})


def test_a_setting_whose_zero_means_none_takes_zero_from_the_environment():
    names = ("DATASTORE_PROXY_HOPS", "DATASTORE_QUICK_UPLOAD_MB", "DATASTORE_JOB_TIME_LIMIT")
    settings = Settings.from_env({name: "0" for name in names})
    assert (settings.proxy_hops, settings.quick_upload_mb, settings.job_time_limit) == (0, 0, 0)
    with pytest.raises(ValueError, match="DATASTORE_PROXY_HOPS must be a whole number, at least 0"):
        Settings.from_env({"DATASTORE_PROXY_HOPS": "-1"})


def test_defaults_fill_in_database_and_a_stored_secret(tmp_path):
    first = Settings(data_dir=tmp_path).resolved()
    assert first.database_url == f"sqlite:///{tmp_path / 'catalog.db'}"
    assert len(first.secret_key) == 64
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    assert Settings(data_dir=tmp_path).resolved().secret_key == first.secret_key


def test_readme_documents_every_setting():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [name for name, _, _ in setting_help() if f"`{name}`" not in readme]
    assert not missing, f"README does not document {missing}"


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_imports_point_one_way(package):
    ours = set(ALLOWED)
    wrong = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                if top in ours and top != package and top not in ALLOWED[package]:
                    wrong.append(f"{path.relative_to(ROOT)} imports {name}")
    assert not wrong, wrong


def test_lower_packages_know_nothing_of_flask_or_the_database():
    for package in ("schemas", "datastore", "ingest"):
        for path in (ROOT / package).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            assert "import flask" not in text and "from flask" not in text, path
            assert "sqlalchemy" not in text, path


# The rooms of catalog/, top to bottom (README, "A tour"). A room may import the rooms of
# any layer below its own; rooms that share a layer never import each other.
LAYERS: list[set[str]] = [
    {"cli"},
    {"terminal"},
    {"app"},
    {"web", "api"},
    {"context"},
    {"startup", "backup"},
    {"event"},
    {"foi"},
    {"datasets", "accounts"},
    {"site"},
    {"jobs", "search"},
    {"db"},
    {"viewer", "params"},
    {"config", "errors"},
]


def catalog_imports(root: Path = ROOT) -> dict[str, list[tuple[str, list[str]]]]:
    """{module: [(imported module, [names taken from it]), ...]} for every file of catalog/,
    imports inside functions included (only `if TYPE_CHECKING:` blocks are left out)."""
    modules = {
        ".".join(path.relative_to(root).with_suffix("").parts).removesuffix(".__init__"): path
        for path in (root / "catalog").rglob("*.py")
    }
    found: dict[str, list[tuple[str, list[str]]]] = {}
    for module, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skipped = {
            id(child)
            for node in ast.walk(tree)
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
            for child in ast.walk(node)
        }
        edges: list[tuple[str, list[str]]] = []
        for node in ast.walk(tree):
            if id(node) in skipped:
                continue
            if isinstance(node, ast.Import):
                edges += [(a.name, []) for a in node.names if a.name.startswith("catalog")]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                if not node.module.startswith("catalog"):
                    continue
                for alias in node.names:
                    submodule = f"{node.module}.{alias.name}"
                    if submodule in modules:  # `from catalog.datasets import reading`
                        edges.append((submodule, []))
                    else:
                        edges.append((node.module, [alias.name]))
        found[module] = edges
    return found


def room(module: str) -> str:
    return module.split(".")[1] if module.count(".") else ""


def layer_problems(imports: dict[str, list[tuple[str, list[str]]]]) -> list[str]:
    level = {name: i for i, names in enumerate(LAYERS) for name in names}
    problems = []
    for module, edges in imports.items():
        here = room(module)
        for target, _ in edges:
            there = room(target)
            if not here or not there or here == there:
                continue
            if here not in level or there not in level:
                problems.append(f"{module} -> {target}: a room missing from LAYERS")
            elif level[there] == level[here]:
                problems.append(f"{module} -> {target}: {here} and {there} never import each other")
            elif level[there] < level[here]:
                problems.append(f"{module} -> {target}: {there} is above {here}")
    return problems


def circles(imports: dict[str, list[tuple[str, list[str]]]]) -> list[str]:
    """Every module in an import circle between files of catalog/."""
    graph = {m: {t for t, _ in edges if t in imports and t != m} for m, edges in imports.items()}
    try:
        graphlib.TopologicalSorter(graph).prepare()
    except graphlib.CycleError as error:
        return [" -> ".join(error.args[1])]
    return []


def private_imports(imports: dict[str, list[tuple[str, list[str]]]]) -> list[str]:
    return [
        f"{module} takes {name} from {target}"
        for module, edges in imports.items()
        for target, names in edges
        for name in names
        if name.startswith("_") and target != module
    ]


def test_rooms_of_the_catalogue_import_downwards():
    imports = catalog_imports()
    assert {room(m) for m in imports if room(m)} <= set().union(*LAYERS)
    assert not layer_problems(imports)


def test_no_import_circle_between_files_of_the_catalogue():
    assert not circles(catalog_imports())


def test_no_file_takes_another_files_private_names():
    assert not private_imports(catalog_imports())


def test_the_layer_rules_catch_a_wrong_way_a_circular_and_a_private_import():
    imports = catalog_imports()
    wrong_way = {**imports, "catalog.db.models": [("catalog.web.views.datasets", [])]}
    assert any("web is above db" in p for p in layer_problems(wrong_way))
    sideways = {**imports, "catalog.api.dispatch": [("catalog.web.answers", [])]}
    assert any("never import each other" in p for p in layer_problems(sideways))
    circular = {
        **imports,
        "catalog.foi.letters": [*imports["catalog.foi.letters"], ("catalog.foi.reading", [])],
    }
    assert circles(circular)
    private = {**imports, "catalog.api.foi": [("catalog.api.auth", ["_secret"])]}
    assert private_imports(private) == ["catalog.api.foi takes _secret from catalog.api.auth"]


@pytest.mark.parametrize("package", ["schemas", "ingest", "datastore", "catalog"])
def test_no_module_over_400_lines(package):
    long = [
        f"{path.relative_to(ROOT)} ({count} lines)"
        for path in sorted((ROOT / package).rglob("*.py"))
        if (count := len(path.read_text(encoding="utf-8").splitlines())) > 400
    ]
    assert not long, f"{long}: a module this long holds two things; split it"
