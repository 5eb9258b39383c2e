"""The foundation: health, configuration errors, sign-in, and state machines on the emulator."""

from __future__ import annotations

import json

from moto import mock_aws

from chalicelib import aws, ids, phone
from chalicelib.errors import BadRequest
from devstack import emulator
from tests.conftest import execute_state_machine


def test_health_names_every_resource_and_all_are_reachable(client):
    response = client.http.get("/health")
    assert response.status_code == 200, response.body
    body = json.loads(response.body)
    assert body["ok"] is True
    kinds = {(r["kind"], r["name"]) for r in body["resources"]}
    assert ("table", "keepline-dev-threads") in kinds
    assert ("table", "keepline-dev-messages") in kinds
    assert ("bucket", "keepline-dev-archive") in kinds
    assert ("queue", "keepline-dev-archive.fifo") in kinds
    assert ("state_machine", "keepline-dev-offboarding") in kinds
    assert all(r["ok"] for r in body["resources"])


def test_health_names_a_missing_table(client):
    aws.client("dynamodb").delete_table(TableName="keepline-dev-threads")
    response = client.http.get("/health")
    assert response.status_code == 503
    bad = [r for r in json.loads(response.body)["resources"] if not r["ok"]]
    assert [r["name"] for r in bad] == ["keepline-dev-threads"]
    assert "ResourceNotFound" in bad[0]["detail"]


def test_health_names_a_trigger_table_without_its_stream(client):
    """Without the messages table's stream nothing new would reach the archive: that is a failed check."""
    aws.client("dynamodb").update_table(TableName="keepline-dev-messages", StreamSpecification={"StreamEnabled": False})
    response = client.http.get("/health")
    assert response.status_code == 503
    bad = [r for r in json.loads(response.body)["resources"] if not r["ok"]]
    assert [r["name"] for r in bad] == ["keepline-dev-messages"]
    assert "no NEW_IMAGE stream" in bad[0]["detail"]


def test_health_refuses_a_bucket_without_object_lock(environment):
    from chalice.test import Client

    from app import app

    aws.reset_clients()
    with emulator.in_process(app):
        from devstack import bootstrap

        bootstrap.create_tables()
        bootstrap.create_queues()
        bootstrap.create_state_machines()
        aws.client("s3").create_bucket(Bucket="keepline-dev-archive")
        with Client(app, stage_name="dev") as client:
            body = json.loads(client.http.get("/health").body)
    bucket = next(r for r in body["resources"] if r["kind"] == "bucket")
    assert bucket["ok"] is False
    assert "does not have Object Lock enabled" in bucket["detail"]


def test_unreachable_endpoint_is_one_clear_error(environment, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    aws.reset_clients()
    from chalice.test import Client

    from app import app

    with Client(app, stage_name="dev") as client:
        response = client.http.get("/health")
    body = json.loads(response.body)
    assert response.status_code == 503
    details = {r["detail"] for r in body["resources"]}
    assert details == {"cannot reach the AWS endpoint http://127.0.0.1:9; is it running?"}
    aws.reset_clients()


def test_routes_answer_missing_tables_with_503_naming_the_table(environment):
    from chalice.test import Client

    from app import app

    aws.reset_clients()
    with mock_aws(), Client(app, stage_name="dev") as client:
        response = client.http.get("/health")
    assert response.status_code == 503


def test_state_machine_definition_runs_the_apps_own_handler(demo):
    # The deployed definition runs on the emulator's interpreter; its first task is the app's own
    # handler, whose exception type reaches the interpreter as the error name Retry/Catch match on.
    payload = {"run_id": "off_missing", "notify_customers": False, "effective_at": None}
    result = execute_state_machine("offboarding", payload)
    assert result["status"] == "FAILED", result
    assert result["error"] == "NotFound"
    assert emulator.invocations[-2:] == ["offboarding_lock", "offboarding_record_failure"]


def test_phone_numbers_normalise_to_e164_and_mask():
    assert phone.to_e164("14155550100") == "+14155550100"
    assert phone.to_e164("+1 (415) 555-0100") == "+14155550100"
    assert phone.mask("+14155550100") == "+1415***0100"
    try:
        phone.to_e164("12", field="to")
    except BadRequest as exc:
        assert exc.details == {"field": "to"}
    else:
        raise AssertionError("a two-digit number was accepted")


def test_ids_sort_by_time_and_stable_ids_are_stable():
    first, second = ids.new_id("msg"), ids.new_id("msg")
    assert first[:14] <= second[:14]
    assert ids.stable_id("th", "+1415", "+1206") == ids.stable_id("th", "+1415", "+1206")
    assert ids.stable_id("th", "+1415", "+1206") != ids.stable_id("th", "+1206", "+1415")


def test_carriers_call_the_webhook_url_which_defaults_to_the_public_url(environment, monkeypatch):
    from chalicelib.settings import get_settings

    assert get_settings().webhook_base_url == get_settings().public_base_url == "https://api.keepline.example/api"
    monkeypatch.setenv("WEBHOOK_BASE_URL", "")  # an empty value (an unset stack output) is unset
    assert get_settings().webhook_base_url == "https://api.keepline.example/api"
    monkeypatch.setenv("WEBHOOK_BASE_URL", "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/")
    assert get_settings().webhook_base_url == "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com"
    assert get_settings().public_base_url == "https://api.keepline.example/api"  # the console's stays
