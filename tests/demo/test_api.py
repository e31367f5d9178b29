"""The demo HTTP API serves the campaigns page by page and refuses bad paging with a clear 422."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from aimass.demo import DemoWorld, create_demo_api, generate_world
from aimass.demo._truth import write_truth


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[DemoWorld, TestClient]:
    root = tmp_path_factory.mktemp("demo-api")
    world = generate_world(200, seed=5)
    write_truth(world, root)
    return world, TestClient(create_demo_api(root))


def test_health(demo: tuple[DemoWorld, TestClient]) -> None:
    _, client = demo
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "campaigns": 12}


def test_campaigns_are_served_page_by_page(demo: tuple[DemoWorld, TestClient]) -> None:
    world, client = demo
    pages = []
    page: int | None = 1
    while page is not None:
        body = client.get("/v1/campaigns", params={"page": page, "per_page": 5}).json()
        assert body["page"] == page and body["per_page"] == 5 and body["total"] == 12
        pages.append(body)
        page = body["next_page"]
    assert [len(p["data"]) for p in pages] == [5, 5, 2]
    assert [p["next_page"] for p in pages] == [2, 3, None]
    ids = [c["id"] for p in pages for c in p["data"]]
    assert ids == world.campaigns["campaign_id"].tolist()
    assert {"CMP-2024-SPRING", "CMP-2024-AUTUMN"} <= set(ids)


def test_a_campaign_has_the_documented_shape(demo: tuple[DemoWorld, TestClient]) -> None:
    world, client = demo
    data = client.get("/v1/campaigns", params={"per_page": 100}).json()["data"]
    spring = next(c for c in data if c["id"] == "CMP-2024-SPRING")
    assert set(spring) == {"id", "name", "start", "end", "channel", "offer", "unit_cost", "budget"}
    assert spring["start"] == "2024-04-01T00:00:00Z"
    assert spring["end"] == "2024-04-28T23:59:59Z"
    assert spring["offer"] == {"type": "coupon", "value": 20.0}
    assert spring["channel"] == "sms" and spring["unit_cost"] == pytest.approx(0.05)
    row = world.campaigns.set_index("campaign_id").loc["CMP-2024-SPRING"]
    assert spring["budget"] == pytest.approx(row["budget"])


def test_default_paging_and_a_page_past_the_end(demo: tuple[DemoWorld, TestClient]) -> None:
    _, client = demo
    first = client.get("/v1/campaigns").json()
    assert (
        first["page"] == 1
        and first["per_page"] == 10
        and len(first["data"]) == 10
        and first["next_page"] == 2
    )
    past = client.get("/v1/campaigns", params={"page": 9, "per_page": 5}).json()
    assert past["data"] == [] and past["next_page"] is None and past["total"] == 12


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"per_page": 0}, "per_page"),
        ({"per_page": 101}, "per_page"),
        ({"per_page": "many"}, "per_page"),
        ({"page": 0}, "page"),
    ],
)
def test_bad_paging_is_a_422_that_says_what_is_allowed(
    demo: tuple[DemoWorld, TestClient], params: dict[str, object], name: str
) -> None:
    _, client = demo
    response = client.get("/v1/campaigns", params=params)
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert f"`{name}`" in detail and "per_page 1..100" in detail


def test_an_empty_folder_is_refused_with_a_hint(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="aimass demo generate"):
        create_demo_api(tmp_path)
