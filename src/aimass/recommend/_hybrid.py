"""The hybrid model: a weighted blend of other models' normalised scores."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Self

import numpy as np
import scipy.sparse as sp

from aimass.exceptions import ConfigError
from aimass.recommend._base import RecommenderModel, weighted_rows
from aimass.recommend._data import TrainData
from aimass.recommend._kernels import rows_times_dense, rows_times_sparse

__all__ = ["HybridModel", "blend", "scaled_scores", "score_scale"]


def score_scale(model: RecommenderModel, matrix: Any, random_state: int, sample: int = 1000) -> float:
    """A model's typical top score: the mean row maximum over a sample of customers (1 if none)."""
    rows_with_data = np.flatnonzero(np.diff(matrix.indptr) > 0)
    if len(rows_with_data) > sample:
        rng = np.random.default_rng(random_state)
        rows_with_data = np.sort(rng.choice(rows_with_data, size=sample, replace=False))
    if not len(rows_with_data):
        return 1.0
    top = model.score(rows_with_data, matrix[rows_with_data]).max(axis=1)
    top = top[np.isfinite(top) & (top > 0)]
    return float(top.mean()) if len(top) else 1.0


def scaled_scores(scores: np.ndarray, scale: float) -> np.ndarray:
    """Scores divided by the model's scale; unscored (``-inf``) entries become 0."""
    out = np.where(np.isfinite(scores), scores, 0.0).astype(np.float32)
    out *= np.float32(1.0 / scale)
    return out


def blend(normalised: Sequence[np.ndarray], weights: Sequence[float], in_place: bool = False) -> np.ndarray:
    """Weighted sum of normalised score matrices of one shape (``in_place`` scales the parts)."""
    out = np.zeros_like(normalised[0])
    for part, weight in zip(normalised, weights, strict=True):
        if weight:
            if in_place:
                part *= np.float32(weight)
                out += part
            else:
                out += np.float32(weight) * part
    return out


