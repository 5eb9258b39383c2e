"""Offboarding notices: one record per (run, customer thread) or (run, successor), written before sending.

The conditional write of this record is what makes a redriven notification step send nothing twice.
"""

from __future__ import annotations

from pynamodb.attributes import UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from chalicelib.store.base import TableModel


class NoticesBySuccessor(GlobalSecondaryIndex):
    """Sparse: only successor notices, so a successor's console finds their handovers."""

    class Meta:
        index_name = "by-successor"
        projection = AllProjection()

    successor_id = UnicodeAttribute(hash_key=True)
    at = UnicodeAttribute(range_key=True)


class OffboardingNotice(TableModel):
    """status: claimed (about to send) | sent | skipped (with a reason)."""

    logical_name = "offboarding-notices"

    class Meta:
        table_name = "unbound"

    run_id = UnicodeAttribute(hash_key=True)
    notice_key = UnicodeAttribute(range_key=True)  # customer#<thread_id> | successor#<employee_id>
    status = UnicodeAttribute()
    reason = UnicodeAttribute(null=True)
    recipient = UnicodeAttribute(null=True)  # masked customer number or the successor's owner
    message_id = UnicodeAttribute(null=True)
    detail = UnicodeAttribute(null=True)
    at = UnicodeAttribute()
    successor_id = UnicodeAttribute(null=True)  # on successor notices only (the index's key)

    by_successor = NoticesBySuccessor()
