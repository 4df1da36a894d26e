"""Shopkeeper: stock, orders, purchase orders and backorders for small shops."""

__version__ = "0.1.0"
