"""Report figures for issue 12, computed in SQL and returned as plain frozen rows. No Qt.

Each report takes a Session and its date or range and returns rows ready for a chart and a
table. Days are the shop's local days (see ``periods``).
"""
