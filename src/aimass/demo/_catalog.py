"""The product catalog: about 2,000 products over 8 categories and 44 subcategories.

Each product has a brand, a colour, a material, a size range, a list price drawn log-normally around
its subcategory's median (sigma 0.55, rounded to a shop price such as 199.00 or 89.90), a cost from the
category margin, a popularity weight (log-normal, sigma 1) and English and Chinese names and
descriptions from templates (``"Red Linen Shirt"`` / ``"红色亚麻衬衫"``). Four products have roles in the
planted product-level rules: a flagship phone and its case, a signature dress and its matching bag.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from aimass.demo._random import allocate
from aimass.demo._spec import CATEGORIES, COLOURS, SUBCATEGORIES

__all__ = ["Catalog", "build_catalog", "shop_price"]

_PRICE_SIGMA = 0.55
_ZH_COMMA, _ZH_COLON = "\uff0c", "\uff1a"  # full-width punctuation of the Chinese descriptions


@dataclass(frozen=True, eq=False)
class Catalog:
    """The products table plus the arrays the order generator samples from.

    Attributes
    ----------
    products : pandas.DataFrame
        The clean ``core.products`` table.
    subcategory : ndarray of shape (n_products,)
        Index into ``SUBCATEGORIES`` of each product.
    category : ndarray of shape (n_products,)
        Index into ``CATEGORIES`` of each product.
    price : ndarray of shape (n_products,)
        List price in CNY.
    popularity : ndarray of shape (n_products,)
        Relative choice weight among products of similar price.
    colour : ndarray of shape (n_products,)
        Index into ``COLOURS``.
    order : ndarray of shape (n_products,)
        Product indices sorted by (subcategory, price): the layout ``sorted_key`` refers to.
    sorted_key : ndarray of shape (n_products,)
        ``subcategory * 100 + log(price)`` in ``order``, for price-nearest lookups.
    sub_start, sub_count : ndarray of shape (n_subcategories,)
        Where each subcategory's products start in ``order`` and how many there are.
    roles : dict of str to int
        Product index of each planted-rule role (``"flagship_phone"`` ...).
    """

    products: pd.DataFrame
    subcategory: npt.NDArray[np.int64]
    category: npt.NDArray[np.int64]
    price: npt.NDArray[np.float64]
    popularity: npt.NDArray[np.float64]
    colour: npt.NDArray[np.int64]
    order: npt.NDArray[np.int64]
    sorted_key: npt.NDArray[np.float64]
    sub_start: npt.NDArray[np.int64]
    sub_count: npt.NDArray[np.int64]
    roles: dict[str, int]

    @property
    def product_ids(self) -> npt.NDArray[np.str_]:
        """Product ids in catalog order."""
        return self.products["product_id"].to_numpy(dtype=str)


def shop_price(raw: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Round raw prices to shop prices: ``x9.00`` from 100 up, ``x.90`` below, at least 3.90."""
    high = np.floor(raw / 10.0) * 10.0 + 9.0
    low = np.floor(raw) + 0.9
    return np.asarray(np.round(np.where(raw >= 100.0, high, np.maximum(low, 3.9)), 2), dtype=np.float64)


def _pick_role(rng: np.random.Generator, mask: npt.NDArray[np.bool_], target: npt.NDArray[np.float64]) -> int:
    """Index of a product among ``mask`` whose price is closest to ``target`` (ties broken at random)."""
    candidates = np.flatnonzero(mask)
    distance = np.abs(np.log(target[candidates])) + rng.uniform(0, 1e-6, candidates.size)
    return int(candidates[np.argmin(distance)])


def build_catalog(rng: np.random.Generator) -> Catalog:
    """Draw the catalog.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness (the catalog stage's own stream).

    Returns
    -------
    Catalog
    """
    sub_keys = [sub.key for _, sub in SUBCATEGORIES]
    sub_of: list[npt.NDArray[np.int64]] = []
    offset = 0
    for spec in CATEGORIES:
        weights = np.array([sub.weight for sub in spec.subcategories])
        counts = allocate(spec.n_products, weights)
        sub_of.append(np.repeat(np.arange(offset, offset + len(weights)), counts))
        offset += len(weights)
    subcategory = rng.permutation(np.concatenate(sub_of)).astype(np.int64)
    n_products = subcategory.size
    category = np.array([SUBCATEGORIES[s][0] for s in subcategory], dtype=np.int64)
    median = np.array([SUBCATEGORIES[s][1].median_price for s in subcategory])
    price = shop_price(median * rng.lognormal(0.0, _PRICE_SIGMA, n_products))
    margin = np.array([CATEGORIES[c].margin for c in category])
    cost = np.round(price * (1.0 - margin) * rng.lognormal(0.0, 0.08, n_products), 2)
    popularity = rng.lognormal(0.0, 1.0, n_products)
    colour = rng.integers(0, len(COLOURS), n_products).astype(np.int64)
    material = rng.integers(0, 4, n_products)
    brand = rng.integers(0, 12, n_products)

    roles = _assign_roles(rng, subcategory, price, median, brand, colour, popularity, sub_keys)

    text_seed = rng.integers(0, 1_000_000, n_products)
    rows = [
        _product_row(
            i,
            int(category[i]),
            int(subcategory[i]),
            int(colour[i]),
            int(material[i]),
            int(brand[i]),
            int(text_seed[i]),
        )
        for i in range(n_products)
    ]
    products = pd.DataFrame(rows)
    products["price"] = price
    products["cost"] = cost
    products = products[
        [
            "product_id",
            "name",
            "category",
            "subcategory",
            "brand",
            "price",
            "cost",
            "description",
            "image_path",
            "attrs",
        ]
    ]

    order = np.lexsort((price, subcategory)).astype(np.int64)
    sorted_key = np.asarray(subcategory[order] * 100.0 + np.log(price[order]), dtype=np.float64)
    sub_count = np.bincount(subcategory, minlength=len(SUBCATEGORIES)).astype(np.int64)
    sub_start = np.concatenate([[0], np.cumsum(sub_count)[:-1]]).astype(np.int64)
    return Catalog(
        products,
        subcategory,
        category,
        price,
        popularity,
        colour,
        order,
        sorted_key,
        sub_start,
        sub_count,
        roles,
    )


