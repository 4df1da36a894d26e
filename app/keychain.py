"""Secrets kept in the operating system's keyring (Keychain, Credential Manager, Secret Service).

Two layers keep secrets there: ``app.db.config`` (the server password) and
``app.services.notifications.settings`` (the SMTP password, the webhook's signing secret).
Neither may import the other (ui -> services -> domain, db -> domain), so the one keyring
check and the one fallback live here, in a module that imports nothing of the app but its
errors. Without a keyring (a bare Linux box) a secret typed this session is kept in memory
for this process only, never on disk.
"""

from __future__ import annotations

import contextlib
import logging

from app.domain.errors import InvalidInput

log = logging.getLogger(__name__)

#: The keyring "service" every Shopkeeper secret is stored under.
KEYRING_SERVICE = "Shopkeeper"


def keyring_available() -> bool:
    """Whether a real keyring is there to keep a secret between starts."""
    try:
        import keyring
        from keyring.backends import chainer, fail
    except ImportError:
        return False
    backend = keyring.get_keyring()
    if isinstance(backend, fail.Keyring):
        return False
    if isinstance(backend, chainer.ChainerBackend):
        return bool(backend.backends)
    return True


class KeyringSecrets:
    """Secrets by key under :data:`KEYRING_SERVICE`, or in ``session`` without a keyring.

    ``what`` names the secret in the messages ("password", "secret"); ``session`` is the
    caller's own in-memory dict, shared by its stores for the life of the process (switching
    databases in Settings must not ask for the password twice).
    """

    def __init__(self, what: str, session: dict[str, str]) -> None:
        self.what = what
        self.session = session

    def get(self, key: str) -> str | None:
        if not keyring_available():
            return self.session.get(key)
        import keyring
        from keyring.errors import KeyringError

        try:
            return keyring.get_password(KEYRING_SERVICE, key)
        except KeyringError:
            log.exception("cannot read the %s %s from the keyring", self.what, key)
            return None

    def set(self, key: str, secret: str) -> bool:
        """Keep ``secret`` (empty: forget it); return whether it is kept between starts.

        Raises InvalidInput if the keyring refuses, so a settings page can say so."""
        if not keyring_available():
            if secret:
                self.session[key] = secret
            else:
                self.session.pop(key, None)
            return False
        import keyring
        from keyring.errors import KeyringError, PasswordDeleteError

        try:
            if secret:
                keyring.set_password(KEYRING_SERVICE, key, secret)
            else:
                # Nothing stored means it is already forgotten.
                with contextlib.suppress(PasswordDeleteError):
                    keyring.delete_password(KEYRING_SERVICE, key)
        except KeyringError as error:
            raise InvalidInput(f"The keyring refused to save the {self.what}: {error}") from error
        return True
