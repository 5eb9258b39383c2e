"""The demo steps printed when the local stack starts; each feature adds its own."""

from __future__ import annotations

PY = ".venv/bin/python"

STEPS: list[tuple[str, str]] = [
    ("Check every backing resource", "curl -s http://127.0.0.1:8000/health"),
    ("Mint a token for Emma (sales)", f"TOKEN=$({PY} -m devstack token emma)"),
    # carrier webhooks and messaging (issue 3)
    (
        "Simulate a customer texting Emma's number (a signed Twilio webhook)",
        f'{PY} -m devstack simulate --carrier twilio --to +14155550101 --from +12065550123 --text "Is my order ready?"',
    ),
    ("List Emma's threads, newest first", 'curl -s -H "Authorization: Bearer $TOKEN" http://127.0.0.1:8000/threads'),
    (
        "Reply (start or continue the thread from Emma's number)",
        "curl -s -X POST -H \"Authorization: Bearer $TOKEN\" -H 'Content-Type: application/json' "
        '-d \'{"from": "+14155550101", "to": "+12065550123", "body": "Yes, ready for pickup!"}\' '
        "http://127.0.0.1:8000/messages",
    ),
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
STEPS.append(("Mint a token for Hal (HR)", f"HR_TOKEN=$({PY} -m devstack token hal)"))
STEPS.append(
    (
        "Offboard Emma to Sam (threads and number), and watch it",
        f"{PY} -m devstack offboard --token $HR_TOKEN start emma --successor sam --watch",
    )
)
STEPS.append(("List the offboardings", f"{PY} -m devstack offboard --token $HR_TOKEN list"))
STEPS.append(("Mint a token for Cora (compliance)", f"CTOKEN=$({PY} -m devstack token cora)"))
STEPS.append(
    (
        "Verify the compliance archive (chains, retention, database vs archive)",
        'curl -s -X POST -H "Authorization: Bearer $CTOKEN" http://127.0.0.1:8000/archive/verify',
    )
)
STEPS.append(
    (
        "Export everything archived since 2000 for eDiscovery (runs in the background)",
        'EXPORT=$(curl -s -X POST -H "Authorization: Bearer $CTOKEN" -H "Content-Type: application/json" '
        '-d \'{"from": "2000-01-01"}\' '
        f"http://127.0.0.1:8000/exports | {PY} -c 'import json,sys; print(json.load(sys.stdin)[\"export_id\"])')",
    )
)
STEPS.append(
    (
        "Fetch the export's status and short-lived download link",
        'curl -s -H "Authorization: Bearer $CTOKEN" http://127.0.0.1:8000/exports/$EXPORT',
    )
)
STEPS.append(("Verify the archive bucket from the command line", f"{PY} -m devstack archive verify"))
