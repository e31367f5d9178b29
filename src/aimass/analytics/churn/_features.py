"""Customer features at a cut-off date, and the churn and category-purchase labels after it.

Features use only orders and events strictly before the cut-off; labels use only the window
``[cutoff, cutoff + horizon)``. Nothing after the cut-off can reach a feature.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from aimass.exceptions import ConfigError, SchemaError

__all__ = [
    "CustomerHistory",
    "category_features",
    "category_labels",
    "churn_features",
    "churn_labels",
    "to_utc",
]

_ORDER_COLUMNS = ("customer_id", "order_id", "ordered_at")
_DAY = pd.Timedelta(days=1)
_EVENT_KINDS = {
    "views": ("view", "product_view", "page_view"),
    "carts": ("add_to_cart", "cart"),
    "searches": ("search",),
}


def to_utc(value: Any, name: str = "cutoff") -> pd.Timestamp:
    """A timestamp in UTC (naive values are taken as UTC).

    Examples
    --------
    >>> to_utc("2024-10-03")
    Timestamp('2024-10-03 00:00:00+0000', tz='UTC')
    """
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError):
        raise ConfigError(f"`{name}={value!r}` is not a date or time; give e.g. '2024-10-03'") from None
    if pd.isna(stamp):
        raise ConfigError(f"`{name}` is missing; give a date such as '2024-10-03'")
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def _days(delta: Any) -> pd.Series:
    """Time spans as float days."""
    days: pd.Series = delta / _DAY
    return days


def _column(frame: pd.DataFrame, name: str, default: float) -> pd.Series:
    if name not in frame.columns:
        return pd.Series(default, index=frame.index, dtype="float64")
    return pd.to_numeric(frame[name], errors="coerce").astype("float64")


class CustomerHistory:
    """The canonical tables normalized once, to compute features and labels at many cut-offs cheaply.

    Parameters
    ----------
    orders : pandas.DataFrame
        ``core.orders`` (line items): ``customer_id, order_id, ordered_at``; ``quantity, unit_price,
        discount, amount, coupon_id, channel, product_id`` are used when present.
    events : pandas.DataFrame, optional
        ``core.events`` (``customer_id, event_type, occurred_at``).
    products : pandas.DataFrame, optional
        ``core.products`` with ``category``.
    customers : pandas.DataFrame, optional
        ``core.customers``.

    Raises
    ------
    SchemaError
        When ``orders`` or ``events`` lack a needed column.
    """

    def __init__(
        self,
        orders: pd.DataFrame,
        *,
        events: pd.DataFrame | None = None,
        products: pd.DataFrame | None = None,
        customers: pd.DataFrame | None = None,
    ) -> None:
        missing = [column for column in _ORDER_COLUMNS if column not in orders.columns]
        if missing:
            raise SchemaError(
                f"orders lack the columns {missing}; churn needs {list(_ORDER_COLUMNS)} "
                "(and uses quantity, unit_price, discount, amount, coupon_id, channel when present)",
                table="core.orders",
            )
        quantity = _column(orders, "quantity", 1.0).fillna(1.0)
        discount = _column(orders, "discount", 0.0).fillna(0.0)
        gross = quantity * _column(orders, "unit_price", np.nan)
        amount = _column(orders, "amount", np.nan).fillna(gross - discount).fillna(0.0)
        lines = pd.DataFrame(
            {
                "customer_id": orders["customer_id"].astype("string").astype("object"),
                "order_id": orders["order_id"].astype("string").astype("object"),
                "at": pd.to_datetime(orders["ordered_at"], utc=True),
                "quantity": quantity,
                "discount": discount,
                "amount": amount,
                "gross": gross.fillna(amount + discount),
                "coupon": orders["coupon_id"].notna() if "coupon_id" in orders.columns else False,
                "channel": orders["channel"].astype("object") if "channel" in orders.columns else None,
            }
        )
        lines["category"] = None
        self.has_categories = False
        if products is not None and "product_id" in orders.columns and "category" in products.columns:
            category = products.drop_duplicates("product_id")
            lookup = category.set_index(category["product_id"].astype(str))["category"]
            lines["category"] = orders["product_id"].astype("string").map(lookup).astype("object").to_numpy()
            self.has_categories = True
        codes, uniques = pd.factorize(lines["customer_id"], sort=True)
        lines["cust"] = codes  # integer customer codes, in customer_id order: fast grouping
        self._ids = np.asarray(uniques, dtype=object)
        self.lines = lines.reset_index(drop=True)
        self.orders = (
            self.lines.groupby("order_id", sort=False)
            .agg(
                customer_id=("customer_id", "first"),
                cust=("cust", "first"),
                at=("at", "min"),
                amount=("amount", "sum"),
                gross=("gross", "sum"),
                discount=("discount", "sum"),
                items=("quantity", "sum"),
                coupon=("coupon", "max"),
                channel=("channel", "first"),
            )
            .reset_index()
        )
        self.events: pd.DataFrame | None = None
        if events is not None and len(events):
            if not {"customer_id", "event_type", "occurred_at"} <= set(events.columns):
                raise SchemaError(
                    "events lack customer_id, event_type or occurred_at; all three are needed",
                    table="core.events",
                )
            known = pd.DataFrame(
                {
                    "customer_id": events["customer_id"].astype("string").astype("object"),
                    "type": events["event_type"].astype("string").astype("object"),
                    "at": pd.to_datetime(events["occurred_at"], utc=True),
                }
            )
            known["cust"] = pd.Index(self._ids).get_indexer(pd.Index(known["customer_id"]))
            self.events = known[known["cust"] >= 0].reset_index(drop=True)
        self.customers = customers

    # -- features ------------------------------------------------------------------------------------

    def features(self, cutoff: Any, windows: Sequence[int] = (30, 90, 180)) -> pd.DataFrame:
        """See :func:`churn_features`."""
        cut = to_utc(cutoff)
        if not windows or any(int(w) <= 0 for w in windows):
            raise ConfigError(
                f"`windows={tuple(windows)}` must be positive numbers of days, e.g. (30, 90, 180)"
            )
        orders = self.orders[self.orders["at"] < cut].copy()
        orders["age"] = _days(cut - orders["at"])
        orders["one"] = 1.0
        grouped = orders.groupby("cust", sort=True)
        out = pd.DataFrame(index=grouped.size().index)
        newest = grouped["age"].min()
        oldest = grouped["age"].max()
        out["recency_days"] = newest.to_numpy()
        out["tenure_days"] = oldest.to_numpy()
        out["frequency"] = grouped.size().to_numpy().astype("int64")
        out["monetary"] = grouped["amount"].sum().to_numpy()
        out["avg_order_value"] = out["monetary"] / out["frequency"]
        for days in sorted({int(w) for w in windows}):
            recent = orders[orders["age"] <= days].groupby("cust")
            out[f"orders_{days}d"] = recent["one"].sum().reindex(out.index).fillna(0.0)
            out[f"spend_{days}d"] = recent["amount"].sum().reindex(out.index).fillna(0.0)
        gaps = (out["tenure_days"] - out["recency_days"]) / (out["frequency"] - 1).where(out["frequency"] > 1)
        out["mean_gap_days"] = gaps
        out["recency_over_gap"] = out["recency_days"] / gaps.where(gaps > 0)
        previous = orders[(orders["age"] > 90) & (orders["age"] <= 180)].groupby("cust")
        recent = orders[orders["age"] <= 90].groupby("cust")
        for name, column in (("orders_trend", "one"), ("spend_trend", "amount")):
            now = recent[column].sum().reindex(out.index).fillna(0.0)
            before = previous[column].sum().reindex(out.index).fillna(0.0)
            out[name] = now - before
        gross = grouped["gross"].sum().to_numpy()
        out["discount_share"] = np.where(
            gross > 0, grouped["discount"].sum().to_numpy() / np.where(gross > 0, gross, 1), 0.0
        )
        out["coupon_share"] = grouped["coupon"].mean().to_numpy().astype("float64")
        out["items_per_order"] = grouped["items"].sum().to_numpy() / out["frequency"]
        if orders["channel"].notna().any():
            counts = orders.dropna(subset=["channel"]).groupby(["cust", "channel"]).size()
            main = counts.sort_values(ascending=False, kind="stable").reset_index().drop_duplicates("cust")
            out["main_channel"] = main.set_index("cust")["channel"].reindex(out.index).astype("object")
        if self.has_categories:
            shares = self._category_spend(cut)
            for column in shares.columns:
                out[f"share_{column}"] = shares[column].reindex(out.index).fillna(0.0)
        if self.events is not None:
            out = out.join(self._event_features(cut, windows))
            for column in out.columns:
                if column.startswith(tuple(f"{kind}_" for kind in _EVENT_KINDS)):
                    out[column] = out[column].fillna(0.0)
        if self.customers is not None and "customer_id" in self.customers.columns:
            out = out.join(self._customer_features(cut))
        out.index = pd.Index(self._ids[out.index.to_numpy()], name="customer_id")
        return out

    def category_spend(self, cutoff: Any) -> pd.DataFrame:
        """Share of each customer's spend before ``cutoff`` per product category (columns: categories)."""
        shares = self._category_spend(to_utc(cutoff))
        shares.index = pd.Index(self._ids[shares.index.to_numpy()], name="customer_id")
        return shares

    def _category_spend(self, cut: pd.Timestamp) -> pd.DataFrame:
        lines = self.lines[self.lines["at"] < cut]
        category = lines["category"].fillna("unknown").astype(str)
        spend = lines.groupby([lines["cust"], category])["amount"].sum().unstack(fill_value=0)
        total = spend.sum(axis=1)
        result: pd.DataFrame = spend.div(total.where(total > 0), axis=0).fillna(0.0)
        return result

    def _event_features(self, cutoff: pd.Timestamp, windows: Sequence[int]) -> pd.DataFrame:
        assert self.events is not None
        known = self.events[self.events["at"] < cutoff]
        age = _days(cutoff - known["at"])
        out = pd.DataFrame(index=pd.Index(np.unique(known["cust"].to_numpy()), name="cust"))
        for days in sorted({int(w) for w in windows}):
            recent = known[age <= days]
            for name, types in _EVENT_KINDS.items():
                counts = recent[recent["type"].isin(types)].groupby("cust").size()
                out[f"{name}_{days}d"] = counts.reindex(out.index).fillna(0.0).astype("float64")
        out["days_since_event"] = age.groupby(known["cust"]).min().reindex(out.index)
        return out

    def _customer_features(self, cutoff: pd.Timestamp) -> pd.DataFrame:
        assert self.customers is not None
        frame = self.customers.drop_duplicates("customer_id")
        codes = pd.Index(self._ids).get_indexer(
            pd.Index(frame["customer_id"].astype("string").astype("object"))
        )
        frame = frame[codes >= 0]
        out = pd.DataFrame(index=pd.Index(codes[codes >= 0], name="cust"))
        if "signup_at" in frame.columns:
            signup = pd.to_datetime(frame["signup_at"], utc=True)
            out["signup_days"] = ((cutoff - signup) / _DAY).where(signup < cutoff).to_numpy()
        for column, name in (("region", "region"), ("gender", "gender"), ("channel", "acquisition_channel")):
            if column in frame.columns:
                out[name] = frame[column].astype("object").to_numpy()
        return out

    # -- labels --------------------------------------------------------------------------------------

    def _window(self, cutoff: Any, horizon_days: int) -> pd.DataFrame:
        cut = to_utc(cutoff)
        if not isinstance(horizon_days, int) or horizon_days <= 0:
            raise ConfigError(f"`horizon_days={horizon_days!r}` must be a whole number of days > 0")
        at = self.lines["at"]
        return self.lines[(at >= cut) & (at < cut + pd.Timedelta(days=horizon_days))]

    def labels(
        self, cutoff: Any, horizon_days: int = 90, customers: Sequence[str] | pd.Index | None = None
    ) -> pd.Series:
        """See :func:`churn_labels`."""
        cut = to_utc(cutoff)
        if customers is None:
            population = pd.Index(sorted(self.orders.loc[self.orders["at"] < cut, "customer_id"].unique()))
        else:
            population = pd.Index([str(c) for c in customers])
        active = pd.Index(self._window(cut, horizon_days)["customer_id"].unique())
        values = (~population.isin(active)).astype("int64")
        return pd.Series(values, index=population.rename("customer_id"), name="churned")

    def category_features(self, cutoff: Any, categories: Sequence[str], days: int = 90) -> pd.DataFrame:
        """See :func:`category_features`."""
        cut = to_utc(cutoff)
        lines = self.lines[(self.lines["at"] < cut) & self.lines["category"].isin(list(categories))]
        per = lines.drop_duplicates(["order_id", "category"])
        grouped = per.groupby(["customer_id", "category"])
        out = pd.DataFrame({"category_orders": grouped.size().astype("float64")})
        recent = per[per["at"] >= cut - pd.Timedelta(days=days)].groupby(["customer_id", "category"]).size()
        out["category_orders_recent"] = recent.reindex(out.index).fillna(0.0).astype("float64")
        out["category_recency_days"] = _days(cut - grouped["at"].max())
        return out.reset_index()

    def category_labels(self, cutoff: Any, horizon_days: int, categories: Sequence[str]) -> pd.DataFrame:
        """See :func:`category_labels`."""
        window = self._window(cutoff, horizon_days)
        bought = window.loc[window["category"].isin(list(categories)), ["customer_id", "category"]]
        return bought.drop_duplicates().reset_index(drop=True)


