"""The core tables. Keys and indexes follow the access patterns in the README's architecture.

Owners are typed strings so one index serves every kind of owner:
`employee#<id>`, `team#<id>`, or `unassigned` (the admins' queue).
"""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    VersionAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, KeysOnlyProjection

from chalicelib.store.base import TableModel

UNASSIGNED = "unassigned"


def employee_owner(employee_id: str) -> str:
    return f"employee#{employee_id}"


def team_owner(team_id: str) -> str:
    return f"team#{team_id}"


def parse_owner(owner: str | None) -> tuple[str, str | None]:
    """('employee', id), ('team', id) or ('unassigned', None)."""
    if not owner or owner == UNASSIGNED:
        return UNASSIGNED, None
    kind, _, ident = owner.partition("#")
    return kind, ident


# --- people ----------------------------------------------------------------------------------


class EmployeesByTeam(GlobalSecondaryIndex):
    class Meta:
        index_name = "by-team"
        projection = AllProjection()

    team_id = UnicodeAttribute(hash_key=True)


class EmployeesByEmail(GlobalSecondaryIndex):
    class Meta:
        index_name = "by-email"
        projection = KeysOnlyProjection()

    email = UnicodeAttribute(hash_key=True)


class Employee(TableModel):
    """A person. status: active | offboarding | offboarded. roles: admin, hr, compliance, employee."""

    logical_name = "employees"

    class Meta:
        table_name = "unbound"

    employee_id = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute()
    email = UnicodeAttribute()
    team_id = UnicodeAttribute(null=True)
    manager_id = UnicodeAttribute(null=True)
    roles = UnicodeSetAttribute(default=lambda: {"employee"})
    status = UnicodeAttribute(default="active")
    # Where an inbound call to this person's numbers rings: E.164 mobile or desk phone, or sip:...
    forward_to = UnicodeAttribute(null=True)
    offboarding_run_id = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    version = VersionAttribute()

    by_team = EmployeesByTeam()
    by_email = EmployeesByEmail()


class EmailClaim(TableModel):
    """An email address held by one employee, written in the same transaction as the employee, so
    two requests at once cannot both give it out (the `by-email` index is read, not locked)."""

    logical_name = "email-claims"

    class Meta:
        table_name = "unbound"

    email = UnicodeAttribute(hash_key=True)
    employee_id = UnicodeAttribute()
    created_at = UnicodeAttribute()


class Team(TableModel):
    """A team and its shared inbox. `hours`: {"tz": "America/New_York", "weekly": {"mon": [["09:00","17:00"]]}}."""

    logical_name = "teams"

    class Meta:
        table_name = "unbound"

    team_id = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute()
    manager_id = UnicodeAttribute(null=True)
    hours = JSONAttribute(null=True)
    auto_reply = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()


# --- numbers ---------------------------------------------------------------------------------


class NumbersByAssignee(GlobalSecondaryIndex):
    class Meta:
        index_name = "by-assignee"
        projection = AllProjection()

    assignee = UnicodeAttribute(hash_key=True)


class PhoneNumber(TableModel):
    """A number the company owns. status: available | assigned | quarantined | released."""

    logical_name = "numbers"

    class Meta:
        table_name = "unbound"

    e164 = UnicodeAttribute(hash_key=True)
    carrier = UnicodeAttribute()
    carrier_ref = UnicodeAttribute(null=True)  # the carrier's own id for the number
    capabilities = UnicodeSetAttribute(default=lambda: {"sms", "mms", "voice"})
    status = UnicodeAttribute(default="available")
    assignee = UnicodeAttribute(null=True)  # employee#id or team#id (typed owner)
    assigned_at = UnicodeAttribute(null=True)
    # Set when the assignee is locked by an offboarding: new threads then go to the team queue.
    assignee_locked = BooleanAttribute(default=False)
    fallback_team_id = UnicodeAttribute(null=True)
    quarantined_until = UnicodeAttribute(null=True)
    hours = JSONAttribute(null=True)
    auto_reply = UnicodeAttribute(null=True)
    label = UnicodeAttribute(null=True)
    # The last attempt to point the carrier's webhooks here: {"status", "urls", "at"}.
    webhooks = JSONAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    version = VersionAttribute()

    by_assignee = NumbersByAssignee()


