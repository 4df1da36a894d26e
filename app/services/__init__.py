"""Use cases of the shop. Each takes a Session; the caller owns the transaction. No Qt."""

# Recording the audit trail is automatic (session events), for every use of the services.
from app.services import audit as audit
