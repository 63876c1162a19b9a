"""REST: GET /api/v1/terminology/search and /terminology/danish."""

from __future__ import annotations

import pytest

from klinik.core.api_tokens import api_token_create
from klinik.core.choices import Role
from klinik.terminology import fordanskning


@pytest.fixture
def api(world, client, sample, glossary):
    # A health-service secretary may not read records, but may use terminology.
    membership = world.member(Role.HEALTH_SERVICE_SECRETARY)
    _, token = api_token_create(user=membership.user, organisation=world.org_a)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    class Api:
        def get(self, path: str, params: dict | None = None):
            return client.get(f"/api/v1{path}", params or {}, **auth)

    return Api()


def test_search_returns_codes_and_terms(api):
    response = api.get("/terminology/search", {"q": "J06.9"})
    assert response.status_code == 200, response.content
    first = response.json()[0]
    assert first == {
        "kind": "diagnosis",
        "code": "DJ069",
        "sks_register": "dia",
        "text": "Akut infektion i øvre luftveje UNS",
        "latin": None,
        "danish": None,
        "plain": None,
        "score": 1.0,
    }
    term = api.get("/terminology/search", {"q": "pneumonia"}).json()[0]
    assert (term["kind"], term["latin"], term["danish"], term["plain"]) == (
        "term",
        "pneumonia",
        "pneumoni",
        "lungebetændelse",
    )


def test_search_filters_by_kind_and_limits(api):
    by_kind = api.get("/terminology/search", {"q": "append", "kind": "procedure,term"}).json()
    assert {h["kind"] for h in by_kind} == {"procedure", "term"}
    repeated = api.get("/terminology/search?q=append&kind=diagnosis&kind=term").json()
    assert {h["kind"] for h in repeated} == {"diagnosis", "term"}
    assert len(api.get("/terminology/search", {"q": "a", "limit": 2}).json()) <= 2


@pytest.mark.parametrize(
    ("params", "detail"),
    [
        ({}, "q: required"),
        ({"q": "   "}, "q: required"),
        ({"q": "akut", "limit": 0}, "limit: between 1 and 100"),
        ({"q": "akut", "kind": "disease"}, "kind: unknown 'disease'"),
    ],
)
def test_search_refuses_bad_input_with_422(api, params, detail):
    response = api.get("/terminology/search", params)
    assert response.status_code == 422
    assert response.json()["detail"].startswith(detail)


def test_danish_rendering_from_the_glossary(api):
    response = api.get("/terminology/danish", {"term": "Ulcus  duodeni"})
    assert response.status_code == 200
    assert response.json() == {
        "term": "Ulcus duodeni",
        "danish": "sår på tolvfingertarmen",
        "plain": "mavesår i tolvfingertarmen",
        "source": "glossary",
    }


def test_danish_rendering_by_the_rules(api):
    body = api.get("/terminology/danish", {"term": "gastritis"}).json()
    assert body == {
        "term": "gastritis",
        "danish": fordanskning.danish_spelling("gastritis"),
        "plain": None,
        "source": "rules",
    }


@pytest.mark.parametrize("params", [{}, {"term": " "}])
def test_danish_without_a_term_is_422(api, params):
    response = api.get("/terminology/danish", params)
    assert response.status_code == 422
    assert response.json()["detail"] == "term: required"


def test_terminology_needs_a_token(client, clean):
    assert client.get("/api/v1/terminology/search", {"q": "akut"}).status_code == 401
    assert client.get("/api/v1/terminology/danish", {"term": "ulcus"}).status_code == 401