class NumberAssignment(TableModel):
    """The full history of a number: every assignment, unassignment, quarantine and release."""

    logical_name = "number-history"

    class Meta:
        table_name = "unbound"

    e164 = UnicodeAttribute(hash_key=True)
    at = UnicodeAttribute(range_key=True)  # iso timestamp + '#' + event id
    action = UnicodeAttribute()
    assignee = UnicodeAttribute(null=True)
    previous_assignee = UnicodeAttribute(null=True)
    actor_id = UnicodeAttribute()
    reason = UnicodeAttribute(null=True)


# --- conversations ---------------------------------------------------------------------------


class Contact(TableModel):
    """A customer as one business number knows them, with that number's opt-out state."""

    logical_name = "contacts"

    class Meta:
        table_name = "unbound"

    customer_number = UnicodeAttribute(hash_key=True)
    business_number = UnicodeAttribute(range_key=True)
    name = UnicodeAttribute(null=True)
    opted_out = BooleanAttribute(default=False)
    consent_changed_at = UnicodeAttribute(null=True)
    consent_message_id = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()


class ThreadsByOwner(GlobalSecondaryIndex):
    class Meta:
        index_name = "by-owner-activity"
        projection = AllProjection()

    owner = UnicodeAttribute(hash_key=True)
    last_activity_at = UnicodeAttribute(range_key=True)


class Thread(TableModel):
    """One conversation per (business number, customer number); its id is derived from both."""

    logical_name = "threads"

    class Meta:
        table_name = "unbound"

    thread_id = UnicodeAttribute(hash_key=True)
    business_number = UnicodeAttribute()
    customer_number = UnicodeAttribute()
    owner = UnicodeAttribute()
    owner_since = UnicodeAttribute(null=True)
    previous_owner = UnicodeAttribute(null=True)
    moved_by_run = UnicodeAttribute(null=True)  # the offboarding run that last moved it
    last_activity_at = UnicodeAttribute()
    last_direction = UnicodeAttribute(null=True)
    unread = NumberAttribute(default=0)
    last_autoreply_at = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()

    by_owner = ThreadsByOwner()
    # No index by business number: nothing queries one, and an index written on every message
    # costs a write unit each time (the thread id is derived from both numbers instead).


class StatusChange(MapAttribute):
    status = UnicodeAttribute()
    at = UnicodeAttribute()
    error_code = UnicodeAttribute(null=True)


class Media(MapAttribute):
    url = UnicodeAttribute(null=True)  # the carrier's URL; expires, so the archive keeps a copy
    content_type = UnicodeAttribute(null=True)
    archive_key = UnicodeAttribute(null=True)
    sha256 = UnicodeAttribute(null=True)
    size = NumberAttribute(null=True)


class PendingArchive(GlobalSecondaryIndex):
    """Sparse: only records not yet confirmed by S3 carry `pending_archive`."""

    class Meta:
        index_name = "pending-archive"
        projection = KeysOnlyProjection()

    pending_archive = UnicodeAttribute(hash_key=True)


class Message(TableModel):
    """A text, call or voicemail in a thread. direction: inbound | outbound. kind: sms | mms | call | voicemail."""

    logical_name = "messages"

    class Meta:
        table_name = "unbound"
        stream_view_type = "NEW_IMAGE"  # the archive's trigger (`chalicelib.archive.changes`)

    thread_id = UnicodeAttribute(hash_key=True)
    message_key = UnicodeAttribute(range_key=True)  # created_at + '#' + message_id: time order
    message_id = UnicodeAttribute()
    direction = UnicodeAttribute()
    kind = UnicodeAttribute(default="sms")
    body = UnicodeAttribute(null=True)
    media = ListAttribute(of=Media, default=list)
    business_number = UnicodeAttribute()
    customer_number = UnicodeAttribute()
    carrier = UnicodeAttribute()
    carrier_message_id = UnicodeAttribute(null=True)
    status = UnicodeAttribute()
    status_rank = NumberAttribute(default=0)
    status_history = ListAttribute(of=StatusChange, default=list)
    error_code = UnicodeAttribute(null=True)
    sender_employee_id = UnicodeAttribute(null=True)
    owner_at_receipt = UnicodeAttribute(null=True)
    segments = NumberAttribute(null=True)
    encoding = UnicodeAttribute(null=True)
    call = JSONAttribute(null=True)  # duration, outcome, forwarded_to, recording
    created_at = UnicodeAttribute()
    pending_archive = UnicodeAttribute(null=True)
    archived_at = UnicodeAttribute(null=True)
    archived_status_count = NumberAttribute(default=0)

    pending = PendingArchive()


