"""Use cases of the shop. Each takes a Session; the caller owns the transaction. No Qt."""
