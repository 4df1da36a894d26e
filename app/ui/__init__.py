"""The PySide6 window: one client of app.services. Nothing outside app.ui imports it."""
