"""The model names the front door accepts, their classes and their default tuning grids."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aimass.exceptions import ConfigError
from aimass.recommend._base import RecommenderModel
from aimass.recommend._content import ContentModel
from aimass.recommend._factors import ALSModel, BPRModel
from aimass.recommend._hybrid import HybridModel
from aimass.recommend._neighbours import EASEModel, ItemKNNModel, PopularModel, RP3betaModel, SessionModel

__all__ = ["MODEL_CLASSES", "MODEL_NAMES", "default_grid", "make_model"]

#: Model classes by name.
MODEL_CLASSES: dict[str, type[RecommenderModel]] = {
    cls.name: cls
    for cls in (
        PopularModel,
        ItemKNNModel,
        EASEModel,
        RP3betaModel,
        ALSModel,
        BPRModel,
        ContentModel,
        SessionModel,
        HybridModel,
    )
}

#: Every ``model=`` value :class:`~aimass.recommend.Recommender` accepts.
MODEL_NAMES: tuple[str, ...] = (*MODEL_CLASSES, "auto")

_GRIDS: dict[str, list[dict[str, Any]]] = {
    "popular": [{"by_segment": False}, {"by_segment": True}, {"by_segment": True, "weighting": "weight"}],
    "itemknn": [
        {"k": 50, "similarity": "cosine"},
        {"k": 200, "similarity": "cosine"},
        {"k": 100, "similarity": "bm25"},
    ],
    "ease": [
        {"l2": 100.0},
        {"l2": 400.0},
        {"l2": 1500.0},
        {"l2": 100.0, "weighting": "binary"},
        {"l2": 500.0, "weighting": "binary"},
        {"l2": 1500.0, "weighting": "binary"},
        {"l2": 400.0, "weighting": "log1p"},
    ],
    "rp3beta": [{"alpha": 1.0, "beta": 0.3}, {"alpha": 1.0, "beta": 0.6}, {"alpha": 0.7, "beta": 0.5}],
    "als": [
        {"factors": 32, "regularization": 0.05, "alpha": 1.0},
        {"factors": 64, "regularization": 0.1, "alpha": 2.0},
        {"factors": 64, "regularization": 0.5, "alpha": 5.0},
    ],
    "bpr": [{"factors": 32, "learning_rate": 0.05}, {"factors": 64, "learning_rate": 0.02}],
    "content": [{"price_buckets": 5}, {"price_buckets": 1}],
    "session": [{"last_n": 3}, {"last_n": 10}],
    "hybrid": [{}],
    "auto": [{}],
}


def default_grid(model: str) -> list[dict[str, Any]]:
    """A small tuning grid for a model: a list of parameter dicts to try.

    Parameters
    ----------
    model : str
        One of :data:`MODEL_NAMES`.

    Returns
    -------
    list of dict
        Parameter sets (copies; safe to modify). ``"auto"`` and ``"hybrid"`` tune themselves and
        return ``[{}]``.

    Raises
    ------
    ConfigError
        For an unknown model name.

    Examples
    --------
    >>> default_grid("ease")[:2]
    [{'l2': 100.0}, {'l2': 400.0}]
    """
    if model not in _GRIDS:
        raise ConfigError(f"unknown recommendation `{model=}`; allowed: {list(MODEL_NAMES)}")
    return [dict(params) for params in _GRIDS[model]]


def make_model(name: str, params: Mapping[str, Any]) -> RecommenderModel:
    """An unfitted model of the given name with the given parameters."""
    if name not in MODEL_CLASSES:
        raise ConfigError(f"unknown recommendation model {name!r}; allowed: {list(MODEL_CLASSES)}")
    cls = MODEL_CLASSES[name]
    try:
        return cls(**dict(params))
    except TypeError as exc:
        import inspect

        allowed = [p for p in inspect.signature(cls.__init__).parameters if p != "self"]
        raise ConfigError(f"bad parameters {dict(params)} for model {name!r}; allowed: {allowed}") from exc
