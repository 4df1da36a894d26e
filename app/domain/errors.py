"""Errors a user can act on. Each carries a message fit to show in the window as it is."""

from __future__ import annotations


class ShopError(Exception):
    """Base of every error the user can act on; str(error) is the plain-words message."""


class InvalidQuantity(ShopError):
    """A quantity that is not a whole number in the allowed range."""


class InvalidInput(ShopError):
    """A value other than a quantity that cannot be accepted (a bad date, price, code...)."""


class NotFound(ShopError):
    """A product, customer, order or other record named by the user does not exist."""


class Duplicate(ShopError):
    """A code, SKU, barcode or reference that must be unique is already taken."""


class NotEnoughStock(ShopError):
    """An out-of-stock-policy product was ordered (or shipped) beyond what is available."""


class InvalidTransition(ShopError):
    """An action that the record's state does not allow (cancel a shipped line, ...)."""


class BackorderLimitReached(NotEnoughStock):
    """A line would put more units of a product in the backorder queue than its maximum
    backorder quantity allows."""


class HeldForCompleteShipment(InvalidTransition):
    """Shipping part of an order whose customer wants it complete; a manager may override."""


class PlanRejected(ShopError):
    """A receipt's allocation plan (or the clerk's adjustments to it) cannot be applied."""


class StalePlan(PlanRejected):
    """Stock or the queue changed since the preview; the clerk must look at a new preview."""


class OverReceipt(PlanRejected):
    """A receipt would take more units on a purchase order line than are still outstanding
    (another till received it meanwhile, or more arrived than ordered) and over-receipt was
    not accepted for this confirm. Nothing was written; ``outstanding`` maps each such PO
    line id to what is still outstanding now, so a dialog can reload its quantities."""

    def __init__(self, message: str, outstanding: dict[int, int]) -> None:
        super().__init__(message)
        self.outstanding = outstanding


class CannotUndoReceipt(ShopError):
    """A receipt cannot be undone (already undone, units of it shipped, or its stock is no
    longer here); the message says which orders, lines or products stand in the way."""


class DatabaseError(ShopError):
    """The database cannot be opened or used (locked, corrupt, too new, unreachable)."""


class DatabaseTooNew(DatabaseError):
    """The database was written by a newer Shopkeeper; opening it could damage it."""


class DatabaseLocked(DatabaseError):
    """Another program holds the database; nothing was written."""


class DatabaseCorrupt(DatabaseError):
    """The file is not a Shopkeeper database, or it is damaged."""


class DatabaseConflict(DatabaseError):
    """Another till wrote a conflicting record at the same moment; trying again will work."""


class DatabaseReadOnly(DatabaseError):
    """This window opened the database read-only (another copy of Shopkeeper has it open)."""


class DatabaseNotFound(DatabaseError):
    """There is no shop database where the user pointed: no such file (and none was asked
    for), or no such database on the server."""


class DatabaseUnavailable(DatabaseError):
    """The database server cannot be reached, refused the user name or password, or did not
    answer in time; nothing was saved."""


class DiskFull(DatabaseError):
    """The disk holding the shop database (or its backups) is full; nothing was written."""


class BackupFailed(DatabaseError):
    """A backup could not be made (a full disk, a read-only folder...); no partial backup
    file is left behind. ``reason``: why, in words that follow "could not be made: "."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"The backup could not be made: {reason}. No backup file was left.")
        self.reason = reason

    def daily_warning(self) -> str:
        """The same, for today's automatic backup, which never stops the shop."""
        return (
            f"Today's backup could not be made: {self.reason}. Shopkeeper works as usual and "
            "tries again next time."
        )