class MessageKey(TableModel):
    """The duplicate guard: `carrier#carrier_message_id` -> the message, written in the same transaction."""

    logical_name = "message-keys"

    class Meta:
        table_name = "unbound"

    key = UnicodeAttribute(hash_key=True)
    thread_id = UnicodeAttribute()
    message_key = UnicodeAttribute()
    created_at = UnicodeAttribute()


# --- records of what people did --------------------------------------------------------------


class AuditPending(GlobalSecondaryIndex):
    class Meta:
        index_name = "pending-archive"
        projection = KeysOnlyProjection()

    pending_archive = UnicodeAttribute(hash_key=True)


class AuditEvent(TableModel):
    """Who did what, when, with the before and after. Partitioned by month, newest last."""

    logical_name = "audit"

    class Meta:
        table_name = "unbound"
        stream_view_type = "NEW_IMAGE"  # the archive's trigger (`chalicelib.archive.changes`)

    month = UnicodeAttribute(hash_key=True)  # YYYY-MM
    event_key = UnicodeAttribute(range_key=True)  # iso timestamp + '#' + event id
    event_id = UnicodeAttribute()
    actor_id = UnicodeAttribute()
    actor_roles = UnicodeSetAttribute(null=True)
    action = UnicodeAttribute()
    target_type = UnicodeAttribute()
    target_id = UnicodeAttribute()
    before = JSONAttribute(null=True)
    after = JSONAttribute(null=True)
    at = UnicodeAttribute()
    pending_archive = UnicodeAttribute(null=True)
    archived_at = UnicodeAttribute(null=True)

    pending = AuditPending()


class RunsByEmployee(GlobalSecondaryIndex):
    class Meta:
        index_name = "by-employee"
        projection = AllProjection()

    employee_id = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


class OffboardingRun(TableModel):
    """One offboarding. status: scheduled | running | succeeded | failed."""

    logical_name = "offboardings"

    class Meta:
        table_name = "unbound"

    run_id = UnicodeAttribute(hash_key=True)
    employee_id = UnicodeAttribute()
    status = UnicodeAttribute(default="scheduled")
    request = JSONAttribute()  # the policies as HR gave them
    counts = JSONAttribute(default=dict)
    skipped = JSONAttribute(default=list)
    step = UnicodeAttribute(null=True)
    execution_arn = UnicodeAttribute(null=True)
    attempt = NumberAttribute(default=1)
    report_key = UnicodeAttribute(null=True)
    error = UnicodeAttribute(null=True)
    created_by = UnicodeAttribute()
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    effective_at = UnicodeAttribute(null=True)
    # Exact progress, incremented in the same transaction as the work it counts.
    threads_moved = NumberAttribute(default=0)
    numbers_moved = NumberAttribute(default=0)
    customers_notified = NumberAttribute(default=0)
    customers_skipped = NumberAttribute(default=0)
    successors_notified = NumberAttribute(default=0)
    moved_to = MapAttribute(default=dict)  # typed owner -> threads received
    skipped_reasons = MapAttribute(default=dict)  # reason -> customers not notified
    plan = JSONAttribute(null=True)  # resolved at lock: candidates, their loads, the numbers held
    progress = JSONAttribute(null=True)  # resumable cursors of the paged steps
    completed = UnicodeSetAttribute(null=True)  # steps that finished

    by_employee = RunsByEmployee()


class IdempotencyRecord(TableModel):
    """Backs powertools' idempotency utility (its default attribute names)."""

    logical_name = "idempotency"

    class Meta:
        table_name = "unbound"

    id = UnicodeAttribute(hash_key=True)
    expiration = NumberAttribute(null=True)
