"""Locking the window behind the sign-in: at start on a shop with users, File > Switch user /
Lock (Ctrl+L), and after a number of idle minutes when this computer asks for it.

While locked the tabs are hidden behind a plain "Locked" cover and the menus are off, so
nothing the last person had on screen shows; the sign-in dialog sits over it. Signing in (as
anyone) unlocks it; Quit closes the window.

A role changed or a user deactivated at another till takes effect here at once: the services
check the user's row at every write (``app.domain.permissions.checked_actor``), and the window
follows: a refused write (the bus's ``refused``) or a change another till made (the live
refresh) re-reads the row, regreys the menus and buttons for the new role, and a deactivated
user's till says so and asks who signs in.
"""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QApplication, QLabel

from app.domain.actors import Actor
from app.domain.permissions import NotAllowed, SignedOut, checked_actor
from app.services.changes import Area, Changes
from app.services.users import shop_has_users
from app.ui import events
from app.ui.background import LatestRead
from app.ui.dialogs.sign_in import SignInDialog
from app.ui.role_actions import refusal
from app.ui.tabs.base import TableTab

if TYPE_CHECKING:
    from app.ui.main_window import MainWindow

#: What counts as someone using the till (anything else, a repaint or a timer, does not).
_ACTIVITY = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseMove,
        QEvent.Type.Wheel,
    }
)


