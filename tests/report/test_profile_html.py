"""The profile page: self-contained, escaped, alerts first, every section drawn from the profile dict."""

from __future__ import annotations

import re

from aimass.report import render_profile_html

from ._data import HOSTILE, profile_dict


def test_page_has_no_external_url_and_no_script() -> None:
    page = render_profile_html(profile_dict(), title="raw.orders")
    assert not re.search(r"""(src|href)\s*=\s*["']?https?://""", page, re.IGNORECASE)
    assert "http://" not in page and "https://" not in page
    assert "<script" not in page.lower()
    assert "<link" not in page.lower()  # the CSS is inline


def test_hostile_text_is_escaped() -> None:
    page = render_profile_html(profile_dict())
    assert HOSTILE not in page
    assert "&lt;script&gt;" in page
    assert "<img src=x" not in page  # a top value
    assert "&lt;img src=x" in page


def test_every_alert_is_shown_before_the_columns() -> None:
    profile = profile_dict()
    page = render_profile_html(profile)
    columns_at = page.index('id="columns"')
    for alert in profile["alerts"]:
        position = page.index(alert["detail"])
        assert position < columns_at
    assert page.index('id="alerts"') < columns_at


def test_overview_and_statistics() -> None:
    page = render_profile_html(profile_dict())
    overview = page[page.index('id="overview"') : page.index('id="alerts"')]
    assert "1,000" in overview and "20,480" in overview and ">7<" in overview
    assert "41.25" in page  # mean of amount
    assert "0.25: 30, 0.5: 40, 0.75: 52" in page
    assert "min: 5, mean: 5, max: 5" in page  # text length of zip


def test_histogram_has_one_bar_per_bin_and_heat_maps_show_values() -> None:
    page = render_profile_html(profile_dict())
    amount = page[
        page.index("<h3>amount") : page.index("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;<span")
    ]
    assert amount.count("<rect") == 5
    correlations = page[page.index('id="correlations"') : page.index('id="duplicates"')]
    assert "Pearson" in correlations and "Spearman" in correlations
    assert "Cramér" not in correlations  # no categorical columns to correlate
    assert ">0.87<" in correlations and ">-0.42<" in correlations


def test_duplicates_section_lists_the_samples() -> None:
    page = render_profile_html(profile_dict())
    duplicates = page[page.index('id="duplicates"') :]
    assert "7 row(s) are exact copies" in duplicates
    assert ">00123<" in duplicates  # the zip code keeps its leading zeros


def test_sparse_profile_renders() -> None:
    page = render_profile_html({"n_rows": 0, "columns": {}, "alerts": []})
    assert "No alerts." in page and "No exact duplicate rows." in page


def test_list_statistics_read_as_text() -> None:
    profile = profile_dict()
    profile["columns"]["zip"]["alerts"] = ["unique", "identifier"]
    profile["correlations"]["n_sample_rows"] = 1000
    page = render_profile_html(profile)
    assert "unique, identifier" in page
    assert "Computed on 1,000 rows." in page
