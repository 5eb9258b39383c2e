"""The demo steps printed when the local stack starts; each feature adds its own."""

from __future__ import annotations

PY = ".venv/bin/python"

STEPS: list[tuple[str, str]] = [
    ("Check every backing resource", "curl -s http://127.0.0.1:8000/health"),
    ("Mint a token for Emma (sales)", f"TOKEN=$({PY} -m devstack token emma)"),
    ("Mint a token for Ada (admin)", f"ADMIN=$({PY} -m devstack token ada)"),
    ("Ada lists the number inventory", 'curl -s -H "Authorization: Bearer $ADMIN" http://127.0.0.1:8000/numbers'),
    (
        "Ada reassigns Sam's number to Emma",
        'curl -s -X PUT -H "Authorization: Bearer $ADMIN" -H "Content-Type: application/json" '
        """-d '{"employee_id": "emma", "replace": true, "reason": "demo"}' """
        "http://127.0.0.1:8000/numbers/+14155550102/assignment",
    ),
    ("Ada reads the audit trail", 'curl -s -H "Authorization: Bearer $ADMIN" http://127.0.0.1:8000/audit'),
]
STEPS.append(("Open the web console in a browser and paste the token ($TOKEN)", "http://127.0.0.1:8000/"))
