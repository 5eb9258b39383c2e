"""Tables of the compliance archive: chain heads, the index of archived records, legal holds, exports.

The archive itself is the bucket; these tables say what it holds, so verification can compare the
two and legal holds and exports find a scope's objects without listing the bucket.
"""

from __future__ import annotations

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from chalicelib.store.base import TableModel


class ArchiveChain(TableModel):
    """The head of one hash chain (a thread, `audit`, `documents`, `digests`); `seq` moves by conditional update."""

    logical_name = "archive-chains"

    class Meta:
        table_name = "unbound"

    chain_id = UnicodeAttribute(hash_key=True)
    seq = NumberAttribute(default=0)
    head_sha256 = UnicodeAttribute()
    head_record_id = UnicodeAttribute(null=True)
    updated_at = UnicodeAttribute()
    # The head record's index entry (ArchiveRecord's attributes), written with the head so that
    # an entry lost between the two writes is rebuilt from here (see `archive.chain`).
    entry = JSONAttribute(null=True)


class RecordsByChain(GlobalSecondaryIndex):
    class Meta:
        index_name = "by-chain"
        projection = AllProjection()

    chain_id = UnicodeAttribute(hash_key=True)
    seq = NumberAttribute(range_key=True)


class RecordsByEmployee(GlobalSecondaryIndex):
    class Meta:
        index_name = "by-employee"
        projection = AllProjection()

    employee_id = UnicodeAttribute(hash_key=True)
    occurred_at = UnicodeAttribute(range_key=True)


class ArchiveRecord(TableModel):
    """One archived record, written only after S3 confirmed its object: the duplicate guard and the index."""

    logical_name = "archive-records"

    class Meta:
        table_name = "unbound"

    record_id = UnicodeAttribute(hash_key=True)  # e.g. message-<id>, status-<id>-<n>, audit-<id>
    record_type = UnicodeAttribute()
    chain_id = UnicodeAttribute()
    seq = NumberAttribute()
    sha256 = UnicodeAttribute()
    prev_sha256 = UnicodeAttribute()
    key = UnicodeAttribute()
    version_id = UnicodeAttribute(null=True)
    occurred_at = UnicodeAttribute()
    archived_at = UnicodeAttribute()
    thread_id = UnicodeAttribute(null=True)
    message_id = UnicodeAttribute(null=True)
    customer_number = UnicodeAttribute(null=True)
    employee_id = UnicodeAttribute(null=True)
    # A media file or document is its own object; the record holds its hash and points at it.
    blob_key = UnicodeAttribute(null=True)
    blob_version_id = UnicodeAttribute(null=True)
    blob_sha256 = UnicodeAttribute(null=True)
    # For a message or status record: how many of the message's status changes it holds so far.
    status_count = NumberAttribute(null=True)

    by_chain = RecordsByChain()  # a customer's records: their threads' chains (`legal_hold.scoped_records`)
    by_employee = RecordsByEmployee()


class LegalHold(TableModel):
    """A legal hold on a thread, customer number or employee. status: active | released (never deleted)."""

    logical_name = "legal-holds"

    class Meta:
        table_name = "unbound"

    hold_id = UnicodeAttribute(hash_key=True)
    scope = UnicodeAttribute()  # thread | customer | employee
    value = UnicodeAttribute()
    reason = UnicodeAttribute(null=True)
    status = UnicodeAttribute(default="active")
    placed_by = UnicodeAttribute()
    placed_at = UnicodeAttribute()
    released_by = UnicodeAttribute(null=True)
    released_at = UnicodeAttribute(null=True)
    objects_held = NumberAttribute(default=0)


class ExportJob(TableModel):
    """An eDiscovery export. status: queued | running | done | failed."""

    logical_name = "exports"

    class Meta:
        table_name = "unbound"

    export_id = UnicodeAttribute(hash_key=True)
    status = UnicodeAttribute(default="queued")
    filters = JSONAttribute()
    requested_by = UnicodeAttribute()
    created_at = UnicodeAttribute()
    finished_at = UnicodeAttribute(null=True)
    key = UnicodeAttribute(null=True)
    records = NumberAttribute(default=0)
    media_files = NumberAttribute(default=0)
    manifest_sha256 = UnicodeAttribute(null=True)
    error = UnicodeAttribute(null=True)
