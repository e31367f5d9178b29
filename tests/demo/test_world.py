"""Statistical checks that the demo world matches the truth that generated it."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd
import pytest
from scipy import optimize, special

from aimass.demo import DemoWorld, generate_world

N_CUSTOMERS = 3_000
SEED = 7


@pytest.fixture(scope="module")
def world() -> DemoWorld:
    return generate_world(N_CUSTOMERS, seed=SEED)


def _segment(world: DemoWorld) -> pd.Series:
    return world.truth.segments.set_index("customer_id")["segment"]


def _per_order(world: DemoWorld) -> pd.DataFrame:
    orders = world.orders
    return orders.groupby("order_id").agg(
        customer_id=("customer_id", "first"),
        ordered_at=("ordered_at", "first"),
        amount=("amount", "sum"),
        coupon=("coupon_id", "first"),
    )


# --- shape and contracts -------------------------------------------------------------------------


def test_tables_fit_the_canonical_model(world: DemoWorld) -> None:
    from aimass.canonical import CANONICAL_TABLES

    for name, frame in world.tables().items():
        spec = CANONICAL_TABLES[name]
        assert set(frame.columns) <= set(spec.column_names), name
        assert set(spec.required) <= set(frame.columns), name
        assert not frame.duplicated(list(spec.key)).any(), f"{name} key is not unique"
        assert frame[list(spec.required)].notna().all().all(), f"{name} has nulls in required columns"


def test_identifiers_are_text_with_leading_zeros(world: DemoWorld) -> None:
    ids = world.customers["customer_id"]
    assert ids.str.fullmatch(r"\d{7}").all()
    assert ids.str.startswith("0").all()  # numbers stay below 1,000,000: every id has a leading zero
    assert world.products["product_id"].str.fullmatch(r"P\d{5}").all()
    assert len(world.products) == 2_000
    assert set(world.orders["customer_id"]) <= set(ids)
    assert set(world.orders["product_id"]) <= set(world.products["product_id"])


def test_amount_is_quantity_times_price_minus_discount(world: DemoWorld) -> None:
    o = world.orders
    np.testing.assert_allclose(o["amount"], o["quantity"] * o["unit_price"] - o["discount"], atol=1e-6)
    assert (o["discount"] >= 0).all()
    assert (o["amount"] > 0).all()
    assert (o["quantity"] >= 1).all()


def test_times_are_in_the_window_and_first_purchase_follows_signup(world: DemoWorld) -> None:
    per_order = _per_order(world)
    first = per_order.groupby("customer_id")["ordered_at"].min()
    signup = world.customers.set_index("customer_id")["signup_at"]
    assert (first >= signup.loc[first.index]).all()
    assert first.min() >= pd.Timestamp("2023-01-01", tz="UTC")
    assert first.max() < pd.Timestamp("2025-01-01", tz="UTC")
    assert (world.orders["ordered_at"] < world.as_of).all()
    assert (world.orders["ordered_at"].dt.second == 0).all()  # minute precision, as the export shows
    assert len(first) == N_CUSTOMERS  # everybody buys at least once


# --- purchase process ----------------------------------------------------------------------------


def _bgnbd_negative_ll(
    log_params: npt.NDArray[np.float64], x: np.ndarray, tx: np.ndarray, t: np.ndarray
) -> float:
    r, alpha, a, b = np.exp(log_params)
    common = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
    alive = special.betaln(a, b + x) - special.betaln(a, b) - (r + x) * np.log(alpha + t)
    dropped = np.where(
        x > 0,
        special.betaln(a + 1, b + np.maximum(x, 1) - 1) - special.betaln(a, b) - (r + x) * np.log(alpha + tx),
        -np.inf,
    )
    return float(-(common + np.logaddexp(alive, dropped)).sum())


def test_bgnbd_fit_recovers_each_segment(world: DemoWorld) -> None:
    per_order = _per_order(world)
    by_customer = per_order.groupby("customer_id")["ordered_at"]
    first, last, count = by_customer.min(), by_customer.max(), by_customer.size()
    x = (count - 1).to_numpy(dtype=float)
    tx = ((last - first).dt.total_seconds() / 86_400).to_numpy()
    t = ((world.as_of - first).dt.total_seconds() / 86_400).to_numpy()
    segment = _segment(world).loc[count.index].to_numpy()
    for name, spec in world.truth.params["segments"].items():
        rows = segment == name
        fit = optimize.minimize(
            _bgnbd_negative_ll,
            np.log([1.0, 50.0, 1.0, 3.0]),
            args=(x[rows], tx[rows], t[rows]),
            method="Nelder-Mead",
            options={"maxiter": 4000, "xatol": 1e-6, "fatol": 1e-6},
        )
        r, alpha, a, b = np.exp(fit.x)
        true = spec["bgnbd"]
        assert r / alpha == pytest.approx(true["r"] / true["alpha"], rel=0.2), name
        assert a / (a + b) == pytest.approx(true["a"] / (true["a"] + true["b"]), abs=0.07), name


def test_latent_draws_follow_the_segment_distributions(world: DemoWorld) -> None:
    latent = world.truth.latent
    for name, group in latent.groupby("segment"):
        spec = world.truth.params["segments"][name]
        bg, gg = spec["bgnbd"], spec["gamma_gamma"]
        assert group["purchase_rate"].mean() == pytest.approx(bg["r"] / bg["alpha"], rel=0.12), name
        assert group["dropout_prob"].mean() == pytest.approx(bg["a"] / (bg["a"] + bg["b"]), abs=0.03), name
        assert group["spend_rate"].mean() == pytest.approx(gg["q"] / gg["v"], rel=0.1), name
    dead = latent[~latent["alive_at_as_of"]]
    assert dead["dropout_at"].notna().all()
    assert latent.loc[latent["alive_at_as_of"], "dropout_at"].isna().all()
    assert (dead["n_repeat"] >= 1).all()  # nobody drops out right after the first purchase


def test_order_value_follows_gamma_gamma(world: DemoWorld) -> None:
    per_order = _per_order(world)
    latent = world.truth.latent.set_index("customer_id").loc[per_order["customer_id"]]
    per_order["segment"] = latent["segment"].to_numpy()
    per_order["expected"] = latent["expected_order_value"].to_numpy()  # p_s / nu_i of the customer
    for name, group in per_order.groupby("segment"):
        assert group["amount"].mean() == pytest.approx(group["expected"].mean(), rel=0.2), name
        population_mean = world.truth.params["segments"][name]["gamma_gamma"]["mean_order_value"]
        assert group["amount"].mean() == pytest.approx(population_mean, rel=0.25), name
    # customers who spend more per order (lower nu) really do
    by_customer = per_order.groupby("customer_id")[["amount", "expected"]].mean()
    assert np.corrcoef(np.log(by_customer["amount"]), np.log(by_customer["expected"]))[0, 1] > 0.6


# --- tastes ---------------------------------------------------------------------------------------


def _lines_with_segment(world: DemoWorld) -> pd.DataFrame:
    lines = world.orders.copy()
    lines["segment"] = _segment(world).loc[lines["customer_id"]].to_numpy()
    lines["category"] = lines["product_id"].map(world.products.set_index("product_id")["category"])
    return lines


def test_category_shares_match_the_preference_vectors(world: DemoWorld) -> None:
    lines = _lines_with_segment(world)
    for name, group in lines.groupby("segment"):
        preference = pd.Series(world.truth.params["segments"][name]["category_preference"])
        realized = group["category"].value_counts(normalize=True).reindex(preference.index, fill_value=0.0)
        assert (realized - preference).abs().max() < 0.04, (name, (realized - preference).round(3).to_dict())


def test_segments_differ_in_price_sensitivity_and_channel(world: DemoWorld) -> None:
    lines = _lines_with_segment(world)
    discounted = lines.assign(d=lines["discount"] > 0).groupby("segment")["d"].mean()
    assert discounted.idxmax() == "bargain_hunters"
    assert discounted.idxmin() == "premium_fashion"
    channel = lines["channel"].replace({"global_web": "online"})
    for name, group in lines.assign(channel=channel).groupby("segment"):
        table = pd.Series(world.truth.params["segments"][name]["channel"])
        realized = group["channel"].value_counts(normalize=True).reindex(table.index, fill_value=0.0)
        assert (realized - table).abs().max() < 0.08, name
    assert world.orders["channel"].isna().mean() == pytest.approx(0.005, abs=0.004)


def test_cash_is_only_paid_in_stores(world: DemoWorld) -> None:
    cash = world.orders[world.orders["payment_method"] == "cash"]
    assert len(cash) > 0
    assert cash["store_id"].notna().all()
    assert ((world.orders["channel"] == "store") == world.orders["store_id"].notna())[
        world.orders["channel"].notna()
    ].all()


def test_planted_rules_are_realized(world: DemoWorld) -> None:
    rules = world.truth.rules
    assert 8 <= len(rules) <= 12
    sub = rules[rules["level"] == "subcategory"]
    assert (sub["realized_lift"] > 2.0).all()
    np.testing.assert_allclose(sub["realized_lift"], sub["planted_lift"], rtol=0.3)
    np.testing.assert_allclose(sub["realized_confidence"], sub["planted_confidence"], atol=0.08)
    product = rules[rules["level"] == "product"]
    assert len(product) >= 2
    assert (product["realized_lift"] > 10.0).all()
    # recompute one rule by hand: shirts -> trousers over order baskets of subcategories
    subcategory = world.orders["product_id"].map(world.products.set_index("product_id")["subcategory"])
    baskets = subcategory.groupby(world.orders["order_id"]).agg(set)
    has_a = baskets.map(lambda items: "shirts" in items)
    has_c = baskets.map(lambda items: "trousers" in items)
    lift = (has_a & has_c).sum() / has_a.sum() / has_c.mean()
    row = rules[(rules["antecedent"] == "shirts") & (rules["consequent"] == "trousers")].iloc[0]
    assert lift == pytest.approx(row["realized_lift"])


# --- campaigns ------------------------------------------------------------------------------------


def test_exposures_are_randomized_over_the_audience(world: DemoWorld) -> None:
    first = _per_order(world).groupby("customer_id")["ordered_at"].min()
    for campaign_id, group in world.exposures.groupby("campaign_id"):
        assigned = group["assigned_at"].iloc[0]
        assert (first.loc[group["customer_id"]] < assigned).all()
        assert ((first < assigned).sum()) == len(group)  # everybody who had bought by then
        counts = group["arm"].value_counts()
        assert counts.max() - counts.min() <= 1, campaign_id
        control = group["arm"] == "control"
        assert group.loc[control, "sent_at"].isna().all()
        assert group.loc[~control, "sent_at"].notna().all()
        assert (group.loc[control, "cost"] == 0).all()


def test_campaign_coupons_are_used_only_by_their_arm_in_the_window(world: DemoWorld) -> None:
    arms = world.exposures.set_index(["campaign_id", "customer_id"])["arm"]
    for code, campaign_id, arm in (
        ("SPRING20", "CMP-2024-SPRING", "treatment"),
        ("AUTUMN10", "CMP-2024-AUTUMN", "coupon_10"),
        ("AUTUMN20", "CMP-2024-AUTUMN", "coupon_20"),
    ):
        used = world.orders[world.orders["coupon_id"] == code]
        assert len(used) > 0, code
        assigned = arms.loc[[(campaign_id, c) for c in used["customer_id"]]]
        assert (assigned == arm).all(), code
        campaign = world.campaigns.set_index("campaign_id").loc[campaign_id]
        assert (used["ordered_at"] >= campaign["starts_at"]).all()
        assert (used["ordered_at"] <= campaign["ends_at"]).all()


def test_treatment_minus_control_matches_the_true_uplift(world: DemoWorld) -> None:
    segment = _segment(world)
    significant = 0
    for campaign_id, exposures in world.exposures.groupby("campaign_id"):
        params = world.truth.params["campaigns"][campaign_id]
        start = pd.Timestamp(params["effect_window"]["start"])
        end = pd.Timestamp(params["effect_window"]["end_exclusive"])
        window = world.orders[(world.orders["ordered_at"] >= start) & (world.orders["ordered_at"] < end)]
        bought = exposures["customer_id"].isin(set(window["customer_id"])).astype(float)
        frame = exposures.assign(
            bought=bought.to_numpy(), segment=segment.loc[exposures["customer_id"]].to_numpy()
        )
        truth = world.truth.uplift[world.truth.uplift["campaign_id"] == campaign_id]
        for arm in params["arms"][1:]:
            true = truth[truth["arm"] == arm].set_index("customer_id")["true_uplift_prob"]
            for name, group in frame.groupby("segment"):
                treated = group.loc[group["arm"] == arm, "bought"]
                control = group.loc[group["arm"] == "control", "bought"]
                diff = treated.mean() - control.mean()
                se = float(np.sqrt(treated.var() / len(treated) + control.var() / len(control)))
                expected = true.loc[group["customer_id"]].mean()
                assert abs(diff - expected) < 4 * se, (campaign_id, arm, name, diff, expected, se)
                if abs(expected) > 2.5 * se:
                    assert np.sign(diff) == np.sign(expected), (campaign_id, arm, name)
                    significant += 1
    assert significant >= 2  # at least the bargain hunters' response is visible


def test_true_effects_differ_by_segment_with_negative_ones(world: DemoWorld) -> None:
    uplift = world.truth.uplift.merge(world.truth.segments, on="customer_id")
    mean = uplift.groupby("segment")[["true_uplift_prob", "true_incremental_revenue"]].mean()
    assert mean.loc["bargain_hunters", "true_uplift_prob"] > 0.05
    assert mean.loc["occasional_browsers", "true_uplift_prob"] < 0
    assert mean.loc["premium_fashion", "true_incremental_revenue"] < 0
    assert set(uplift["arm"]) == {"treatment", "coupon_10", "coupon_20"}


# --- segments are recoverable from behaviour ------------------------------------------------------


def _adjusted_rand_index(a: np.ndarray, b: np.ndarray) -> float:
    codes_a, codes_b = pd.factorize(a)[0], pd.factorize(b)[0]
    table = np.zeros((codes_a.max() + 1, codes_b.max() + 1))
    np.add.at(table, (codes_a, codes_b), 1)

    def pairs(v: np.ndarray) -> float:
        return float((v * (v - 1) / 2).sum())

    index, rows, cols = pairs(table), pairs(table.sum(axis=1)), pairs(table.sum(axis=0))
    expected = rows * cols / (len(a) * (len(a) - 1) / 2)
    return (index - expected) / ((rows + cols) / 2 - expected)


def _kmeans(x: np.ndarray, k: int, rng: np.random.Generator, n_init: int = 10) -> np.ndarray:
    best_inertia, best = np.inf, np.zeros(len(x), dtype=int)
    for _ in range(n_init):
        centres = [x[rng.integers(len(x))]]
        for _ in range(k - 1):  # k-means++
            d = np.min(((x[:, None, :] - np.array(centres)[None]) ** 2).sum(-1), axis=1)
            centres.append(x[rng.choice(len(x), p=d / d.sum())])
        c = np.array(centres)
        for _ in range(200):
            labels = ((x[:, None, :] - c[None]) ** 2).sum(-1).argmin(axis=1)
            new = np.array([x[labels == j].mean(axis=0) if (labels == j).any() else c[j] for j in range(k)])
            if np.allclose(new, c):
                break
            c = new
        inertia = float(((x - c[labels]) ** 2).sum())
        if inertia < best_inertia:
            best_inertia, best = inertia, labels
    return best


def behaviour_features(world: DemoWorld) -> pd.DataFrame:
    """RFM, category mix, price level, discount and coupon use, channel mix, basket size per customer."""
    o = world.orders
    products = world.products.set_index("product_id")
    median = world.products.groupby("subcategory")["price"].median()
    lines = o.assign(
        category=o["product_id"].map(products["category"]),
        price_level=np.log(o["unit_price"] / o["product_id"].map(products["subcategory"]).map(median)),
        discounted=(o["discount"] > 0).astype(float),
        channel=o["channel"].replace({"global_web": "online"}),
    )
    orders = lines.groupby("order_id").agg(
        customer_id=("customer_id", "first"),
        at=("ordered_at", "first"),
        amount=("amount", "sum"),
        coupon=("coupon_id", lambda s: s.notna().any()),
        lines=("line_no", "size"),
    )
    by_customer = orders.groupby("customer_id")
    features = pd.DataFrame(
        {
            "frequency": np.log1p(by_customer.size() - 1),
            "recency": (world.as_of - by_customer["at"].max()).dt.total_seconds() / 86_400,
            "monetary": np.log1p(by_customer["amount"].mean()),
            "coupon": by_customer["coupon"].mean(),
            "lines": by_customer["lines"].mean(),
        }
    )
    per_line = lines.groupby("customer_id")
    features["price_level"] = per_line["price_level"].mean()
    features["discounted"] = per_line["discounted"].mean()
    categories = pd.crosstab(lines["customer_id"], lines["category"], normalize="index")
    channels = pd.crosstab(lines["customer_id"], lines["channel"], normalize="index").add_prefix("channel_")
    return features.join(categories).join(channels).fillna(0.0)


def test_segments_are_recoverable_by_kmeans_on_behaviour(world: DemoWorld) -> None:
    features = behaviour_features(world)
    x = ((features - features.mean()) / features.std()).to_numpy()
    labels = _kmeans(x, 5, np.random.default_rng(0))
    truth = _segment(world).loc[features.index].to_numpy()
    assert _adjusted_rand_index(labels, truth) >= 0.8


# --- events ---------------------------------------------------------------------------------------


def test_events_precede_and_match_purchases(world: DemoWorld) -> None:
    events, orders = world.events, world.orders
    assert set(events["event_type"]) == {"view", "search", "add_to_cart", "purchase"}
    per_line = len(events) / len(orders)
    assert 3.0 <= per_line <= 6.0
    assert events["customer_id"].isna().mean() == pytest.approx(0.05, abs=0.04)
    assert events["event_id"].is_unique and events["occurred_at"].is_monotonic_increasing
    purchases = events[events["event_type"] == "purchase"]
    key = ["customer_id", "product_id", "occurred_at"]
    web = orders[orders["store_id"].isna()]
    assert len(purchases) == len(web)
    web_lines = web.rename(columns={"ordered_at": "occurred_at"})[[*key, "amount"]]
    matched = purchases.merge(web_lines, on=key, suffixes=("", "_order"))
    assert len(matched) >= len(purchases)
    assert matched["customer_id"].notna().all()
    searches = events[events["event_type"] == "search"]
    assert searches["query"].notna().all() and searches["product_id"].isna().all()
    assert events.loc[events["event_type"] != "search", "query"].isna().all()


def test_add_to_cart_comes_shortly_before_the_purchase(world: DemoWorld) -> None:
    events = world.events.dropna(subset=["product_id"])
    carts = events[events["event_type"] == "add_to_cart"]
    buys = events[events["event_type"] == "purchase"]
    paired = carts.merge(buys, on=["session_id", "product_id"], suffixes=("_cart", "_buy"))
    gap = (paired["occurred_at_buy"] - paired["occurred_at_cart"]).dt.total_seconds()
    assert (gap >= 0).all()
    assert gap.median() < 3 * 3_600
    browse_only = set(events["session_id"]) - set(buys["session_id"])
    assert len(browse_only) > 0.2 * events["session_id"].nunique()


# --- reproducibility and arguments ----------------------------------------------------------------


def test_same_seed_gives_identical_tables_and_another_seed_differs() -> None:
    first, second, other = (
        generate_world(300, seed=1),
        generate_world(300, seed=1),
        generate_world(300, seed=2),
    )
    for name, frame in first.tables().items():
        pd.testing.assert_frame_equal(frame, second.tables()[name], obj=name)
    pd.testing.assert_frame_equal(first.truth.uplift, second.truth.uplift)
    assert first.truth.params == second.truth.params
    assert not first.orders["amount"].equals(other.orders["amount"])
    assert not first.truth.segments.equals(other.truth.segments)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_customers": 99}, "n_customers=99"),
        ({"n_customers": 0}, ">= 100"),
        ({"n_customers": 150.5}, "integer"),
        ({"n_customers": True}, "integer"),
        ({"seed": -1}, "seed=-1"),
        ({"seed": "0"}, "integer"),
    ],
)
def test_invalid_arguments_are_refused_with_a_clear_message(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        generate_world(**kwargs)  # type: ignore[arg-type]