class HybridModel(RecommenderModel):
    """A weighted blend of fitted models, each model's scores divided by its typical top score.

    Components whose scores are linear in the interaction row (item-kNN, EASE, RP3beta with
    ``alpha=1``) are merged into one item x item matrix, so the blend costs one matrix product.

    With ``Recommender(model="hybrid")`` the weights are learned: the front door holds out each
    customer's most recent 20% of interactions, fits the components on the rest and searches the weight
    simplex (steps of 0.1) for the best NDCG@10, then refits the components on all data.

    Parameters
    ----------
    components : tuple of str, default ("ease", "itemknn", "popular")
        Names of the blended models.
    component_params : mapping of str to dict, optional
        Parameters of each component model by name.
    weights : tuple of float, optional
        Blend weights, one per component; None = learn them on validation data.
    """

    name = "hybrid"
    uses_profile = True

    def __init__(
        self,
        components: tuple[str, ...] = ("ease", "itemknn", "popular"),
        component_params: Mapping[str, Mapping[str, Any]] | None = None,
        weights: tuple[float, ...] | None = None,
    ) -> None:
        self.components = components
        self.component_params = component_params
        self.weights = weights

    def build(self) -> list[RecommenderModel]:
        """Fresh, unfitted component models."""
        from aimass.recommend._models import make_model

        if not self.components or isinstance(self.components, str):
            raise ConfigError(
                f"HybridModel: `components={self.components!r}` must be a non-empty tuple of model names"
            )
        if "hybrid" in self.components or "auto" in self.components:
            raise ConfigError("HybridModel: components cannot be 'hybrid' or 'auto'")
        params = dict(self.component_params or {})
        return [make_model(name, dict(params.get(name, {}))) for name in self.components]

    def fit(self, data: TrainData) -> Self:
        if self.weights is None:
            raise ConfigError(
                "HybridModel.fit needs weights; Recommender(model='hybrid') learns them on validation data"
            )
        if len(self.weights) != len(self.components):
            raise ConfigError(
                f"HybridModel: {len(self.weights)} weights for {len(self.components)} components; "
                "give one weight per component"
            )
        if any(w < 0 for w in self.weights):
            raise ConfigError(f"HybridModel: `weights={self.weights!r}` must be non-negative")
        self.models_ = [model.fit(data) for model in self.build()]
        self.scales_ = np.asarray(
            [score_scale(model, data.matrix, data.random_state) for model in self.models_], dtype=np.float64
        )
        self.n_items_ = data.n_items
        self._merge()
        return self

    def _merge(self) -> None:
        """Sum the linear components' matrices, each times weight / scale."""
        assert self.weights is not None
        linear = []
        for i, (model, weight) in enumerate(zip(self.models_, self.weights, strict=True)):
            matrix = model.linear_weights() if weight else None
            if matrix is not None:
                linear.append((i, matrix))
        self.merged_: Any = None
        self.merged_components_ = frozenset(i for i, _ in linear) if len(linear) >= 2 else frozenset()
        if len(linear) < 2:
            return
        factors = [np.float32(self.weights[i] / self.scales_[i]) for i, _ in linear]
        if any(not sp.issparse(m) for _, m in linear):
            merged = np.zeros((self.n_items_, self.n_items_), dtype=np.float32)
            for (_, m), f in zip(linear, factors, strict=True):
                merged += f * (m.toarray() if sp.issparse(m) else m)
            self.merged_ = merged
        else:
            self.merged_ = sp.csr_matrix(sum(f * m for (_, m), f in zip(linear, factors, strict=True)))

    def score(self, users: np.ndarray, rows: Any, profile: Any = None) -> np.ndarray:
        self.check_is_fitted()
        assert self.weights is not None
        if self.merged_ is not None:
            product = rows_times_sparse if sp.issparse(self.merged_) else rows_times_dense
            out = product(weighted_rows(sp.csr_matrix(rows, dtype=np.float32), profile), self.merged_)
        else:
            out = np.zeros((len(users), self.n_items_), dtype=np.float32)
        for i, (model, weight) in enumerate(zip(self.models_, self.weights, strict=True)):
            if weight and i not in self.merged_components_:
                factor = np.float32(weight / float(self.scales_[i]))
                terms = model.scoring_terms(users, rows, profile)
                if terms is not None:  # add factor * (x @ W) straight into the output
                    for x, matrix in terms:
                        product = rows_times_sparse if sp.issparse(matrix) else rows_times_dense
                        product(x, matrix, out=out, scale=float(factor))
                    continue
                part = np.asarray(model.score(users, rows, profile=profile), dtype=np.float32)
                if np.isfinite(part).all():
                    out += part * factor
                else:  # unscored (-inf) entries add 0, as in scaled_scores
                    np.add(out, part * factor, out=out, where=np.isfinite(part))
        return out

    def similar(self, items: np.ndarray) -> np.ndarray | None:
        self.check_is_fitted()
        assert self.weights is not None
        order = np.argsort(-np.asarray(self.weights), kind="stable")
        for index in order:
            rows = self.models_[int(index)].similar(items)
            if rows is not None:
                return rows
        return None

    def to_arrays(self) -> dict[str, np.ndarray]:
        self.check_is_fitted()
        arrays: dict[str, np.ndarray] = {"scales": self.scales_}
        for i, model in enumerate(self.models_):
            arrays.update({f"c{i}.{key}": value for key, value in model.to_arrays().items()})
        return arrays

    def _load_arrays(self, arrays: Mapping[str, np.ndarray]) -> None:
        models = self.build()
        self.models_ = []
        for i, model in enumerate(models):
            prefix = f"c{i}."
            part = {key[len(prefix) :]: value for key, value in arrays.items() if key.startswith(prefix)}
            model._load_arrays(part)
            self.models_.append(model)
        self.n_items_ = self.models_[0].n_items_
        self.scales_ = np.asarray(arrays["scales"], dtype=np.float64)
        self._merge()
