"""What training leave tells the features above it, which it must not import (co-funding follows a decision).

``leave_decided`` is sent inside the decision's transaction, once the request has moved and its ledger rows
and audit event are written: ``receiver(request, actor=..., today=..., decision=...)``, the decision being
'approved', 'rejected', 'withdrawn' or 'cancelled'. A receiver that cannot follow raises ``LeaveError``: the
decision fails with its message and the caller rolls everything back.
"""

from __future__ import annotations

from blinker import Namespace

leave_decided = Namespace().signal("leave-decided")
