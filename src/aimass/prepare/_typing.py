"""String options of the prepare layer, collected as ``Literal`` aliases."""

from __future__ import annotations

from typing import Literal

#: How exact duplicate rows (of the mapped columns) are treated.
DedupeMode = Literal["exact", "none"]
#: What happens to raw columns that no canonical column reads.
UnmappedPolicy = Literal["warn", "attrs", "ignore"]
#: Hash functions a column can be passed through (hex digest of the cleaned text).
HashName = Literal["sha256"]
#: Regions whose national phone numbers :func:`aimass.prepare.normalize_phone` understands.
PhoneRegion = Literal["CN", "HK", "TW", "SG", "JP", "KR", "US", "GB", "DE", "FR"]
#: What happens to a column's missing values (null or blank text).
MissingPolicyName = Literal["keep", "drop_row", "fill_constant", "fill_group_median", "fill_group_mode"]
#: How numeric outliers are flagged.
OutlierMethodName = Literal["iqr", "mad"]
