"""GET /openapi.json describes exactly the registered routes: none missing, none invented."""

from __future__ import annotations

import json

from app import app


def fetch(client) -> dict:
    response = client.http.get("/openapi.json")
    assert response.status_code == 200
    return json.loads(response.body)


def test_the_document_lists_exactly_the_registered_routes(client):
    doc = fetch(client)
    assert doc["openapi"].startswith("3.1")
    documented = {(m.upper(), p) for p, ops in doc["paths"].items() for m in ops}
    registered = {(m, p) for p, methods in app.routes.items() for m in methods}
    assert documented == registered
    assert documented >= {("GET", "/employees"), ("PUT", "/numbers/{e164}/assignment"), ("GET", "/audit")}


def test_each_operation_matches_its_route(client):
    doc = fetch(client)
    operation_ids = []
    for path, methods in app.routes.items():
        for method, entry in methods.items():
            op = doc["paths"][path][method.lower()]
            operation_ids.append(op["operationId"])
            assert op["summary"]
            path_params = [p["name"] for p in op["parameters"] if p["in"] == "path"]
            assert path_params == entry.view_args
            assert bool(op["security"]) == (entry.authorizer is not None), path
            if entry.authorizer is not None:
                assert {"401", "403"} <= set(op["responses"])
            for response in op["responses"].values():
                ref = response["content"]["application/json"].get("schema", {}).get("$ref")
                assert ref in (None, "#/components/schemas/Error")
    assert len(operation_ids) == len(set(operation_ids))


def test_route_metadata_is_carried(client):
    doc = fetch(client)
    assign = doc["paths"]["/numbers/{e164}/assignment"]["put"]
    assert assign["x-keepline-roles"] == ["admin"]
    assert "employee_id" in assign["requestBody"]["content"]["application/json"]["schema"]["properties"]
    assert "201" in doc["paths"]["/employees"]["post"]["responses"]
    audit_query = {p["name"] for p in doc["paths"]["/audit"]["get"]["parameters"] if p["in"] == "query"}
    assert audit_query == {"month", "actor", "target", "action", "limit", "next"}
    assert doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    assert doc["servers"] == [{"url": "https://api.keepline.example/api"}]
