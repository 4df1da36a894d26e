"""The main window's tabs: Stock, Orders, Purchase orders, Backorders."""
