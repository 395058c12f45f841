"""The public API is exactly what ``__all__`` says, and every public function says what it does."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import scenewatch

PUBLIC = {
    "Announcement",
    "Database",
    "Event",
    "Gap",
    "IngestSummary",
    "NukeAction",
    "NukeEvent",
    "Reject",
    "Sighting",
    "__version__",
    "ingest_paths",
    "silent_groups",
    "volume",
}
STAGES = ["scenewatch.names", "scenewatch.sources", "scenewatch.store", "scenewatch.analysis", "scenewatch.report"]


def test_top_level_all_is_the_documented_api() -> None:
    assert set(scenewatch.__all__) == PUBLIC
    for name in scenewatch.__all__:
        assert hasattr(scenewatch, name), name


def test_each_stage_declares_its_api() -> None:
    for stage in STAGES:
        module = importlib.import_module(stage)
        assert isinstance(getattr(module, "__all__", None), list | tuple), f"{stage} has no __all__"
        for name in module.__all__:
            assert hasattr(module, name), f"{stage}.{name} is in __all__ but missing"


def test_public_functions_have_docstrings() -> None:
    missing = []
    for info in pkgutil.walk_packages(scenewatch.__path__, "scenewatch."):
        if info.name.rsplit(".", 1)[-1].startswith("_") or info.name.endswith("__main__"):
            continue
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            if name.startswith("_") or getattr(obj, "__module__", None) != module.__name__:
                continue
            if inspect.isfunction(obj) or inspect.isclass(obj):
                if not (obj.__doc__ or "").strip():
                    missing.append(f"{info.name}.{name}")
    assert not missing, f"public names without a docstring: {missing}"


def test_names_imports_nothing_else_of_scenewatch() -> None:
    import ast
    from pathlib import Path

    root = Path(scenewatch.__file__).parent / "names"
    for path in root.rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("scenewatch."):
                assert node.module.startswith("scenewatch.names"), f"{path}: imports {node.module}"


def test_sources_never_import_the_store() -> None:
    import ast
    from pathlib import Path

    root = Path(scenewatch.__file__).parent / "sources"
    for path in root.rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                assert not node.module.startswith("scenewatch.store"), f"{path}: sources must not write to the store"