def _assign_roles(
    rng: np.random.Generator,
    subcategory: npt.NDArray[np.int64],
    price: npt.NDArray[np.float64],
    median: npt.NDArray[np.float64],
    brand: npt.NDArray[np.int64],
    colour: npt.NDArray[np.int64],
    popularity: npt.NDArray[np.float64],
    sub_keys: list[str],
) -> dict[str, int]:
    """Pick the four products of the product-level rules and make the antecedents popular."""

    def is_sub(key: str) -> npt.NDArray[np.bool_]:
        return np.asarray(subcategory == sub_keys.index(key), dtype=bool)

    phone = _pick_role(rng, is_sub("phones"), price / (median * 1.3))
    case = _pick_role(rng, is_sub("phone_cases") & (brand % 4 == brand[phone] % 4), price / median)
    dress = _pick_role(rng, is_sub("dresses"), price / (median * 1.9))
    bags = is_sub("bags")
    same_colour = bags & (colour == colour[dress])
    bag = _pick_role(rng, same_colour if same_colour.any() else bags, price / (median * 1.9))
    popularity[phone] = max(float(popularity[phone]), 1.0) * 12.0
    popularity[dress] = max(float(popularity[dress]), 1.0) * 12.0
    return {"flagship_phone": phone, "flagship_case": case, "signature_dress": dress, "signature_bag": bag}


def _product_row(
    index: int, category: int, subcategory: int, colour: int, material: int, brand: int, seed: int
) -> dict[str, str]:
    """The text columns of one product (names, description, attrs) from the templates."""
    spec = CATEGORIES[category]
    sub = SUBCATEGORIES[subcategory][1]
    colour_en, colour_zh, _ = COLOURS[colour]
    material_en, material_zh = spec.materials[material % len(spec.materials)]
    brand_name = spec.brands[brand % len(spec.brands)]
    sizes = _sizes(spec.sizes, seed)
    if spec.key == "electronics":
        model = f"{'XSMP'[seed % 4]}{seed % 9 + 1}"
        name_en = f"{brand_name} {sub.label_en} {model}"
        name_zh = f"{brand_name}{sub.label_zh} {model}"
    elif spec.key == "grocery":
        name_en = f"{brand_name} {material_en} {sub.label_en}"
        name_zh = f"{brand_name}{material_zh}{sub.label_zh}"
    else:
        name_en = f"{colour_en} {material_en} {sub.label_en}"
        name_zh = f"{colour_zh}{material_zh}{sub.label_zh}"
    description_en = (
        f"{name_en} by {brand_name}. {material_en} {sub.label_en.lower()} in {colour_en.lower()}. "
        f"Available in {', '.join(sizes)}."
    )
    description_zh = (
        f"{brand_name}出品的{name_zh}{_ZH_COMMA}{material_zh}材质{_ZH_COMMA}{colour_zh}。"
        f"可选规格{_ZH_COLON}{'、'.join(sizes)}。"
    )
    product_id = f"P{index + 1:05d}"
    attrs = {
        "name_zh": name_zh,
        "color": colour_en.lower(),
        "material": material_en.lower(),
        "sizes": sizes,
        "description_zh": description_zh,
    }
    return {
        "product_id": product_id,
        "name": name_en,
        "category": spec.key,
        "subcategory": sub.key,
        "brand": brand_name,
        "description": description_en,
        "image_path": f"images/{product_id}.png",
        "attrs": json.dumps(attrs, ensure_ascii=False, separators=(",", ":")),
    }


def _sizes(scheme: tuple[str, ...], seed: int) -> list[str]:
    """A contiguous run of at least two sizes of ``scheme`` (or the whole scheme when it is short)."""
    if len(scheme) <= 3:
        return list(scheme)
    length = 2 + seed % (len(scheme) - 1)
    start = (seed // 7) % (len(scheme) - length + 1)
    return list(scheme[start : start + length])
