"""Saving and loading a fitted :class:`Recommender`: ``manifest.json`` + ``arrays.npz``, no pickle."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from aimass.exceptions import SchemaError
from aimass.recommend._data import csr_from_arrays, csr_to_arrays
from aimass.recommend._models import make_model
from aimass.recommend._rules import Catalog, Rules

if TYPE_CHECKING:
    from aimass.recommend._recommender import Recommender

__all__ = ["FORMAT", "load_recommender", "save_recommender"]

FORMAT = "aimass.recommend/2"  # 2: profile_recency (and its recency ranks)
_ARRAYS = "arrays.npz"
_MANIFEST = "manifest.json"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    if isinstance(value, pd.DataFrame):
        return json.loads(value.to_json(orient="records"))
    return value


def _rules_dict(rules: Rules | None) -> dict[str, Any] | None:
    if rules is None:
        return None
    out = asdict(rules)
    if out["available"] is not None:
        out["available"] = sorted(str(x) for x in out["available"])
    return _jsonable(out)  # type: ignore[no-any-return]


def _rules_from(data: dict[str, Any] | None) -> Rules | None:
    if data is None:
        return None
    tuples = (
        "seen_event_types",
        "repeat_categories",
        "include_categories",
        "exclude_categories",
        "exclude_products",
        "bury",
    )
    fixed = {k: (tuple(v) if k in tuples and v is not None else v) for k, v in data.items()}
    return Rules(**fixed)  # type: ignore[arg-type]


def _model_params(name: str, params: dict[str, Any]) -> dict[str, Any]:
    if name == "hybrid":
        params = dict(params)
        params["components"] = tuple(params["components"])
        if params.get("weights") is not None:
            params["weights"] = tuple(params["weights"])
    return params


def save_recommender(rec: Recommender, folder: Path) -> Path:
    """Write ``rec`` to ``folder`` (created); see :meth:`Recommender.save`."""
    folder.mkdir(parents=True, exist_ok=True)
    catalog = rec.catalog_
    arrays: dict[str, np.ndarray] = {
        "user_ids": rec.user_ids_.astype(str),
        "item_ids": rec.item_ids_.astype(str),
        "event_types": rec.event_types_.astype(str),
        "popularity": rec.popularity_,
        "segment_names": rec.segment_names_.astype(str),
        "segment_customers": rec.segment_customers_.astype(str),
        "segment_codes": rec.segment_codes_,
        "user_segment": rec.user_segment_,
        "history.user": rec.history_["user"],
        "history.item": rec.history_["item"],
        "history.event": rec.history_["event"],
        "history.time": rec.history_["time"],
        "catalog.category": catalog.category,
        "catalog.categories": catalog.categories.astype(str),
        "catalog.subcategory": catalog.subcategory,
        "catalog.subcategories": catalog.subcategories.astype(str),
        "catalog.price": catalog.price,
        "catalog.in_stock": catalog.in_stock,
    }
    arrays.update(csr_to_arrays("matrix", rec.matrix_))
    if rec.profile_recency_ is not None:  # ready to serve on load
        arrays.update(csr_to_arrays("recency_ranks", rec._recency_ranks()))
    arrays.update(csr_to_arrays("complements", rec.complements_))
    if rec.item_similarity_ is not None:
        arrays.update(csr_to_arrays("item_similarity", rec.item_similarity_))
    arrays.update({f"model.{k}": v for k, v in rec.model_.to_arrays().items()})
    path = folder / _ARRAYS
    np.savez(path, allow_pickle=False, **arrays)
    selection = {k: v for k, v in rec.selection_.items() if k != "table"}
    if "table" in rec.selection_:
        selection["table"] = rec.selection_["table"]
    manifest = {
        "format": FORMAT,
        "class": "aimass.recommend.Recommender",
        "model": rec.model_name_,
        "model_params": _jsonable(rec.params_),
        "recommender_params": {
            "model": rec.model,
            "random_state": int(rec.random_state),
            "event_weights": _jsonable(rec.event_weights),
            "half_life_days": rec.half_life_days,
            "profile_recency": rec.profile_recency,
            "rules": _rules_dict(rec.rules),
            "validation_users": rec.validation_users,
        },
        "fitted": {
            "half_life_days": rec.half_life_days_,
            "profile_recency": rec.profile_recency_,
            "event_weights": _jsonable(rec.event_weights_),
        },
        "selection": _jsonable(selection),
        "n_customers": len(rec.user_ids_),
        "n_products": len(rec.item_ids_),
        "versions": {
            name: _version(name) for name in ("aimass", "numpy", "scipy", "implicit", "scikit-learn")
        },
        "files": {_ARRAYS: _sha256(path)},
    }
    (folder / _MANIFEST).write_text(json.dumps(manifest, indent=2, default=str), encoding="utf-8")
    return folder


def _version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def load_recommender(folder: Path) -> Recommender:
    """Read a recommender written by :func:`save_recommender`, verifying the file hashes."""
    from aimass.recommend._recommender import Recommender

    manifest_path = folder / _MANIFEST
    if not manifest_path.is_file():
        raise SchemaError(f"{folder} is not a saved recommender: {_MANIFEST} is missing")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT:
        raise SchemaError(
            f"{manifest_path} has format {manifest.get('format')!r}; this version reads {FORMAT!r}"
        )
    for name, digest in manifest["files"].items():
        if _sha256(folder / name) != digest:
            raise SchemaError(
                f"{folder / name} does not match the sha256 in {_MANIFEST}; the model is corrupt"
            )
    with np.load(folder / _ARRAYS, allow_pickle=False) as stored:
        arrays = {key: stored[key] for key in stored.files}
    params = manifest["recommender_params"]
    rec = Recommender(
        params["model"],
        random_state=params["random_state"],
        event_weights=params["event_weights"],
        half_life_days=params["half_life_days"],
        profile_recency=params["profile_recency"],
        rules=_rules_from(params["rules"]),
        validation_users=params["validation_users"],
    )
    name = manifest["model"]
    model_params = _model_params(name, manifest["model_params"])
    model = make_model(name, model_params)
    model._load_arrays({k[len("model.") :]: v for k, v in arrays.items() if k.startswith("model.")})
    rec.model_ = model
    rec.half_life_days_ = manifest["fitted"]["half_life_days"]
    rec.profile_recency_ = manifest["fitted"]["profile_recency"]
    rec.event_weights_ = manifest["fitted"]["event_weights"]
    rec.model_name_ = name
    rec.params_ = model_params
    selection = dict(manifest.get("selection") or {})
    if "table" in selection:
        selection["table"] = pd.DataFrame(selection["table"])
    rec.selection_ = selection
    rec.user_ids_ = arrays["user_ids"]
    rec.item_ids_ = arrays["item_ids"]
    rec.event_types_ = arrays["event_types"]
    rec.popularity_ = arrays["popularity"]
    rec.segment_names_ = arrays["segment_names"]
    rec.segment_customers_ = arrays["segment_customers"]
    rec.segment_codes_ = arrays["segment_codes"]
    rec.user_segment_ = arrays["user_segment"]
    rec.history_ = {key: arrays[f"history.{key}"] for key in ("user", "item", "event", "time")}
    rec.catalog_ = Catalog(
        rec.item_ids_,
        arrays["catalog.category"],
        arrays["catalog.categories"],
        arrays["catalog.subcategory"],
        arrays["catalog.subcategories"],
        arrays["catalog.price"],
        arrays["catalog.in_stock"],
    )
    rec.matrix_ = csr_from_arrays("matrix", arrays)
    rec.complements_ = csr_from_arrays("complements", arrays)
    rec.item_similarity_ = (
        csr_from_arrays("item_similarity", arrays) if "item_similarity.shape" in arrays else None
    )
    rec._cache = {}
    if "recency_ranks.shape" in arrays:
        rec._cache["recency_ranks"] = csr_from_arrays("recency_ranks", arrays)
    rec._item_object_ids = None
    return rec
