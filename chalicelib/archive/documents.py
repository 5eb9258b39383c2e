"""Documents in the archive: offboarding manifests and reports, and anything else that must be kept.

`put(kind, name, payload)` stores the document as its own locked object under
`documents/<kind>/<YYYY>/<MM>/<DD>/<name>` and appends a record holding its SHA-256 to the
`documents` chain, so documents are chained, held and retained like every other record.
"""

from __future__ import annotations

import re
from typing import Any

from chalicelib import ids
from chalicelib.archive import chain, records
from chalicelib.errors import BadRequest
from chalicelib.store.archive_models import ArchiveRecord

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,150}$")


def _encode(payload: bytes | str | dict[str, Any] | list[Any]) -> tuple[bytes, str]:
    if isinstance(payload, bytes):
        return payload, "application/octet-stream"
    if isinstance(payload, str):
        return payload.encode(), "text/plain; charset=utf-8"
    return records.canonical(payload), "application/json"


def put(
    kind: str,
    name: str,
    payload: bytes | str | dict[str, Any] | list[Any],
    content_type: str | None = None,
    employee_id: str | None = None,
) -> ArchiveRecord:
    """Archive a document once (the same kind and name are archived once); returns its archive entry.

    `employee_id` names the person the document concerns, so a legal hold on them covers it.
    """
    for field, value in (("kind", kind), ("name", name)):
        if not _NAME.match(value or ""):
            raise BadRequest(field, "must be letters, digits, '.', '_' or '-'")
    body, guessed = _encode(payload)
    at = ids.iso()
    blob = chain.Blob(f"documents/{kind}/{at[:10].replace('-', '/')}/{name}", body, content_type or guessed)
    scope = chain.Scope(employee_ids=(employee_id,) if employee_id else ())
    data = {"kind": kind, "name": name, "content_type": blob.content_type}
    return chain.append(records.DOCUMENTS_CHAIN, f"document-{kind}-{name}", "document", at, data, scope, blob=blob)
