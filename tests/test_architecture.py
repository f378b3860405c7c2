"""How the modules depend on each other (README, Architecture): imports flow one way, with no
cycle; the pure cores import neither Flask nor the database; services import no Flask; the
error handlers know no domain package; only the application factory imports routes and CLIs."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOT_THE_APP = {".venv", "tests", "migrations", "bench", "scripts", "instance", ".git",
               "node_modules", "static", "templates", "translations"}
DOMAIN_PACKAGES = {"accounts", "audit", "catalog_export", "demo", "jobs", "market", "qr", "vendors"}
# Modules that turn requests or commands into calls: only app.py registers them.
ENTRY_MODULES = {"routes", "api", "cli", "import_routes", "edit_routes", "readiness_routes", "export_routes",
                 "export_api", "export_cli", "dashboard_routes", "stats_api", "stats_cli"}
# Where correctness matters most: plain values in, plain values out.
PURE_MODULES = {"accounts.passwords", "domain_errors", "formats", "textnorm", "spreadsheets", "qr.payload", "market.indicators",
                "qr.payload_parse", "qr.payload_read", "market.charts",
                "vendors.import_file", "vendors.import_columns", "vendors.import_cells",
                "vendors.import_template"}
FLASK = ("flask", "flask_babel", "flask_login", "flask_wtf", "flask_smorest",
         "flask_sqlalchemy", "flask_migrate")
# Modules of a domain package that work with Flask by design, besides its entry modules.
FLASK_GLUE = {
    "jobs.runner",  # starts a job in this web process or hands it to RQ
    "catalog_export.export_jobs",  # queues an export with the app's folders and settings
    "catalog_export.export_schemas",  # the export form's and API's schemas (lazy messages)
    "market.stats_schemas",  # the figures' query and form schemas (lazy messages)
    "market.chart_views",  # the charts' titles and legends in the reader's language
    "market.report",  # the monthly report: the app's template and locale, in a job
    "vendors.pages",  # the trader's page, shown by the routes that view and change a trader
}
DATABASE = ("sqlalchemy", "db")


def _modules() -> dict[str, Path]:
    found = {}
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[0] in NOT_THE_APP:
            continue
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


MODULES = _modules()


def _imports(path: Path) -> set[str]:
    """Every module a file imports, at its top or inside a function alike."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


IMPORTS = {name: _imports(path) for name, path in MODULES.items()}


def _project_imports(name: str) -> set[str]:
    return {imported for imported in IMPORTS[name] if imported in MODULES} - {name}


def _third_party(name: str, roots: tuple[str, ...]) -> set[str]:
    return {imported for imported in IMPORTS[name] if imported.split(".")[0] in roots}


def test_the_modules_import_each_other_without_a_cycle():
    graph = {name: _project_imports(name) for name in MODULES}
    cycles, state = [], {}

    def visit(name: str, path: list[str]) -> None:
        state[name] = "open"
        for imported in sorted(graph[name]):
            if state.get(imported) == "open":
                cycles.append(" -> ".join(path[path.index(imported):] + [imported]))
            elif imported not in state:
                visit(imported, [*path, imported])
        state[name] = "done"

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert cycles == []


def test_the_pure_cores_import_neither_flask_nor_the_database():
    exporters = {name for name in MODULES if name.startswith("catalog_export.exporters")}
    assert "catalog_export.exporters.base" in exporters
    for name in PURE_MODULES | exporters | {"catalog_export.canonical"}:
        assert name in MODULES, name
        assert _third_party(name, FLASK + DATABASE) == set(), name


def test_services_import_no_flask():
    services = [name for name in MODULES if name.split(".")[0] in DOMAIN_PACKAGES
                and name.count(".") == 1
                and name.split(".")[1] not in ENTRY_MODULES | {"schemas", "models"}
                and name not in FLASK_GLUE]
    assert len(services) > 10
    offending = {name: _third_party(name, FLASK) for name in services}
    assert {name: found for name, found in offending.items() if found} == {}


def test_the_error_handlers_know_no_domain_package():
    for name in ("errors", "domain_errors"):
        domain = {imported for imported in _project_imports(name)
                  if imported.split(".")[0] in DOMAIN_PACKAGES}
        assert domain == set(), name


def test_only_the_application_factory_imports_routes_and_commands():
    for name in MODULES:
        if name in ("app", "worker"):
            continue
        entries = {imported for imported in _project_imports(name)
                   if imported.split(".")[0] in DOMAIN_PACKAGES
                   and imported.split(".")[-1] in ENTRY_MODULES}
        assert entries == set(), name


def test_the_tests_mirror_the_packages():
    """A folder of tests is named after the package whose modules it tests."""
    folders = {path.name for path in (ROOT / "tests").iterdir()
               if path.is_dir() and path.name != "__pycache__" and not path.name.startswith(".")}
    assert folders - DOMAIN_PACKAGES == set()
