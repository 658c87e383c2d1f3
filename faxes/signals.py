"""Signals other parts of the portal (webhooks, live UI) subscribe to.

Both are sent after the transaction that made the change has committed, so
receivers see the new state and never act on a change that was rolled back.
"""

from django.dispatch import Signal

# kwargs: fax_id, account_id, from_status ("" for a new fax), to_status
fax_status_changed = Signal()
