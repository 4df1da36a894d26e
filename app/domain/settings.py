"""Shop-wide settings kept in the shop database, so every till of a shop follows the same rules.

Per-computer settings (which database to open, how many backups to keep) live in a local file
instead; see ``app.db``. Values are strings; ``app.services.settings`` reads and checks them.
"""

from __future__ import annotations

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.domain.base import Base

#: Key of the backorder queue policy (a ``QueuePolicy`` value).
QUEUE_POLICY_KEY = "queue_policy"


class ShopSetting(Base):
    __tablename__ = "shop_setting"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    #: Text: most values are a word or a number, but the shop's logo is an image (base64).
    value: Mapped[str] = mapped_column(Text)