def churn_features(
    orders: pd.DataFrame,
    *,
    cutoff: Any,
    events: pd.DataFrame | None = None,
    products: pd.DataFrame | None = None,
    customers: pd.DataFrame | None = None,
    windows: Sequence[int] = (30, 90, 180),
) -> pd.DataFrame:
    """Features of every customer with an order before ``cutoff``, from data before ``cutoff`` only.

    Parameters
    ----------
    orders : pandas.DataFrame
        ``core.orders`` (line items): ``customer_id, order_id, ordered_at``; ``quantity, unit_price,
        discount, amount, coupon_id, channel, product_id`` are used when present.
    cutoff : datetime-like
        The cut-off; only orders and events strictly before it are used.
    events : pandas.DataFrame, optional
        ``core.events``: views, add-to-cart and searches per window, and days since the last event.
    products : pandas.DataFrame, optional
        ``core.products`` with ``category``: the share of spend in each category.
    customers : pandas.DataFrame, optional
        ``core.customers``: days since sign-up (only if before the cut-off), region, gender and
        acquisition channel.
    windows : sequence of int, default (30, 90, 180)
        Day windows for counts and spend.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``customer_id`` (sorted): ``recency_days, tenure_days, frequency, monetary,
        avg_order_value, orders_<w>d, spend_<w>d`` per window, ``mean_gap_days, recency_over_gap,
        orders_trend, spend_trend, discount_share, coupon_share, items_per_order, main_channel`` and
        optional ``share_<category>``, ``views_<w>d, carts_<w>d, searches_<w>d, days_since_event``,
        ``signup_days, region, gender, acquisition_channel``.

    Raises
    ------
    SchemaError
        When ``orders`` lacks a needed column.
    ConfigError
        When ``cutoff`` is not a date or a window is not positive.

    Examples
    --------
    >>> orders = pd.DataFrame({"customer_id": ["a", "a", "b"], "order_id": ["1", "2", "3"],
    ...     "ordered_at": pd.to_datetime(["2024-01-01", "2024-03-01", "2024-02-01"], utc=True),
    ...     "quantity": [1.0, 2.0, 1.0], "unit_price": [10.0, 5.0, 30.0]})
    >>> features = churn_features(orders, cutoff="2024-03-31")
    >>> features[["recency_days", "tenure_days", "frequency", "monetary"]].to_dict("list")
    {'recency_days': [30.0, 59.0], 'tenure_days': [90.0, 59.0], 'frequency': [2, 1], 'monetary': [20.0, 30.0]}
    >>> features["mean_gap_days"].tolist()
    [60.0, nan]
    """
    history = CustomerHistory(orders, events=events, products=products, customers=customers)
    return history.features(cutoff, windows)


