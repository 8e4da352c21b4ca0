"""TypedDicts for the API's response schemas, from ``clients/openapi.json``.

``python tests/support/contract_types.py > clients/models.py`` (``make models``) writes them;
``tests/api/test_models.py`` checks the written ones against the contract, field by field.
"""

from __future__ import annotations

import json
import keyword
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

OPENAPI = Path(__file__).resolve().parents[2] / "clients" / "openapi.json"
MIN_SHARED = 4
"""A base shares at least this many fields: three (``id``, ``name_zh``, ``name_en``) is a
coincidence of shape, not one thing that another extends."""
SCALARS = {"string": "str", "integer": "int", "number": "float", "boolean": "bool", "null": "None"}


def load(path: Path = OPENAPI) -> dict[str, Any]:
    return dict(json.loads(path.read_text(encoding="utf-8")))


def _ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[1]


def py_type(schema: dict[str, Any]) -> str:
    """The Python annotation for a JSON schema, as source text."""
    if "$ref" in schema:
        return _ref_name(schema["$ref"])
    if "anyOf" in schema:
        parts: list[str] = []
        for option in schema["anyOf"]:
            text = py_type(option)
            if text not in parts:
                parts.append(text)
        return " | ".join(parts)
    if "enum" in schema:
        return (
            "Literal[" + ", ".join(json.dumps(v, ensure_ascii=False) for v in schema["enum"]) + "]"
        )
    if "const" in schema:
        return "Literal[" + json.dumps(schema["const"], ensure_ascii=False) + "]"
    kind = schema.get("type")
    if kind in SCALARS:
        return SCALARS[kind]
    if kind == "array":
        items = schema.get("items")
        return f"list[{py_type(items) if items else 'Any'}]"
    if kind == "object":
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict) and extra:
            return f"dict[str, {py_type(extra)}]"
        return "dict[str, Any]"
    return "Any"


def _refs(schema: Any) -> Iterator[str]:
    if isinstance(schema, dict):
        if "$ref" in schema:
            yield _ref_name(schema["$ref"])
        for value in schema.values():
            yield from _refs(value)
    elif isinstance(schema, list):
        for value in schema:
            yield from _refs(value)


def response_schemas(spec: dict[str, Any]) -> list[str]:
    """Names of the component schemas a response can contain, in dependency-first order."""
    schemas = spec["components"]["schemas"]
    roots: list[str] = []
    for operations in spec["paths"].values():
        for operation in operations.values():
            for code, response in operation.get("responses", {}).items():
                if code.startswith("2"):
                    roots.extend(_refs(response.get("content", {})))
    order: list[str] = []

    def visit(name: str) -> None:
        if name in order:
            return
        for dep in _refs(schemas[name]):
            if dep != name:
                visit(dep)
        if name not in order:
            order.append(name)

    for name in roots:
        visit(name)
    return order


def _base(fields: dict[str, str], written: dict[str, dict[str, str]]) -> str | None:
    """The largest TypedDict written so far whose every field this one has, typed alike: this
    one extends it instead of repeating its fields (``CustomerDetail(CustomerSummary)``)."""
    bases = [
        (len(theirs), name)
        for name, theirs in written.items()
        if MIN_SHARED <= len(theirs) < len(fields)
        and all(fields.get(f) == t for f, t in theirs.items())
    ]
    return max(bases)[1] if bases else None


def render(spec: dict[str, Any]) -> str:
    schemas = spec["components"]["schemas"]
    names = response_schemas(spec)
    out = [
        '"""Typed responses of the branchdesk API: one TypedDict per response schema of',
        "``clients/openapi.json`` (written by ``make models``; a test checks them against it).",
        "A schema that has all the fields of another one extends it.",
        "",
        "Only the typing module is imported: this is on the first-frame path. No",
        "``from __future__ import annotations``: TypedDict reads ``NotRequired`` at run time.",
        '"""',
        "",
        "from typing import Any, Literal, NotRequired, TypedDict",
    ]
    written: dict[str, dict[str, str]] = {}
    for name in names:
        schema = schemas[name]
        required = set(schema.get("required", []))
        fields = {
            field: (text if field in required else f"NotRequired[{text}]")
            for field, text in ((f, py_type(p)) for f, p in schema.get("properties", {}).items())
        }
        out += ["", ""]
        if not all(f.isidentifier() and not keyword.iskeyword(f) for f in fields):
            # A field such as ``from`` needs the functional form.
            body = ", ".join(f"{json.dumps(f)}: {t}" for f, t in fields.items())
            out.append(f"{name} = TypedDict({json.dumps(name)}, {{{body}}})")
            continue
        base = _base(fields, written)
        written[name] = fields
        out.append(f"class {name}({base or 'TypedDict'}):")
        if schema.get("description"):
            out += [f'    """{schema["description"].strip()}"""', ""]
        inherited = written[base] if base else {}
        own = {f: t for f, t in fields.items() if f not in inherited}
        out.extend(f"    {field}: {text}" for field, text in own.items())
        if not own:
            out.append("    pass")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render(load()))
