"""Customer notifications: the outbox (``outbox``), templates and rendering (``templates``),
the sending settings (``settings``), the sender (``sender``) and its transports (``smtp``,
``webhook``), and the Notifications view's reads and retries (``listing``). No Qt."""
