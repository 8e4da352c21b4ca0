"""Domain code sees only the Store protocol: no private store attribute outside store.py."""

from __future__ import annotations

import ast
from pathlib import Path

from branchdesk.clients.local import store as store_module
from branchdesk.clients.local.backend import Backend
from branchdesk.clients.local.store import FileStore, MemoryStore, Store

LOCAL = Path(store_module.__file__).resolve().parent


def _private_names(tmp_path: Path) -> set[str]:
    names = {n for cls in (MemoryStore, FileStore) for n in vars(cls) if n.startswith("_")}
    file_store = FileStore(tmp_path)
    try:
        names |= {n for n in vars(file_store) if n.startswith("_")}
    finally:
        file_store.close()
    return {n for n in names if not n.startswith("__")}


def test_nothing_outside_store_py_touches_a_private_store_attribute(tmp_path: Path) -> None:
    private = _private_names(tmp_path)
    assert {"_tables", "_indexes", "_set", "_acquire_lock"} <= private
    found = []
    for path in sorted(LOCAL.rglob("*.py")):
        if path.name == "store.py" and path.parent == LOCAL:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in private:
                found.append(f"{path.relative_to(LOCAL)}:{node.lineno} .{node.attr}")
    assert found == []


def test_the_backend_holds_a_store_by_its_protocol() -> None:
    assert Backend.__annotations__["store"] in ("Store", Store)


def test_the_memory_store_lists_its_tables_and_keys() -> None:
    store = MemoryStore()
    with store.transaction() as txn:
        txn.put("a", "1", {"x": 1})
        txn.put("b", "2", {"x": 2})
        txn.delete("b", "2")
    assert store.tables() == ["a"]
    assert store.keys("a") == ["1"]
    checked: Store = store
    assert checked.count("a") == 1
