"""Customer lifetime value: the transaction summary, BG/NBD, MBG/NBD, Pareto/NBD and Gamma-Gamma."""

from aimass.analytics.clv._base import ClvConvergenceWarning
from aimass.analytics.clv._betageo import BetaGeo, ModifiedBetaGeo
from aimass.analytics.clv._gammagamma import GammaGamma, customer_lifetime_value
from aimass.analytics.clv._holdout import calibration_holdout
from aimass.analytics.clv._paretonbd import ParetoNBD
from aimass.analytics.clv._summary import TimeUnit, clv_summary

__all__ = [
    "BetaGeo",
    "ClvConvergenceWarning",
    "GammaGamma",
    "ModifiedBetaGeo",
    "ParetoNBD",
    "TimeUnit",
    "calibration_holdout",
    "clv_summary",
    "customer_lifetime_value",
]
