"""Menu actions: each tab declares what it offers, the main window builds its menus from that.

A tab lists its actions as :class:`TabAction` values (text, shortcut, slot, when it is
enabled) from :meth:`~app.ui.tabs.base.TableTab.menu_actions`; :class:`MenuActions` turns
them into ``QAction`` objects in the menu the declaration names, shows the shortcut there,
and keeps each one enabled only while it can do something: its tab is the current one (unless
it works from anywhere, like "New order"), the tab's selection allows it, and the window may
write (a read-only window disables every action that changes the shop). A new tab (Products,
say) declares its actions the same way and gets its menu, its shortcuts and its "Go to" entry
with no change here.

Shortcuts are window-wide, so two actions must never share one (a test checks): a tab's own
``QAction`` with the same keys (the Backorders tab's pin and move, which work when the tab is
used on its own) gives its shortcut up to the menu's when the tab is put in the window.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QTabWidget, QWidget

#: On macOS "Ctrl" in a shortcut means Command (Command+Tab is the system's app switcher):
#: there the physical Control key ("Meta" to Qt) with Tab moves between tabs, as in browsers.
_MAC_CONTROL_KEY: dict[str, tuple[str, ...]] = (
    {"Tab": ("Meta+Tab",), "Shift+Tab": ("Meta+Shift+Tab",)} if sys.platform == "darwin" else {}
)


def _always() -> bool:
    return True


@dataclass(frozen=True)
class TabAction:
    """One thing the clerk can do, as a menu shows it."""

    name: str  #: the QAction's objectName ("shipOrderAction"), for tests and accessibility
    text: str  #: the menu text, with its Alt letter ("&Ship…")
    slot: Callable[[], object]
    menu: str  #: the menu it goes in ("&Orders"); made on first use, in declaration order
    shortcut: str = ""  #: portable text ("Ctrl+Shift+S"); "" for none
    also: tuple[str, ...] = ()  #: further shortcuts for the same action
    #: Whether the current selection allows it (asked whenever the selection changes).
    enabled: Callable[[], bool] = _always
    #: Offered whatever tab is shown ("New order"), not only on its own tab.
    anywhere: bool = False
    #: It changes the shop: disabled in a read-only window.
    writes: bool = True
    submenu: str = ""  #: a submenu of ``menu`` to put it in ("Ships")
    #: For a checkable action: whether it is checked now.
    checked: Callable[[], bool] | None = None
    tip: str = ""
    separator_before: bool = False

    @property
    def shortcuts(self) -> list[QKeySequence]:
        return [QKeySequence(keys) for keys in (self.shortcut, *self.also) if keys]


@dataclass
class _Entry:
    spec: TabAction
    action: QAction
    owner: QWidget | None  #: the tab that declared it (None: the window's own)


@dataclass
class MenuActions:
    """The menus built from declarations, and the rule that enables their actions."""

    window: QMainWindow
    tabs: QTabWidget
    read_only: bool = False
    #: Why the signed-in person may not use an action ("" when they may), by its name: a
    #: courtesy, the services refuse anyway (``app.ui.role_actions``).
    refusal: Callable[[str], str] = lambda _name: ""
    entries: list[_Entry] = field(default_factory=list)
    _submenus: dict[tuple[str, str], QMenu] = field(default_factory=dict)

    def menu(self, title: str) -> QMenu:
        """The menu bar's menu ``title``, made (at the end) if it does not exist yet."""
        bar = self.window.menuBar()
        for action in bar.actions():
            menu = action.menu()
            if isinstance(menu, QMenu) and action.text() == title:
                return menu
        menu = bar.addMenu(title)
        menu.aboutToShow.connect(self.update)
        return menu

    def add_all(self, specs: Iterable[TabAction], owner: QWidget | None = None) -> None:
        for spec in specs:
            self.add(spec, owner)

    def add(self, spec: TabAction, owner: QWidget | None = None) -> QAction:
        menu = self.menu(spec.menu)
        if spec.submenu:
            key = (spec.menu, spec.submenu)
            if key not in self._submenus:
                self._submenus[key] = menu.addMenu(spec.submenu)
            menu = self._submenus[key]
        elif spec.separator_before:
            menu.addSeparator()
        action = QAction(spec.text, self.window)
        action.setObjectName(spec.name)
        action.setShortcuts(spec.shortcuts)
        if spec.tip:
            action.setToolTip(spec.tip)
            action.setStatusTip(spec.tip)
        if spec.checked is not None:
            action.setCheckable(True)
        action.triggered.connect(lambda _checked=False, s=spec: self._run(s))
        menu.addAction(action)
        self.window.addAction(action)  # its shortcut works wherever the focus is
        self.entries.append(_Entry(spec, action, owner))
        if owner is not None:
            _give_up_shortcuts(owner, spec.shortcuts)
        return action

    def add_tab_navigation(self, menu: str) -> None:
        """Next and previous tab (Ctrl+Tab, Ctrl+PgDn; Ctrl+Shift+Tab, Ctrl+PgUp) and "Go to"
        each tab (Ctrl+1, Ctrl+2, ...), for the tabs there are when called."""
        self.add_all(
            [
                TabAction(
                    "nextTabAction",
                    "&Next tab",
                    partial(self._step_tab, 1),
                    menu,
                    "Ctrl+Tab",
                    also=("Ctrl+PgDown", *_MAC_CONTROL_KEY.get("Tab", ())),
                    writes=False,
                ),
                TabAction(
                    "previousTabAction",
                    "&Previous tab",
                    partial(self._step_tab, -1),
                    menu,
                    "Ctrl+Shift+Tab",
                    also=("Ctrl+PgUp", *_MAC_CONTROL_KEY.get("Shift+Tab", ())),
                    writes=False,
                ),
            ]
        )
        for index in range(self.tabs.count()):
            tab = self.tabs.widget(index)
            if tab is None:
                continue
            self.add(
                TabAction(
                    f"{tab.objectName()}GoAction",
                    f"Go to {self.tabs.tabText(index)}",
                    partial(self.show_tab, tab),
                    menu,
                    f"Ctrl+{index + 1}" if index < 9 else "",
                    writes=False,
                    separator_before=index == 0,
                )
            )

    def _step_tab(self, step: int) -> None:
        tab = self.tabs.widget((self.tabs.currentIndex() + step) % self.tabs.count())
        if tab is not None:
            self.show_tab(tab)

    def show_tab(self, tab: QWidget) -> None:
        """Show ``tab`` with the keyboard in its table (on its selected row, if any)."""
        self.tabs.setCurrentWidget(tab)
        table = getattr(tab, "table", None)
        (table if isinstance(table, QWidget) else tab).setFocus(Qt.FocusReason.ShortcutFocusReason)

    def action(self, name: str) -> QAction:
        return next(entry.action for entry in self.entries if entry.spec.name == name)

    def _run(self, spec: TabAction) -> None:
        self.update()
        entry = next(entry for entry in self.entries if entry.spec is spec)
        if entry.action.isEnabled():
            spec.slot()
        self.update()

    def update(self) -> None:
        """Enable each action as its tab, its selection and the window allow."""
        current = self.tabs.currentWidget()
        for entry in self.entries:
            spec = entry.spec
            here = entry.owner is None or spec.anywhere or entry.owner is current
            allowed = not (self.read_only and spec.writes)
            refused = self.refusal(spec.name) if spec.writes else ""
            enabled = here and allowed and not refused and spec.enabled()
            entry.action.setEnabled(enabled)
            if spec.checked is not None:
                entry.action.setChecked(here and spec.checked())
            if not allowed:
                entry.action.setToolTip("Not in a read-only window")
            elif refused:
                entry.action.setToolTip(refused)
            else:
                entry.action.setToolTip(spec.tip)

    def shortcut_owners(self) -> dict[str, list[str]]:
        """Every shortcut of the window's actions, with the actions that use it."""
        owners: dict[str, list[str]] = {}
        for action in self.window.findChildren(QAction):
            for keys in action.shortcuts():
                if not keys.isEmpty():
                    owners.setdefault(keys.toString(), []).append(action.objectName())
        return owners


def _give_up_shortcuts(owner: QWidget, taken: list[QKeySequence]) -> None:
    """A tab's own actions drop the shortcuts a menu action now has (else neither works)."""
    keys = {sequence.toString() for sequence in taken}
    for action in owner.actions():
        if action.shortcut().toString() in keys:
            action.setShortcut(QKeySequence())
