"""The kitchen's imports flow one way: accounts <- events <- bookings <- payments.

The kitchen is each app's models, services, selectors, lock helpers, managers and
validators. A lower app's kitchen never imports a higher app, not even inside a
function; where it must react to a higher app, a signal registered in the higher
app's apps.py ties them. The doors (views, admin, API, serializers, template tags,
management commands) may call any app's kitchen.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LAYERS = ["accounts", "events", "bookings", "payments", "notifications", "community"]  # lowest first
KITCHEN = (
    "models.py",
    "services.py",
    "selectors.py",
    "locks.py",
    "managers.py",
    "validators.py",
    "providers.py",
    "invoicing.py",
)


def imported_apps(path: Path) -> set[str]:
    """The project apps a module imports, at the top or inside a function."""
    apps = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            apps.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            apps.update(alias.name.split(".")[0] for alias in node.names)
    return apps & set(LAYERS)


def kitchen_modules():
    for app in LAYERS:
        for name in KITCHEN:
            path = ROOT / app / name
            if path.exists():
                yield pytest.param(app, path, id=f"{app}/{name}")


@pytest.mark.parametrize(("app", "path"), list(kitchen_modules()))
def test_the_kitchen_never_imports_a_higher_app(app, path):
    higher = set(LAYERS[LAYERS.index(app) + 1 :])
    assert not imported_apps(path) & higher, (
        f"{path.relative_to(ROOT)} imports {imported_apps(path) & higher}"
    )


def test_the_check_sees_a_function_local_import(tmp_path):
    module = tmp_path / "services.py"
    module.write_text("def f():\n    from bookings.services import book\n")
    assert imported_apps(module) == {"bookings"}
