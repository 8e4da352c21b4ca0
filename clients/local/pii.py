"""PII at rest: each workflow keeps what it needs of an ID number or a mobile, never the value.

For a PII field ``f`` (``mobile``, ``id_number``, and the fields that hold one of them under
another name: a card-write customer's ``contact``, a clerk's ``job_no``, an installment
customer's ``customer_mobile``) a stored document holds

- ``f``: the value sealed with the backend's ``Sealer`` (AES-GCM, context ``pii:<table>.<f>``),
  opened only where the real value is used (sending an SMS, an audited reveal);
- ``f_hash``: a keyed hash (a subkey of the master key, which never lives in the data
  directory) for lookups and duplicate checks, so the store files give no value away;
- ``f_masked``: the masked form staff see (``138****8000``), so views need no key at all.

Documents written before this module hold the plain value in ``f``: ``value``, ``masked`` and
``lookup`` read both, so an older store keeps working until its documents are written again.
Rules call these helpers; they never touch the sealer themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from branchdesk.clients import validators
from branchdesk.clients.local.backend import Backend
from branchdesk.clients.local.sealing import PREFIX
from branchdesk.clients.local.store import Doc, Store

FIELDS = ("mobile", "id_number")
MASKS: dict[str, Callable[[str], str]] = {
    "mobile": validators.mask_mobile,
    "id_number": validators.mask_id_number,
}
KINDS = {
    "mobile": "mobile",
    "id_number": "id_number",
    "contact": "mobile",
    "customer_mobile": "mobile",
    "job_no": "mobile",
}
"""What each PII field holds: its mask and its keyed hash are those of the kind, so the same
mobile hashes alike whatever the field is called."""


def lookup_key(backend: Backend, field: str, value: str) -> str:
    """The keyed hash stored as ``<field>_hash`` (the same for every table)."""
    return backend.sealer.keyed_hash(value, context=f"pii:{KINDS[field]}")


def seal(backend: Backend, table: str, doc: Doc, fields: Iterable[str] = FIELDS) -> Doc:
    """``doc`` with each present plain PII field sealed, hashed and masked (a new dict)."""
    out = dict(doc)
    for field in fields:
        plain = doc.get(field)
        if not plain or is_sealed(plain):
            continue
        out[field] = backend.sealer.seal_text(plain, context=f"pii:{table}.{field}")
        out[f"{field}_hash"] = lookup_key(backend, field, plain)
        out[f"{field}_masked"] = MASKS[KINDS[field]](plain)
    return out


def opened(backend: Backend, table: str, doc: Doc, fields: Iterable[str] = FIELDS) -> Doc:
    """``doc`` with each PII field in the clear (a new dict), for a rule that checks it again;
    never stored as it is (``seal`` it first)."""
    return {**doc, **{f: value(backend, table, doc, f) for f in fields if doc.get(f)}}


def is_sealed(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


def value(backend: Backend, table: str, doc: Doc, field: str) -> str | None:
    """The plain value of ``field`` (None when absent)."""
    stored = doc.get(field)
    if not stored:
        return None
    if is_sealed(stored):
        return backend.sealer.unseal_text(stored, context=f"pii:{table}.{field}")
    return str(stored)


def masked(doc: Doc, field: str) -> str | None:
    """The masked form for screens, without opening anything."""
    shown = doc.get(f"{field}_masked")
    if shown:
        return str(shown)
    stored = doc.get(field)
    return MASKS[KINDS[field]](stored) if stored and not is_sealed(stored) else None


def lookup(
    backend: Backend, table: str, field: str, plain: str, store: Store | None = None
) -> list[Doc]:
    """Documents of ``table`` whose ``field`` is ``plain``, by keyed hash (or, for documents
    of an older store, by the plain value); ``store``: a transaction's view, for example."""
    store = store or backend.store
    return store.lookup(table, f"{field}_hash", lookup_key(backend, field, plain)) or list(
        store.lookup(table, field, plain)
    )
