"""A demo company: two teams, a few people, numbers assigned, customers already talking."""

from __future__ import annotations

from datetime import timedelta

from chalicelib import ids
from chalicelib.store.models import EmailClaim, Employee, PhoneNumber, Team, Thread, employee_owner, team_owner

TEAMS = [
    {"team_id": "sales", "name": "Sales", "manager_id": "maya"},
    {"team_id": "service", "name": "Service", "manager_id": "omar"},
]

# employee_id, name, team, manager, roles, forward_to
PEOPLE = [
    ("ada", "Ada Admin", None, None, {"admin", "employee"}, None),
    ("hal", "Hal HR", None, None, {"hr", "employee"}, None),
    ("cora", "Cora Compliance", None, None, {"compliance"}, None),
    ("maya", "Maya Manager", "sales", None, {"employee"}, "+12065550190"),
    ("emma", "Emma Sales", "sales", "maya", {"employee"}, "+12065550191"),
    ("sam", "Sam Sales", "sales", "maya", {"employee"}, "+12065550192"),
    ("omar", "Omar Service", "service", None, {"employee"}, "sip:omar@pbx.example.com"),
    ("tia", "Tia Service", "service", "omar", {"employee"}, "+12065550194"),
]

# number, carrier, assignee
NUMBERS = [
    ("+14155550101", "twilio", employee_owner("emma")),
    ("+14155550102", "twilio", employee_owner("sam")),
    ("+14155550103", "telnyx", employee_owner("maya")),
    ("+14155550104", "bandwidth", team_owner("service")),
    ("+14155550105", "vonage", employee_owner("tia")),
    ("+14155550106", "twilio", None),
]


def seed_people_and_numbers() -> None:
    at = ids.iso()
    for team in TEAMS:
        Team(created_at=at, updated_at=at, **team).save()
    for employee_id, name, team, manager, roles, forward_to in PEOPLE:
        email = f"{employee_id}@example.com"
        EmailClaim(email=email, employee_id=employee_id, created_at=at).save()
        Employee(
            employee_id=employee_id,
            name=name,
            email=email,
            team_id=team,
            manager_id=manager,
            roles=roles,
            forward_to=forward_to,
            created_at=at,
            updated_at=at,
        ).save()
    for e164, carrier, assignee in NUMBERS:
        PhoneNumber(
            e164=e164,
            carrier=carrier,
            status="assigned" if assignee else "available",
            assignee=assignee,
            assigned_at=at if assignee else None,
            fallback_team_id=_team_of(assignee),
            created_at=at,
            updated_at=at,
        ).save()


def _team_of(owner: str | None) -> str | None:
    kind, _, ident = (owner or "").partition("#")
    if kind == "team":
        return ident
    return next((team for pid, _, team, *_ in PEOPLE if pid == ident), None)


# customer, business number, carrier, first text: delivered as real signed carrier webhooks
CONVERSATIONS = [
    ("+12065550140", "+14155550101", "twilio", "Hi Emma, can we move Thursday's demo to 3pm?"),
    ("+12065550141", "+14155550101", "twilio", "Could you send the renewal quote again?"),
    ("+12065550142", "+14155550104", "bandwidth", "My order 1042 arrived damaged."),
    ("+12065550143", "+14155550105", "vonage", "Is the service visit still on for tomorrow?"),
]


def seed_conversations() -> None:
    """Customers text the demo numbers: signed like the carriers sign, verified and stored by the app."""
    from chalicelib.carriers.base import WebhookRequest
    from chalicelib.messaging import webhooks
    from chalicelib.settings import get_settings
    from devstack.commands import simulate

    settings = get_settings()
    keys = ("TWILIO_AUTH_TOKEN", "BANDWIDTH_WEBHOOK_USERNAME", "BANDWIDTH_WEBHOOK_PASSWORD", "VONAGE_SIGNATURE_SECRET")
    secrets = {k: settings.secret(k) or "" for k in keys}
    for customer, number, carrier, text in CONVERSATIONS:
        path = simulate.PATHS[carrier]
        document = simulate.inbound_document(carrier, number, customer, text, simulate.new_message_id(carrier), [])
        headers, body = simulate.signed(carrier, document, path, secrets, settings.webhook_base_url)
        request = WebhookRequest(body, {k.lower(): v for k, v in headers.items()}, settings.webhook_base_url + path)
        webhooks.messaging(carrier, request, inbound_events=True, status_events=False)


def seed() -> None:
    from chalicelib.settings import get_settings
    from devstack.commands.simulate import point_carriers_at_loopback

    seed_people_and_numbers()
    if get_settings().is_emulated:  # the local stack (`make run`); tests start from people and numbers only
        seed_conversations()
        point_carriers_at_loopback()  # replies go to a loopback carrier API, never a real carrier


def seed_threads(employee_id: str, count: int, business_number: str, first_customer: int = 12065560000) -> list[str]:
    """`count` customer threads owned by an employee on one business number (tests, benchmarks, demos)."""
    start = ids.now() - timedelta(days=1)
    at = ids.iso(start)
    made = []
    with Thread.batch_write() as batch:
        for n in range(count):
            customer = f"+{first_customer + n}"
            thread = Thread(
                thread_id=ids.stable_id("th", business_number, customer),
                business_number=business_number,
                customer_number=customer,
                owner=employee_owner(employee_id),
                last_activity_at=ids.iso(start + timedelta(seconds=n)),
                created_at=at,
            )
            batch.save(thread)
            made.append(thread.thread_id)
    return made
