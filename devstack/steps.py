"""The demo steps printed when the local stack starts; each feature adds its own."""

from __future__ import annotations

PY = ".venv/bin/python"

STEPS: list[tuple[str, str]] = [
    ("Check every backing resource", "curl -s http://127.0.0.1:8000/health"),
    ("Mint a token for Emma (sales)", f"TOKEN=$({PY} -m devstack token emma)"),
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