def churn_labels(
    orders: pd.DataFrame,
    *,
    cutoff: Any,
    horizon_days: int = 90,
    customers: Sequence[str] | pd.Index | None = None,
) -> pd.Series:
    """Whether each customer churned: no order in ``[cutoff, cutoff + horizon_days)``.

    Parameters
    ----------
    orders : pandas.DataFrame
        ``customer_id, order_id, ordered_at`` at least.
    cutoff : datetime-like
    horizon_days : int, default 90
    customers : sequence of str, optional
        The population (default: every customer with an order before ``cutoff``).

    Returns
    -------
    pandas.Series of int
        1 = churned, 0 = ordered again; indexed by ``customer_id``, named ``churned``.

    Examples
    --------
    >>> orders = pd.DataFrame({"customer_id": ["a", "a", "b"], "order_id": ["1", "2", "3"],
    ...     "ordered_at": pd.to_datetime(["2024-01-01", "2024-04-15", "2024-02-01"], utc=True)})
    >>> churn_labels(orders, cutoff="2024-03-31", horizon_days=30).to_dict()
    {'a': 0, 'b': 1}
    """
    return CustomerHistory(orders).labels(cutoff, horizon_days, customers)


def category_features(
    orders: pd.DataFrame, products: pd.DataFrame, *, cutoff: Any, categories: Sequence[str], days: int = 90
) -> pd.DataFrame:
    """Per customer and category (long form), from orders before ``cutoff``.

    Returns
    -------
    pandas.DataFrame
        ``customer_id, category, category_orders`` (orders holding the category),
        ``category_orders_recent`` (in the last ``days``), ``category_recency_days``; only pairs bought.
    """
    return CustomerHistory(orders, products=products).category_features(cutoff, categories, days)


def category_labels(
    orders: pd.DataFrame, products: pd.DataFrame, *, cutoff: Any, horizon_days: int, categories: Sequence[str]
) -> pd.DataFrame:
    """The ``customer_id, category`` pairs bought in ``[cutoff, cutoff + horizon_days)``."""
    return CustomerHistory(orders, products=products).category_labels(cutoff, horizon_days, categories)
