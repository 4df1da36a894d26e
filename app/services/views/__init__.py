"""Read queries behind the window's tables: pages of plain rows, sorted and filtered in SQL.

Every function takes a Session (the caller opens a short read transaction per page) and
returns frozen dataclasses, never ORM objects. Pages are fetched with ORDER BY + LIMIT/OFFSET
on a small, indexed query that returns only ids; the page's figures (balances, incoming,
backordered, line totals) are then computed for those ids alone, so a page costs the same
with a hundred order lines as with a million. Counts are capped (``Count.exact``) so the
footer of a huge table never scans it all. No Qt.

One module per tab (``stock``, ``orders``, ``purchase_orders``, ``backorders``; ``catalog``
for Products, Suppliers and Customers), with the
paging and search helpers they share in ``common`` and ``search``, and the stored ETAs'
wording in ``etas``; this package re-exports their public names, so
``from app.services.views import X`` keeps working.
"""

from app.services.views.backorders import (
    BACKORDER_SORTS,
    BackorderQuery,
    BackorderRow,
    backorders_page,
    count_backorders,
    units_waiting,
)
from app.services.views.catalog import (
    CatalogQuery,
    CustomerListRow,
    ProductRow,
    SupplierRow,
    count_catalog_products,
    count_customers,
    count_suppliers,
    customers_page,
    products_page,
    shop_is_empty,
    suppliers_page,
)
from app.services.views.common import COUNT_CAP, PAGE_SIZE, Count
from app.services.views.etas import (
    LineEtaView,
    OrderEta,
    eta_text,
    line_etas,
    order_etas,
)
from app.services.views.orders import (
    ORDER_REF_DIGITS,
    ORDER_REF_PREFIX,
    ORDER_SORTS,
    OrderQuery,
    OrderRow,
    count_orders,
    order_rows,
    orders_page,
    padded_order_ref,
)
from app.services.views.purchase_orders import (
    PURCHASE_ORDER_SORTS,
    PurchaseOrderQuery,
    PurchaseOrderRow,
    count_purchase_orders,
    purchase_orders_page,
)
from app.services.views.search import MAX_INLINE_IDS
from app.services.views.stock import (
    INCOMING_STATUSES,
    STOCK_SORTS,
    StockQuery,
    StockRow,
    count_products,
    next_expected_dates,
    stock_figures,
    stock_page,
    stock_rows,
)

__all__ = [
    "BACKORDER_SORTS",
    "COUNT_CAP",
    "INCOMING_STATUSES",
    "MAX_INLINE_IDS",
    "ORDER_REF_DIGITS",
    "ORDER_REF_PREFIX",
    "ORDER_SORTS",
    "PAGE_SIZE",
    "PURCHASE_ORDER_SORTS",
    "STOCK_SORTS",
    "BackorderQuery",
    "BackorderRow",
    "CatalogQuery",
    "Count",
    "CustomerListRow",
    "LineEtaView",
    "OrderEta",
    "OrderQuery",
    "OrderRow",
    "ProductRow",
    "PurchaseOrderQuery",
    "PurchaseOrderRow",
    "StockQuery",
    "StockRow",
    "SupplierRow",
    "backorders_page",
    "count_backorders",
    "count_catalog_products",
    "count_customers",
    "count_orders",
    "count_products",
    "count_purchase_orders",
    "count_suppliers",
    "customers_page",
    "eta_text",
    "line_etas",
    "next_expected_dates",
    "order_etas",
    "order_rows",
    "orders_page",
    "padded_order_ref",
    "products_page",
    "purchase_orders_page",
    "shop_is_empty",
    "stock_figures",
    "stock_page",
    "stock_rows",
    "suppliers_page",
    "units_waiting",
]
