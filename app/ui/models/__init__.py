"""Table models: pages of plain rows read from app.services.views, sorted and filtered in SQL."""
