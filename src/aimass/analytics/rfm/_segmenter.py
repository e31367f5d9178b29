"""``Segmenter``: k-means or Gaussian-mixture segments on standardized features, k chosen or given."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from aimass.analytics.rfm._profiles import describe_segments
from aimass.exceptions import ConfigError, NotFittedError, SchemaError

__all__ = ["SKEWED_FEATURES", "CovarianceType", "Criterion", "SegmentMethod", "Segmenter"]

SegmentMethod = Literal["kmeans", "gmm"]
Criterion = Literal["silhouette", "bic"]
CovarianceType = Literal["diag", "spherical", "tied", "full"]

#: The heavy-tailed columns of :func:`customer_features` that ``log_features="auto"`` log-transforms.
SKEWED_FEATURES: tuple[str, ...] = ("orders", "avg_order_value", "lines_per_order", "price_index", "monetary")


_PARAMS = (
    "method",
    "n_segments",
    "min_segments",
    "max_segments",
    "criterion",
    "tolerance",
    "sample_size",
    "n_init",
    "covariance_type",
    "reg_covar",
    "log_features",
    "random_state",
    "n_threads",
)


class Segmenter:
    """Customer segments by k-means or a Gaussian mixture on standardized features.

    Features are log-transformed where heavy-tailed (``log_features``), standardized (mean 0,
    sd 1), and clustered for every k from ``min_segments`` to ``max_segments`` (or only the given
    ``n_segments``). With ``n_segments="auto"`` the k is chosen by ``criterion``: the silhouette
    (computed on a random sample of ``sample_size`` customers) or, for ``method="gmm"``, the BIC;
    the fewest segments whose silhouette is within ``tolerance`` of the best one is chosen.
    Segment ids are ordered by size (0 = largest). Each segment gets a profile (its feature means
    against the population, the features that set it apart most, in words) and a name made from
    them (see :func:`describe_segments`).

    Parameters
    ----------
    method : {"kmeans", "gmm"}, default "kmeans"
        k-means (``n_init`` restarts) or a Gaussian mixture (``covariance_type``).
    n_segments : "auto" or int, default "auto"
        The number of segments, or "auto" to choose it.
    min_segments, max_segments : int, default 2 and 8
        The range of k tried by "auto".
    criterion : {"silhouette", "bic"}, default "silhouette"
        How "auto" chooses: highest silhouette (any method) or lowest BIC (``gmm`` only).
    tolerance : float, default 0.01
        Parsimony: the fewest segments whose silhouette is at least ``best - tolerance`` win.
    sample_size : int, default 3000
        Customers sampled for the silhouette (all when fewer).
    n_init : int, default 4
        Restarts of each fit; the best is kept.
    covariance_type : {"diag", "spherical", "tied", "full"}, default "diag"
        Covariance of the mixture components (``gmm`` only).
    reg_covar : float, default 0.1
        Added to the components' variances (``gmm`` only; the features are standardized, so 0.1
        keeps a component from collapsing onto the many customers with a share of exactly 0).
    log_features : "auto", sequence of str, or None
        Columns replaced by ``log1p`` before standardizing; "auto" = those of
        :data:`SKEWED_FEATURES` that are present.
    random_state : int, default 0
        Seed of the fits and of the silhouette sample.
    n_threads : int, default 1
        BLAS/OpenMP threads used while fitting (1 is fastest on a busy small machine).

    Attributes
    ----------
    labels_ : numpy.ndarray of shape (n_customers,)
        Segment id of each training row.
    n_segments_ : int
        The number of segments used.
    selection_ : pandas.DataFrame
        ``n_segments, silhouette`` (and ``bic`` for gmm) for every k tried.
    profiles_ : pandas.DataFrame
        One row per segment: ``segment_id, segment_name, customers, share, description``, the
        feature means, and ``top_features``.
    names_ : dict of int to str
        Segment id -> generated name (unique).
    feature_scores_ : pandas.DataFrame
        Segment x feature: the segment's mean standardized value (sd from the population mean).
    feature_names_in_ : numpy.ndarray of str
        The feature columns used.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> x = pd.DataFrame({"orders": np.r_[rng.poisson(2, 50), rng.poisson(20, 50)] + 1.0,
    ...                   "price_index": np.r_[rng.normal(0.7, 0.05, 50), rng.normal(1.6, 0.1, 50)]})
    >>> seg = Segmenter(n_segments="auto", max_segments=4).fit(x)
    >>> seg.n_segments_, sorted(np.bincount(seg.labels_).tolist())
    (2, [50, 50])
    """

    def __init__(
        self,
        method: SegmentMethod = "kmeans",
        n_segments: int | Literal["auto"] = "auto",
        *,
        min_segments: int = 2,
        max_segments: int = 8,
        criterion: Criterion = "silhouette",
        tolerance: float = 0.01,
        sample_size: int = 3000,
        n_init: int = 4,
        covariance_type: CovarianceType = "diag",
        reg_covar: float = 0.1,
        log_features: Literal["auto"] | Sequence[str] | None = "auto",
        random_state: int = 0,
        n_threads: int = 1,
    ) -> None:
        self.method = method
        self.n_segments = n_segments
        self.min_segments = min_segments
        self.max_segments = max_segments
        self.criterion = criterion
        self.tolerance = tolerance
        self.sample_size = sample_size
        self.n_init = n_init
        self.covariance_type = covariance_type
        self.reg_covar = reg_covar
        self.log_features = log_features
        self.random_state = random_state
        self.n_threads = n_threads

    # -- scikit-learn protocol ---------------------------------------------------------------
    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The constructor arguments (scikit-learn protocol)."""
        return {name: getattr(self, name) for name in _PARAMS}

    def set_params(self, **params: Any) -> Segmenter:
        """Set constructor arguments (scikit-learn protocol); returns self."""
        valid = self.get_params()
        for name, value in params.items():
            if name not in valid:
                raise ConfigError(f"Segmenter has no parameter {name!r}; it has {sorted(valid)}")
            setattr(self, name, value)
        return self

    # -- fitting ---------------------------------------------------------------------------------
    def _check_params(self) -> list[int]:
        if self.method not in ("kmeans", "gmm"):
            raise ConfigError(f"`method`={self.method!r} is not allowed; use 'kmeans' or 'gmm'")
        if self.criterion not in ("silhouette", "bic"):
            raise ConfigError(f"`criterion`={self.criterion!r} is not allowed; use 'silhouette' or 'bic'")
        if self.criterion == "bic" and self.method != "gmm":
            raise ConfigError("`criterion`='bic' needs method='gmm' (k-means has no likelihood)")
        for name in ("min_segments", "max_segments", "sample_size", "n_init", "n_threads"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
                raise ConfigError(f"`{name}`={value!r} must be a positive integer")
        if self.covariance_type not in ("diag", "spherical", "tied", "full"):
            raise ConfigError(
                f"`covariance_type`={self.covariance_type!r} is not allowed; "
                "use 'diag', 'spherical', 'tied' or 'full'"
            )
        if not self.reg_covar > 0:
            raise ConfigError(f"`reg_covar`={self.reg_covar!r} must be > 0")
        if not self.tolerance >= 0:
            raise ConfigError(f"`tolerance`={self.tolerance!r} must be >= 0")
        if self.n_segments == "auto":
            if not 2 <= self.min_segments <= self.max_segments:
                raise ConfigError(
                    f"`min_segments`={self.min_segments} and `max_segments`={self.max_segments} "
                    "must satisfy 2 <= min_segments <= max_segments"
                )
            return list(range(int(self.min_segments), int(self.max_segments) + 1))
        k = self.n_segments
        if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
            raise ConfigError(f"`n_segments`={k!r} must be 'auto' or an integer >= 1")
        return [int(k)]

    def _frame(self, x: Any) -> pd.DataFrame:
        frame = x.copy() if isinstance(x, pd.DataFrame) else pd.DataFrame(np.asarray(x, dtype=np.float64))
        frame.columns = [str(column) for column in frame.columns]
        if frame.empty:
            raise SchemaError("Segmenter got no rows: at least one customer is needed")
        try:
            frame = frame.astype(np.float64)
        except (TypeError, ValueError):
            bad = [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]
            raise SchemaError(f"Segmenter features must be numeric; these are not: {bad}") from None
        if not np.isfinite(frame.to_numpy()).all():
            raise SchemaError("Segmenter features hold missing or infinite values; fill them first")
        return frame

    def _log_columns(self, columns: Sequence[str]) -> list[str]:
        if self.log_features is None:
            return []
        if isinstance(self.log_features, str):
            if self.log_features != "auto":
                raise ConfigError(
                    f"`log_features`={self.log_features!r}: use 'auto', a list of columns, or None"
                )
            return [c for c in SKEWED_FEATURES if c in columns]
        missing = [c for c in self.log_features if c not in columns]
        if missing:
            raise ConfigError(f"`log_features` names columns that are not features: {missing}")
        return list(self.log_features)

    def _transform(self, frame: pd.DataFrame) -> np.ndarray[Any, np.dtype[np.float64]]:
        values = frame[list(self.feature_names_in_)].copy()
        for column in self.log_columns_:
            if (values[column] < 0).any():
                raise SchemaError(f"feature {column!r} has negative values; it cannot be log-transformed")
            values[column] = np.log1p(values[column])
        scaled: np.ndarray[Any, np.dtype[np.float64]] = (values.to_numpy() - self.mean_) / self.scale_
        return scaled

    def fit(self, x: Any, y: Any = None) -> Segmenter:
        """Choose k (when "auto"), fit the model, and describe the segments.

        Parameters
        ----------
        x : pandas.DataFrame or array-like of shape (n_customers, n_features)
            Numeric features (e.g. :func:`customer_features`); the index is kept as customer ids.
        y : ignored

        Returns
        -------
        Segmenter
            self, fitted.

        Raises
        ------
        ConfigError
            Bad parameters, or more segments than customers.
        SchemaError
            No rows, non-numeric or missing values.
        """
        from sklearn.metrics import silhouette_score
        from threadpoolctl import threadpool_limits

        candidates = self._check_params()
        frame = self._frame(x)
        if candidates[0] > len(frame):
            raise ConfigError(f"cannot make {candidates[0]} segments of {len(frame)} customers")
        candidates = [k for k in candidates if k <= len(frame)]
        self.feature_names_in_ = np.asarray(frame.columns, dtype=object)
        self.log_columns_ = self._log_columns(list(frame.columns))
        logged = frame.copy()
        for column in self.log_columns_:
            logged[column] = np.log1p(logged[column].clip(lower=0))
        self.mean_ = logged.to_numpy().mean(axis=0)
        scale = logged.to_numpy().std(axis=0)
        self.scale_ = np.where(scale > 0, scale, 1.0)
        z = self._transform(frame)
        rng = np.random.default_rng(self.random_state)
        sample = np.sort(rng.choice(len(z), min(len(z), int(self.sample_size)), replace=False))
        rows: list[dict[str, Any]] = []
        models: dict[int, Any] = {}
        with threadpool_limits(int(self.n_threads)):
            for k in candidates:
                model = self._model(k).fit(z)
                labels = model.predict(z)
                models[k] = (model, labels)
                row: dict[str, Any] = {"n_segments": k, "silhouette": np.nan}
                if 1 < len(np.unique(labels[sample])) < len(sample):
                    row["silhouette"] = float(silhouette_score(z[sample], labels[sample]))
                if self.method == "gmm":
                    row["bic"] = float(model.bic(z))
                rows.append(row)
        self.selection_ = pd.DataFrame(rows)
        chosen = self._choose(self.selection_)
        model, labels = models[chosen]
        # Relabel by size (0 = largest; ties by the model's own label).
        sizes = np.bincount(labels, minlength=chosen)
        order = np.lexsort((np.arange(chosen), -sizes))
        self._relabel = np.empty(chosen, dtype=np.int64)
        self._relabel[order] = np.arange(chosen)
        self.model_ = model
        self.n_segments_ = int(chosen)
        self.labels_ = self._relabel[labels]
        self.profiles_, self.feature_scores_ = describe_segments(frame, z, self.labels_, list(frame.columns))
        self.names_ = dict(zip(self.profiles_["segment_id"], self.profiles_["segment_name"], strict=True))
        return self

    def _model(self, k: int) -> Any:
        if self.method == "kmeans":
            from sklearn.cluster import KMeans

            return KMeans(n_clusters=k, n_init=int(self.n_init), random_state=self.random_state)
        from sklearn.mixture import GaussianMixture

        return GaussianMixture(
            n_components=k,
            covariance_type=self.covariance_type,
            reg_covar=float(self.reg_covar),
            n_init=int(self.n_init),
            random_state=self.random_state,
        )

    def _choose(self, selection: pd.DataFrame) -> int:
        if len(selection) == 1:
            return int(selection["n_segments"].iloc[0])
        if self.criterion == "bic":
            bic = selection["bic"].to_numpy(dtype=np.float64)
            return int(selection["n_segments"].to_numpy()[int(np.argmin(bic))])
        scores = selection.dropna(subset=["silhouette"])
        if scores.empty:
            return int(selection["n_segments"].iloc[0])
        best = float(scores["silhouette"].max())
        good = scores[scores["silhouette"] >= best - float(self.tolerance)]
        return int(good["n_segments"].min())

    def _check_fitted(self) -> None:
        if not hasattr(self, "model_"):
            raise NotFittedError("this Segmenter is not fitted yet: call fit(features) first")

    def predict(self, x: Any) -> np.ndarray[Any, np.dtype[np.int64]]:
        """The segment id of each row of ``x`` (same feature columns as in ``fit``).

        Raises
        ------
        NotFittedError
            Before ``fit``.
        SchemaError
            When feature columns are missing.
        """
        from threadpoolctl import threadpool_limits

        self._check_fitted()
        frame = self._frame(x)
        missing = [c for c in self.feature_names_in_ if c not in frame.columns]
        if missing:
            raise SchemaError(f"predict got features without the columns {missing} used in fit")
        with threadpool_limits(int(self.n_threads)):
            labels = self.model_.predict(self._transform(frame))
        result: np.ndarray[Any, np.dtype[np.int64]] = self._relabel[labels]
        return result

    def fit_predict(self, x: Any, y: Any = None) -> np.ndarray[Any, np.dtype[np.int64]]:
        """Fit and return the training rows' segment ids (``labels_``)."""
        labels: np.ndarray[Any, np.dtype[np.int64]] = self.fit(x).labels_
        return labels

    def __repr__(self) -> str:
        changed = {k: v for k, v in self.get_params().items() if v != Segmenter().get_params()[k]}
        return f"Segmenter({', '.join(f'{k}={v!r}' for k, v in changed.items())})"
