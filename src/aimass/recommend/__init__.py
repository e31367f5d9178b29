"""Recommendations: models, one front door (:class:`Recommender`), business rules and evaluation."""

from __future__ import annotations

from aimass.recommend._base import RecommenderModel
from aimass.recommend._content import ContentModel
from aimass.recommend._data import DEFAULT_EVENT_WEIGHTS, INTERACTION_COLUMNS
from aimass.recommend._evaluate import EvaluationResult, evaluate, evaluate_workspace
from aimass.recommend._factors import ALSModel, BPRModel
from aimass.recommend._hybrid import HybridModel
from aimass.recommend._log import interactions_from_core, read_interactions
from aimass.recommend._metrics import per_customer_metrics, ranking_metrics
from aimass.recommend._models import MODEL_NAMES, default_grid
from aimass.recommend._neighbours import EASEModel, ItemKNNModel, PopularModel, RP3betaModel, SessionModel
from aimass.recommend._recommender import Recommender
from aimass.recommend._rules import Rules
from aimass.recommend._selection import AUTO_CANDIDATES
from aimass.recommend._split import SPLIT_METHODS, split_interactions

__all__ = [
    "AUTO_CANDIDATES",
    "DEFAULT_EVENT_WEIGHTS",
    "INTERACTION_COLUMNS",
    "MODEL_NAMES",
    "SPLIT_METHODS",
    "ALSModel",
    "BPRModel",
    "ContentModel",
    "EASEModel",
    "EvaluationResult",
    "HybridModel",
    "ItemKNNModel",
    "PopularModel",
    "RP3betaModel",
    "Recommender",
    "RecommenderModel",
    "Rules",
    "SessionModel",
    "default_grid",
    "evaluate",
    "evaluate_workspace",
    "interactions_from_core",
    "per_customer_metrics",
    "ranking_metrics",
    "read_interactions",
    "split_interactions",
]
