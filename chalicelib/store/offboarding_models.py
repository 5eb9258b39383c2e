"""Offboarding notices: one record per (run, customer thread) or (run, successor), written before sending.

The conditional write of this record is what makes a redriven notification step send nothing twice.
"""

from __future__ import annotations

from pynamodb.attributes import UnicodeAttribute

from chalicelib.store.base import TableModel


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