class TillLock(QObject):
    """The window's lock: ``lock()`` covers it and asks who signs in; ``signed_in`` says who."""

    signed_in = Signal(object)  # the Actor

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.dialog: SignInDialog | None = None
        self.cover = QLabel("Locked\n\nSign in to go on.")
        self.cover.setObjectName("lockedCover")
        self.cover.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.cover.setStyleSheet("QLabel { color: palette(mid); font-size: 18pt; }")
        self.cover.hide()
        #: Runs while someone is signed in and the computer locks after idle minutes.
        self.idle_timer = QTimer(self)
        self.idle_timer.setSingleShot(True)
        self.idle_timer.timeout.connect(self.lock)
        #: Re-reads after another till's change, one at a time (see _users_may_have_changed).
        self._reader: LatestRead[Actor | bool] = LatestRead(self, one_at_a_time=True)
        events.bus().refused.connect(self._refused)
        events.bus().data_changed.connect(self._users_may_have_changed)

    @property
    def locked(self) -> bool:
        return not self.cover.isHidden() or self.dialog is not None

    def lock(self, reason: str = "") -> None:
        """Cover the window and ask who signs in (once: a second lock while asking waits);
        ``reason``, when the last person was signed out, shows in the dialog."""
        if self.dialog is not None:
            return
        self.idle_timer.stop()
        self.window.tabs.hide()
        self.cover.show()
        self.window.menuBar().setEnabled(False)
        actor = self.window.database.actor
        self.dialog = SignInDialog(
            self.window.database, self.window, last_name=actor.name if actor and not reason else ""
        )
        if reason:
            self.dialog.message.show_error(reason)
        self.dialog.accepted.connect(self._unlock)
        self.dialog.rejected.connect(self.window.close)
        self.dialog.finished.connect(self.dialog.deleteLater)
        # After the window itself has shown; never once the dialog is gone (window closed).
        QTimer.singleShot(0, self.dialog, self.dialog.open)

    def _unlock(self) -> None:
        assert self.dialog is not None
        actor = self.dialog.actor
        self.dialog = None
        self.cover.hide()
        self.window.tabs.show()
        self.window.menuBar().setEnabled(True)
        assert isinstance(actor, Actor)
        self.show_signed_in(actor)
        self.signed_in.emit(actor)
        self._idle_restart()

    # --- a role changed or a user deactivated at another till ---------------------------

    def _refused(self, error: object) -> None:
        """A write was refused for who is signed in: a deactivated user's till locks, saying
        why; a role changed since sign-in is taken on (the write's own message said the rest)."""
        if isinstance(error, SignedOut):
            self.lock(str(error))
        elif isinstance(error, NotAllowed):
            self._take_role(error.actor)

    def _users_may_have_changed(self, changes: object) -> None:
        """After a change of users here or at another till: read the signed-in user's row
        (one primary-key read), or in a shop without users whether it has some now, off the
        GUI thread (the live refresh asks on every write of another till), and follow it."""
        if not isinstance(changes, Changes) or not changes.touches(Area.SETTINGS):
            return
        database = self.window.database
        asked_for = database.actor
        if self.locked or (asked_for is None and self.window.read_only):
            return
        if asked_for is not None and asked_for.user_id is None:
            return  # the owner of a shop without users, as the CLI acts: nobody to re-read

        def read() -> Actor | bool:
            with database.read() as session:
                if asked_for is None:
                    return shop_has_users(session)
                return checked_actor(session)

        self._reader.start(read, partial(self._follow, asked_for), self._read_failed)

    def _follow(self, asked_for: Actor | None, now: Actor | bool) -> None:
        if self.locked or self.window.database.actor is not asked_for:
            return  # someone signed in or out meanwhile: their own sign-in has it right
        if isinstance(now, Actor):
            self._take_role(now)
        elif now:
            self.users_changed()  # another till added the first user: ask who is at the till

    def _read_failed(self, error: Exception) -> None:
        if isinstance(error, SignedOut) and not self.locked:
            self.lock(f"{error.who}. Sign in again.")  # no write was refused: nothing lost
        # Another ShopError: the database is out of reach; the next write will say so.

    def _take_role(self, now: Actor) -> None:
        actor = self.window.database.actor
        if actor is None or actor.user_id != now.user_id or actor.role is now.role:
            return
        self.window.database.actor = replace(actor, role=now.role)
        self.show_signed_in(self.window.database.actor)
        self.window.show_message(f"{actor.name}'s role is now {now.role.label.lower()}")

    # --- who is signed in, in the status bar and the menus -----------------------------------

    def users_changed(self) -> None:
        """The shop's users may have changed (at start, after Settings): offer Switch user /
        Lock once there are users, show who is signed in, or ask if nobody is yet."""
        from app.db.config import load_settings

        window = self.window
        with window.database.read() as session:
            # A read-only window changes nothing, and looking is open to every role: nobody
            # signs in there (a sign-in writes its wrong tries, which it could not).
            has_users = shop_has_users(session) and not window.read_only
        window.lock_action.setEnabled(has_users)
        window.lock_action.setToolTip(
            "" if has_users else "Add users in Settings > Users to sign in at the tills"
        )
        self.lock_after_idle(load_settings().auto_lock_minutes if has_users else 0)
        if window.database.actor is not None:
            self.show_signed_in(window.database.actor)
        elif has_users:
            self.lock()  # nobody signed in yet: ask who is at the till
        else:
            window.signed_in_label.hide()  # one person's shop: nobody signs in

    def show_signed_in(self, actor: Actor) -> None:
        """ "Signed in as NAME (role)", and grey out the menu actions and tab buttons the role
        may not use (a courtesy: the services refuse them anyway)."""
        window = self.window
        window.signed_in_label.setText(f"Signed in as {actor.name} ({actor.role.label.lower()})")
        window.signed_in_label.show()
        window.menus.refusal = lambda name: refusal(actor.role, name)
        window.menus.update()
        for tab in window.findChildren(TableTab):
            tab.set_refusal(lambda name: refusal(actor.role, name))
        if not window.read_only:
            for action in (window.import_action, window.restore_action):
                refused = refusal(actor.role, action.objectName())
                action.setEnabled(not refused)
                action.setToolTip(refused)

    # --- locking after idle minutes (a per-computer setting; 0 is off) -------------------

    def lock_after_idle(self, minutes: int) -> None:
        """Lock after ``minutes`` without a key press or a mouse move (0: never)."""
        app = QApplication.instance()
        if app is None:
            return
        app.removeEventFilter(self)
        self.idle_timer.stop()
        self.idle_timer.setInterval(minutes * 60_000)
        if minutes <= 0:
            return
        app.installEventFilter(self)
        self._idle_restart()

    def _idle_restart(self) -> None:
        if self.idle_timer.interval() > 0 and not self.locked:
            self.idle_timer.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _ACTIVITY and self.idle_timer.isActive():
            self.idle_timer.start()  # start again from now
        return False
