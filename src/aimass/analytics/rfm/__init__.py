"""RFM, behavioural segmentation and cohorts.

- :func:`rfm_table` / :func:`rfm_segments`: recency, frequency, monetary value, quintile scores and the
  named R x F segments (:data:`RFM_SEGMENT_MAP`), with segment sizes and value shares;
- :func:`customer_features` and :class:`Segmenter`: k-means / Gaussian-mixture segments on
  standardized behaviour features, k chosen by silhouette (or BIC) or given, with profiles and names;
- :func:`cohort_table`, :func:`repeat_intervals`, :func:`interval_distribution`: monthly acquisition
  cohorts and retention, and the days between orders.

The ``rfm``, ``segments`` and ``cohorts`` pipeline steps live in ``_step`` (registered on import).
"""

from aimass.analytics.rfm._cohorts import (
    DEFAULT_INTERVAL_BINS,
    cohort_table,
    interval_distribution,
    repeat_intervals,
)
from aimass.analytics.rfm._features import customer_features
from aimass.analytics.rfm._profiles import FEATURE_WORDS, describe_segments
from aimass.analytics.rfm._rfm import RFM_SEGMENT_MAP, quantile_scores, rfm_segments, rfm_table
from aimass.analytics.rfm._segmenter import SKEWED_FEATURES, Segmenter

__all__ = [
    "DEFAULT_INTERVAL_BINS",
    "FEATURE_WORDS",
    "RFM_SEGMENT_MAP",
    "SKEWED_FEATURES",
    "Segmenter",
    "cohort_table",
    "customer_features",
    "describe_segments",
    "interval_distribution",
    "quantile_scores",
    "repeat_intervals",
    "rfm_segments",
    "rfm_table",
]
