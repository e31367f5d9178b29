"""The content model: TF-IDF over product text and attributes, for products nobody has bought yet."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self

import numpy as np
import pandas as pd
import scipy.sparse as sp

from aimass.exceptions import ConfigError
from aimass.recommend._base import RecommenderModel, check_positive_int, weighted_rows
from aimass.recommend._data import TrainData, csr_from_arrays, csr_to_arrays

__all__ = ["ContentModel", "product_text"]

_TEXT_COLUMNS = ("name", "category", "subcategory", "brand", "description")


def product_text(products: pd.DataFrame, price_buckets: int) -> list[str]:
    """One document per product: its text columns, attribute tokens and a price-bucket token."""
    parts: list[pd.Series] = []
    for column in _TEXT_COLUMNS:
        if column in products.columns:
            parts.append(products[column].astype("string").fillna("").astype(str))
    for column in ("category", "subcategory", "brand"):
        if column in products.columns:
            token = (
                products[column].astype("string").fillna("").astype(str).str.replace(r"\W+", "_", regex=True)
            )
            parts.append(pd.Series(column[:3] + "_" + token, index=products.index))
    if "price" in products.columns and price_buckets > 1:
        price = pd.to_numeric(products["price"], errors="coerce")
        ranks = price.rank(pct=True)
        bucket = np.ceil(ranks.fillna(0.5) * price_buckets).clip(1, price_buckets).astype(int)
        parts.append(pd.Series("price_bucket_" + bucket.astype(str), index=products.index))
    if not parts:
        return [""] * len(products)
    text = parts[0]
    for part in parts[1:]:
        text = text + " " + part
    return text.tolist()


class ContentModel(RecommenderModel):
    """Content-based: a customer's profile is the weighted mean of the TF-IDF vectors of their products.

    Products are described by ``name, category, subcategory, brand, description`` (whichever the
    ``products`` frame given to :meth:`Recommender.fit` has), attribute tokens and a price bucket.
    Products without any interaction are scored like the rest, which is what cold-start needs.

    Parameters
    ----------
    max_features : int, default 5000
        Vocabulary size of the TF-IDF vectoriser.
    price_buckets : int, default 5
        Price quantile buckets added as tokens (1 = none).
    """

    name = "content"
    uses_profile = True

    def __init__(self, max_features: int = 5000, price_buckets: int = 5) -> None:
        self.max_features = max_features
        self.price_buckets = price_buckets

    def fit(self, data: TrainData) -> Self:
        from sklearn.feature_extraction.text import TfidfVectorizer

        max_features = check_positive_int("ContentModel", "max_features", self.max_features)
        buckets = check_positive_int("ContentModel", "price_buckets", self.price_buckets)
        if data.item_frame is None:
            raise ConfigError(
                "the content model needs product attributes: pass products= (product_id, name, "
                "category, ...) to Recommender.fit"
            )
        documents = product_text(data.item_frame, buckets)
        if not any(doc.strip() for doc in documents):
            raise ConfigError("the content model found no product text (name, category, brand, description)")
        vectoriser = TfidfVectorizer(
            max_features=max_features, sublinear_tf=True, token_pattern=r"(?u)\b\w+\b"
        )
        self.item_vectors_ = sp.csr_matrix(vectoriser.fit_transform(documents), dtype=np.float32)
        self.n_items_ = data.n_items
        return self

    def score(self, users: np.ndarray, rows: Any, profile: Any = None) -> np.ndarray:
        self.check_is_fitted()
        taste = weighted_rows(sp.csr_matrix(rows, dtype=np.float32), profile) @ self.item_vectors_
        norms = np.sqrt(np.asarray(taste.multiply(taste).sum(axis=1), dtype=np.float64).ravel())
        inverse = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
        taste = sp.diags(inverse.astype(np.float32)) @ taste
        return np.asarray((taste @ self.item_vectors_.T).toarray(), dtype=np.float32)

    def similar(self, items: np.ndarray) -> np.ndarray | None:
        self.check_is_fitted()
        out = np.asarray((self.item_vectors_[items] @ self.item_vectors_.T).toarray(), dtype=np.float32)
        out[np.arange(len(items)), items] = 0.0
        return out

    def to_arrays(self) -> dict[str, np.ndarray]:
        self.check_is_fitted()
        return csr_to_arrays("item_vectors", self.item_vectors_)

    def _load_arrays(self, arrays: Mapping[str, np.ndarray]) -> None:
        self.item_vectors_ = csr_from_arrays("item_vectors", arrays)
        self.n_items_ = int(self.item_vectors_.shape[0])
