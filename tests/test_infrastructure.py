"""The CDK app: synthesized once per test session, then its template is checked property by property.

The synthesis runs `python -m infrastructure.synth` in a subprocess with every AWS credential
and Keepline setting removed from its environment, exactly as `make synth` on a fresh clone.
cdk-nag runs inside it as a policy-validation plugin, so a successful synthesis already means
no unacknowledged finding; the tests also read the report and the acknowledgments' reasons.
Under pytest-xdist the workers share one synthesis through a file lock (in case they are not grouped).
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from chalicelib.archive.reconcile import dead_letter_queue_name
from chalicelib.settings import get_settings
from chalicelib.store.base import all_models
from infrastructure import access, definitions
from infrastructure.stack import function_logical_id

# One xdist worker runs every test here (`make test` uses `--dist loadgroup`), so the other keeps
# running the rest of the suite while this one synthesizes.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("cdk-synth")]

ROOT = Path(__file__).resolve().parent.parent
STAGE = "dev"
PREFIX = f"keepline-{STAGE}"
# Actions that support no resource-level permissions, so their statements name Resource "*".
RESOURCELESS_ACTIONS = {
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:DescribeResourcePolicies",
    "logs:DescribeLogGroups",
}
_SETTINGS_PREFIXES = (
    "AWS_",
    "KEEPLINE_",
    "TABLE_",
    "ARCHIVE_",
    "QUEUE_",
    "STATE_MACHINE",
    "OIDC_",
    "CARRIER_",
    "PUBLIC_",
    "WEBHOOK_",
    "LOCAL_",
)


def _clean_environment() -> dict[str, str]:
    """This process's environment without credentials, a profile, an endpoint or any Keepline setting."""
    return {k: v for k, v in os.environ.items() if not k.startswith(_SETTINGS_PREFIXES)}


def _synthesize(outdir: Path) -> dict[str, Any]:
    run = subprocess.run(
        [sys.executable, "-m", "infrastructure.synth", "--stage", STAGE, "--outdir", str(outdir)],
        cwd=ROOT,
        env=_clean_environment(),
        capture_output=True,
        text=True,
        check=False,
    )
    return {"returncode": run.returncode, "output": (run.stdout + run.stderr)[-8000:]}


@pytest.fixture(scope="session")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> Path:
    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent  # one synthesis for all workers of this session
    outdir, result_file = shared / "cdk.out", shared / "synth-result.json"
    with (shared / "synth.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not result_file.exists():
            result_file.write_text(json.dumps(_synthesize(outdir)))
    result = json.loads(result_file.read_text())
    assert result["returncode"] == 0, result["output"]
    return outdir


@pytest.fixture(scope="session")
def template_json(synthesized: Path) -> dict[str, Any]:
    return json.loads((synthesized / f"{STAGE}.template.json").read_text())


@pytest.fixture(scope="session")
def template(template_json: dict[str, Any]) -> Any:
    from aws_cdk.assertions import Template

    return Template.from_json(template_json)


def _resources(template_json: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template_json["Resources"].items() if v["Type"] == kind}


def _logical_id(template_json: dict[str, Any], kind: str, **properties: Any) -> str:
    found = [
        k
        for k, v in _resources(template_json, kind).items()
        if all(v["Properties"].get(p) == want for p, want in properties.items())
    ]
    assert len(found) == 1, f"expected one {kind} with {properties}, found {found}"
    return found[0]


def _statements(template_json: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Every IAM policy statement of every role and policy, with the resource that holds it."""
    found = []
    for logical, resource in template_json["Resources"].items():
        props = resource["Properties"]
        documents = []
        if resource["Type"] == "AWS::IAM::Role":
            documents = [p["PolicyDocument"] for p in props.get("Policies", [])]
        elif resource["Type"] == "AWS::IAM::Policy":
            documents = [props["PolicyDocument"]]
        for document in documents:
            found.extend((logical, statement) for statement in document["Statement"])
    return found


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _role_statements(template_json: dict[str, Any], function: str) -> list[dict[str, Any]]:
    fn = template_json["Resources"][function_logical_id(function)]
    role = fn["Properties"]["Role"]["Fn::GetAtt"][0]
    return [s for logical, s in _statements(template_json) if logical == role]


def _actions(statements: list[dict[str, Any]]) -> set[str]:
    return {a for s in statements for a in _as_list(s["Action"])}


# --- the checks the security team runs --------------------------------------------------------


def test_synthesis_passes_cdk_nag_with_every_acknowledgment_reasoned(
    synthesized: Path, template_json: dict[str, Any]
) -> None:
    report = json.loads((synthesized / "validation-report.json").read_text())
    violations = [v for plugin in report["pluginReports"] for v in plugin["violations"]]
    assert [v for v in violations if v["severity"] == "error"] == []
    acknowledged = [
        rule
        for resource in template_json["Resources"].values()
        for rule in resource.get("Metadata", {}).get("cdk_nag", {}).get("rules_to_suppress", [])
    ]
    assert acknowledged, "cdk-nag's acknowledgments are written into the template metadata"
    for rule in acknowledged:
        assert rule["id"].startswith("AwsSolutions-")
        assert len(rule["reason"]) > 20, rule


def test_cfn_lint_finds_no_errors(synthesized: Path) -> None:
    from cfnlint.api import lint_file

    matches = lint_file(synthesized / f"{STAGE}.template.json")
    errors = [str(m) for m in matches if m.rule.severity == "error"]
    assert errors == []


# --- data --------------------------------------------------------------------------------------


def test_every_model_has_an_encrypted_protected_on_demand_table(template: Any, template_json: dict[str, Any]) -> None:
    from aws_cdk.assertions import Match

    data_key = _logical_id(
        template_json, "AWS::KMS::Key", Description=f"{PREFIX}: Keepline tables, queues, secret and alarm topic"
    )
    tables = _resources(template_json, "AWS::DynamoDB::Table")
    assert len(tables) == len(all_models())
    for model in all_models():
        schema = model._get_schema()
        hash_first = sorted(schema["key_schema"], key=lambda k: k["KeyType"] != "HASH")
        template.has_resource_properties(
            "AWS::DynamoDB::Table",
            {
                "TableName": f"{PREFIX}-{model.logical_name}",
                "BillingMode": "PAY_PER_REQUEST",
                "KeySchema": [{"AttributeName": k["AttributeName"], "KeyType": k["KeyType"]} for k in hash_first],
                "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
                "DeletionProtectionEnabled": True,
                "SSESpecification": {
                    "SSEEnabled": True,
                    "SSEType": "KMS",
                    "KMSMasterKeyId": {"Fn::GetAtt": [data_key, "Arn"]},
                },
                # Only the tables whose models ask for one (the archive's triggers) have a stream.
                "StreamSpecification": {"StreamViewType": model.Meta.stream_view_type}
                if getattr(model.Meta, "stream_view_type", None)
                else Match.absent(),
            },
        )
        table = next(t for t in tables.values() if t["Properties"]["TableName"] == f"{PREFIX}-{model.logical_name}")
        indexes = {i["IndexName"]: i for i in table["Properties"].get("GlobalSecondaryIndexes", [])}
        assert set(indexes) == {i["index_name"] for i in schema["global_secondary_indexes"]}
        for index in schema["global_secondary_indexes"]:
            assert indexes[index["index_name"]]["Projection"]["ProjectionType"] == index["projection"]["ProjectionType"]
        assert table["DeletionPolicy"] == "Retain"


def test_archive_bucket_is_locked_versioned_encrypted_private_tls_only_and_logged(
    template: Any, template_json: dict[str, Any]
) -> None:
    from aws_cdk.assertions import Match

    assert template_json["Parameters"]["ArchiveRetentionDays"]["Type"] == "Number"
    assert template_json["Parameters"]["ArchiveRetentionDays"]["Default"] == get_settings().archive_retention_days
    archive_key = _logical_id(
        template_json, "AWS::KMS::Key", Description=f"{PREFIX}: Keepline compliance archive objects"
    )
    locked = [
        k for k, v in _resources(template_json, "AWS::S3::Bucket").items() if v["Properties"].get("ObjectLockEnabled")
    ]
    assert len(locked) == 1
    bucket = locked[0]
    logs_bucket = template_json["Resources"][bucket]["Properties"]["LoggingConfiguration"]["DestinationBucketName"][
        "Ref"
    ]
    template.has_resource_properties(
        "AWS::S3::Bucket",
        {
            "ObjectLockEnabled": True,
            "ObjectLockConfiguration": {
                "ObjectLockEnabled": "Enabled",
                "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Days": {"Ref": "ArchiveRetentionDays"}}},
            },
            "VersioningConfiguration": {"Status": "Enabled"},
            "BucketEncryption": {
                "ServerSideEncryptionConfiguration": [
                    {
                        "ServerSideEncryptionByDefault": {
                            "SSEAlgorithm": "aws:kms",
                            "KMSMasterKeyID": {"Fn::GetAtt": [archive_key, "Arn"]},
                        },
                        "BucketKeyEnabled": True,
                    }
                ]
            },
            "PublicAccessBlockConfiguration": {
                "BlockPublicAcls": True,
                "BlockPublicPolicy": True,
                "IgnorePublicAcls": True,
                "RestrictPublicBuckets": True,
            },
            "LoggingConfiguration": {"DestinationBucketName": {"Ref": logs_bucket}, "LogFilePrefix": Match.any_value()},
        },
    )
    template.has_resource_properties(
        "AWS::S3::BucketPolicy",
        {
            "Bucket": {"Ref": bucket},
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Effect": "Deny",
                                "Action": "s3:*",
                                "Principal": {"AWS": "*"},
                                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                            }
                        )
                    ]
                )
            },
        },
    )
    assert template_json["Resources"][bucket]["DeletionPolicy"] == "Retain"


def test_queues_are_encrypted_tls_only_with_dead_letter_queues(template: Any, template_json: dict[str, Any]) -> None:
    from aws_cdk.assertions import Match

    settings = get_settings()
    for name in (settings.archive_queue_name, settings.unassigned_queue_name, settings.work_queue_name):
        fifo = name.endswith(".fifo")
        dlq = _logical_id(template_json, "AWS::SQS::Queue", QueueName=dead_letter_queue_name(name))
        queue = _logical_id(template_json, "AWS::SQS::Queue", QueueName=name)
        template.has_resource_properties(
            "AWS::SQS::Queue",
            {
                "QueueName": name,
                "FifoQueue": True if fifo else Match.absent(),
                "KmsMasterKeyId": Match.any_value(),
                "RedrivePolicy": {"deadLetterTargetArn": {"Fn::GetAtt": [dlq, "Arn"]}, "maxReceiveCount": 5},
            },
        )
        for logical in (queue, dlq):
            assert "KmsMasterKeyId" in template_json["Resources"][logical]["Properties"]
            template.has_resource_properties(
                "AWS::SQS::QueuePolicy",
                {
                    "Queues": [{"Ref": logical}],
                    "PolicyDocument": {
                        "Statement": Match.array_with(
                            [
                                Match.object_like(
                                    {"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
                                )
                            ]
                        )
                    },
                },
            )


def test_carrier_secret_is_kms_encrypted_and_named_for_the_app(template_json: dict[str, Any]) -> None:
    secret = next(iter(_resources(template_json, "AWS::SecretsManager::Secret").values()))
    assert secret["Properties"]["Name"] == f"{PREFIX}/carriers"
    assert "Fn::GetAtt" in secret["Properties"]["KmsKeyId"]
    for fn in _resources(template_json, "AWS::Serverless::Function").values():
        assert fn["Properties"]["Environment"]["Variables"]["CARRIER_SECRET_NAME"] == f"{PREFIX}/carriers"


# --- the app -----------------------------------------------------------------------------------


def test_state_machines_are_the_definition_files_with_the_functions_arns(
    template: Any, template_json: dict[str, Any]
) -> None:
    for name in definitions.names():
        logical = _logical_id(template_json, "AWS::StepFunctions::StateMachine", StateMachineName=f"{PREFIX}-{name}")
        props = template_json["Resources"][logical]["Properties"]
        placeholders = {function_logical_id(fn): f"${{FunctionArn_{fn}}}" for fn in definitions.functions(name)}
        text = ""
        for part in props["DefinitionString"]["Fn::Join"][1]:
            if isinstance(part, str):
                text += part
            else:
                target, attribute = part["Fn::GetAtt"]
                assert attribute == "Arn"
                assert template_json["Resources"][target]["Type"] == "AWS::Serverless::Function"
                text += placeholders[target]
        assert json.loads(text) == json.loads(definitions.source(name))
        assert props["LoggingConfiguration"]["Level"] == "ALL"
        assert props["LoggingConfiguration"]["IncludeExecutionData"] is False
        assert props["TracingConfiguration"] == {"Enabled": True}
        role = props["RoleArn"]["Fn::GetAtt"][0]
        invoked = {
            r["Fn::GetAtt"][0]
            for logical_id, s in _statements(template_json)
            if template_json["Resources"][logical_id]["Properties"].get("Roles") == [{"Ref": role}]
            and "lambda:InvokeFunction" in _as_list(s["Action"])
            for r in _as_list(s["Resource"])
        }
        assert invoked == set(placeholders)


def test_each_function_has_its_own_role_name_logs_tracing_and_settings(template_json: dict[str, Any]) -> None:
    functions = _resources(template_json, "AWS::Serverless::Function")
    assert {"APIHandler", "KeeplineAuth", "OffboardingMoveThreads"} <= set(functions)
    assert template_json["Resources"]["RestAPI"]["Properties"]["TracingEnabled"] is True
    roles = [fn["Properties"]["Role"]["Fn::GetAtt"][0] for fn in functions.values()]
    assert len(set(roles)) == len(functions)
    log_groups = {v["Properties"]["LogGroupName"] for v in _resources(template_json, "AWS::Logs::LogGroup").values()}
    for fn in functions.values():
        props = fn["Properties"]
        assert props["FunctionName"].startswith(f"{PREFIX}-")
        assert f"/aws/lambda/{props['FunctionName']}" in log_groups
        assert props["Tracing"] == {"Ref": "Tracing"}  # X-Ray is the deployer's choice (default off: its cost)
        assert props["LoggingConfig"] == {"LogFormat": "JSON", "ApplicationLogLevel": "INFO", "SystemLogLevel": "WARN"}
        variables = props["Environment"]["Variables"]
        assert variables["TABLE_PREFIX"] == PREFIX
        assert variables["STATE_MACHINE_PREFIX"] == PREFIX
        assert variables["ARCHIVE_RETENTION_DAYS"] == {"Ref": "ArchiveRetentionDays"}
        endpoint = {"Fn::GetAtt": [_http_api(template_json), "ApiEndpoint"]}
        # PublicBaseUrl (a custom domain) if given, else the HTTP API's URL: no second deployment.
        assert variables["PUBLIC_BASE_URL"] == {"Fn::If": ["HasPublicBaseUrl", {"Ref": "PublicBaseUrl"}, endpoint]}
        # Carriers sign the URL they were given: always the HTTP API's own.
        assert variables["WEBHOOK_BASE_URL"] == endpoint
        assert variables["OIDC_ISSUER"]["Fn::If"][0] == "UseCognito"
        assert variables["OIDC_AUDIENCE"]["Fn::If"][0] == "UseCognito"
        assert variables["OIDC_CLIENT_ID"]["Fn::If"][0] == "UseCognito"


def test_the_environment_the_stack_passes_is_what_the_settings_read(
    template_json: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    variables = template_json["Resources"]["APIHandler"]["Properties"]["Environment"]["Variables"]
    values = {key: f"value-of-{key}" for key in variables}
    values["ARCHIVE_RETENTION_DAYS"] = "3650"
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    settings = get_settings()
    assert settings.table_prefix == values["TABLE_PREFIX"]
    assert settings.archive_bucket == values["ARCHIVE_BUCKET"]
    assert settings.archive_kms_key_id == values["ARCHIVE_KMS_KEY_ID"]
    assert settings.archive_retention_days == 3650
    assert settings.archive_queue_name == values["ARCHIVE_QUEUE_NAME"]
    assert settings.archive_queue_url == values["ARCHIVE_QUEUE_URL"]
    assert settings.unassigned_queue_name == values["QUEUE_UNASSIGNED_NAME"]
    assert settings.work_queue_name == values["QUEUE_WORK_NAME"]
    assert settings.state_machine_prefix == values["STATE_MACHINE_PREFIX"]
    assert settings.public_base_url == values["PUBLIC_BASE_URL"]
    assert settings.webhook_base_url == values["WEBHOOK_BASE_URL"]
    assert settings.carrier_secret_name == values["CARRIER_SECRET_NAME"]
    assert settings.oidc_issuer == values["OIDC_ISSUER"]
    assert settings.oidc_audience == values["OIDC_AUDIENCE"]
    assert settings.oidc_groups_claim == values["OIDC_GROUPS_CLAIM"]
    assert settings.oidc_client_id == values["OIDC_CLIENT_ID"]
    assert settings.offboarding_state_machine_arn == values["OFFBOARDING_STATE_MACHINE_ARN"]


def _http_api(template_json: dict[str, Any]) -> str:
    (api,) = _resources(template_json, "AWS::ApiGatewayV2::Api")
    return api


def test_every_chalice_route_is_an_http_api_route_to_the_api_handler(template_json: dict[str, Any]) -> None:
    from app import app

    api = _http_api(template_json)
    assert template_json["Resources"][api]["Properties"]["ProtocolType"] == "HTTP"
    # Kept from the webhooks-only API it replaced: a new logical id would change every carrier's URL.
    assert api.startswith("Webhooks")
    # The functions' settings and the user pool client refer to the API, so the API refers to nothing.
    assert "DependsOn" not in template_json["Resources"][api]
    assert "Fn::" not in json.dumps(template_json["Resources"][api]) and '"Ref"' not in json.dumps(
        template_json["Resources"][api]
    )
    # Chalice and HTTP API spell path parameters alike (`{e164}`), so the route keys are Chalice's.
    wanted = {f"{m} {path}" for path, methods in app.routes.items() for m in methods}
    assert len(wanted) >= 50 and {"GET /", "POST /threads/{thread_id}/messages", "POST /webhooks/telnyx"} <= wanted
    routes = _resources(template_json, "AWS::ApiGatewayV2::Route")
    assert sorted(r["Properties"]["RouteKey"] for r in routes.values()) == sorted(wanted)
    integrations = _resources(template_json, "AWS::ApiGatewayV2::Integration")
    for route in routes.values():
        props = route["Properties"]
        assert props["ApiId"] == {"Ref": api}
        (target,) = [p["Ref"] for p in props["Target"]["Fn::Join"][1] if isinstance(p, dict)]
        integration = integrations[target]["Properties"]
        assert integration["ApiId"] == {"Ref": api}
        assert integration["IntegrationType"] == "AWS_PROXY"
        # The REST-style event Chalice reads (resourcePath, httpMethod, multiValueQueryStringParameters, ...).
        assert integration["PayloadFormatVersion"] == "1.0"
        assert integration["IntegrationUri"] == {"Fn::GetAtt": ["APIHandler", "Arn"]}


def test_exactly_the_routes_with_a_chalice_authorizer_need_a_jwt_from_the_stacks_issuer(
    template_json: dict[str, Any],
) -> None:
    from app import app

    authenticated = {
        f"{m} {path}" for path, methods in app.routes.items() for m, entry in methods.items() if entry.authorizer
    }
    public = {f"{m} {path}" for path, methods in app.routes.items() for m in methods} - authenticated
    assert {"GET /health", "GET /", "GET /console/{asset}", "GET /openapi.json"} <= public
    assert {key for key in public if not key.split(" ")[1].startswith("/webhooks/")} == {
        "GET /health",
        "GET /",
        "GET /console/{asset}",
        "GET /openapi.json",
    }
    assert {"GET /me", "POST /threads/{thread_id}/messages", "PATCH /employees/{employee_id}"} <= authenticated

    (authorizer_id, authorizer) = next(iter(_resources(template_json, "AWS::ApiGatewayV2::Authorizer").items()))
    assert len(_resources(template_json, "AWS::ApiGatewayV2::Authorizer")) == 1
    props = authorizer["Properties"]
    assert props["ApiId"] == {"Ref": _http_api(template_json)}
    assert props["AuthorizerType"] == "JWT"
    assert props["IdentitySource"] == ["$request.header.Authorization"]
    # The same issuer and audience the functions verify against (OIDC_ISSUER, OIDC_AUDIENCE).
    variables = template_json["Resources"]["APIHandler"]["Properties"]["Environment"]["Variables"]
    assert props["JwtConfiguration"]["Issuer"] == variables["OIDC_ISSUER"]
    assert props["JwtConfiguration"]["Audience"] == [variables["OIDC_AUDIENCE"]]
    pool = _logical_id(template_json, "AWS::Cognito::UserPool", UserPoolName=PREFIX)
    (client,) = _resources(template_json, "AWS::Cognito::UserPoolClient")
    issuer = props["JwtConfiguration"]["Issuer"]["Fn::If"]
    assert issuer[0] == "UseCognito" and issuer[2] == {"Ref": "OidcIssuer"}
    assert issuer[1]["Fn::Join"][1] == [
        "https://cognito-idp.",
        {"Ref": "AWS::Region"},
        ".",
        {"Ref": "AWS::URLSuffix"},
        "/",
        {"Ref": pool},
    ]
    assert props["JwtConfiguration"]["Audience"] == [
        {"Fn::If": ["UseCognito", {"Ref": client}, {"Ref": "OidcAudience"}]}
    ]
    # An external issuer without an audience is refused before anything is deployed.
    (rule,) = [r for name, r in template_json["Rules"].items() if name != "CheckBootstrapVersion"]
    assert rule["RuleCondition"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "OidcIssuer"}, ""]}]}
    assert rule["Assertions"][0]["Assert"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "OidcAudience"}, ""]}]}

    routes = {r["Properties"]["RouteKey"]: r for r in _resources(template_json, "AWS::ApiGatewayV2::Route").values()}
    for key in authenticated:
        props = routes[key]["Properties"]
        assert (props["AuthorizationType"], props["AuthorizerId"]) == ("JWT", {"Ref": authorizer_id}), key
    for key in public:
        props = routes[key]["Properties"]
        assert props["AuthorizationType"] == "NONE" and "AuthorizerId" not in props, key
        # Public on purpose, and cdk-nag's finding says why.
        (ack,) = routes[key]["Metadata"]["cdk_nag"]["rules_to_suppress"]
        assert ack["id"] == "AwsSolutions-APIG4"
        assert ("sign each request" in ack["reason"]) == key.split(" ")[1].startswith("/webhooks/")


def test_the_template_has_no_circular_dependency(template_json: dict[str, Any]) -> None:
    """The functions, the user pool client and the JWT authorizer all refer to the HTTP API's URL or
    id; CloudFormation refuses a template whose resources refer to each other in a loop."""
    resources = template_json["Resources"]

    def refers_to(value: Any) -> set[str]:
        found: set[str] = set()
        if isinstance(value, dict):
            for key, inner in value.items():
                if key == "Ref" and inner in resources:
                    found.add(inner)
                elif key == "Fn::GetAtt":
                    found.add(inner[0] if isinstance(inner, list) else inner.split(".")[0])
                else:
                    found |= refers_to(inner)
        elif isinstance(value, list):
            for inner in value:
                found |= refers_to(inner)
        return found

    edges = {
        name: refers_to(r.get("Properties", {})) | set(_as_list(r.get("DependsOn", [])))
        for name, r in resources.items()
    }
    done: set[str] = set()

    def visit(name: str, path: tuple[str, ...]) -> None:
        assert name not in path, " -> ".join((*path, name))
        if name in done:
            return
        for target in edges[name]:
            visit(target, (*path, name))
        done.add(name)

    for name in resources:
        visit(name, ())
    api = _http_api(template_json)
    client = next(iter(_resources(template_json, "AWS::Cognito::UserPoolClient")))
    assert api in edges[client] and api in edges["APIHandler"]  # what the check is about


def test_the_http_api_may_invoke_the_api_handler_is_throttled_and_logged(template_json: dict[str, Any]) -> None:
    api = _http_api(template_json)
    permissions = [
        p["Properties"]
        for p in _resources(template_json, "AWS::Lambda::Permission").values()
        if {"Ref": api} in p["Properties"]["SourceArn"].get("Fn::Join", ["", []])[1]
    ]
    assert len(permissions) == 1, "one invoke permission, scoped to this API"
    assert permissions[0]["FunctionName"] == {"Fn::GetAtt": ["APIHandler", "Arn"]}
    assert permissions[0]["Principal"] == "apigateway.amazonaws.com"
    assert permissions[0]["Action"] == "lambda:InvokeFunction"
    (stage,) = _resources(template_json, "AWS::ApiGatewayV2::Stage").values()
    props = stage["Properties"]
    assert (props["ApiId"], props["StageName"], props["AutoDeploy"]) == ({"Ref": api}, "$default", True)
    assert props["DefaultRouteSettings"]["ThrottlingRateLimit"] > 0
    assert props["DefaultRouteSettings"]["ThrottlingBurstLimit"] >= props["DefaultRouteSettings"]["ThrottlingRateLimit"]
    log_group = props["AccessLogSettings"]["DestinationArn"]["Fn::GetAtt"][0]
    assert template_json["Resources"][log_group]["Type"] == "AWS::Logs::LogGroup"
    assert template_json["Resources"][log_group]["Properties"]["RetentionInDays"] >= 365
    assert template_json["Resources"][log_group]["DeletionPolicy"] == "Retain"
    log_format = json.loads(props["AccessLogSettings"]["Format"])
    assert log_format["requestId"] == "$context.requestId" and log_format["status"] == "$context.status"
    assert "$context.authorizer.error" in log_format.values()  # why a token was refused
    assert not [v for v in log_format.values() if "query" in v.lower() or "body" in v.lower()]
    for output in ("ApiURL", "WebhookURL"):  # WebhookURL: what older guides told carriers' admins to use
        assert template_json["Outputs"][output]["Value"] == {"Fn::GetAtt": [api, "ApiEndpoint"]}


def test_no_wildcard_actions_and_each_function_gets_only_what_it_needs(template_json: dict[str, Any]) -> None:
    for logical, statement in _statements(template_json):
        actions = _as_list(statement["Action"])
        assert not [a for a in actions if "*" in a], (logical, statement)
        if "*" in _as_list(statement["Resource"]):
            assert set(actions) <= RESOURCELESS_ACTIONS, (logical, statement)
    api = _actions(_role_statements(template_json, "api_handler"))
    authorizer = _actions(_role_statements(template_json, "keepline_auth"))
    from app import app

    kinds = {f.name: f.kind for f in access.functions(app, get_settings())}
    tasks = [name for name, kind in kinds.items() if kind == "task"]
    task = set().union(*(_actions(_role_statements(template_json, name)) for name in tasks))
    assert {"dynamodb:PutItem", "sqs:SendMessage", "states:StartExecution", "secretsmanager:GetSecretValue"} <= api
    assert "s3:PutObject" not in api  # only the archiver and workflow tasks write to the archive
    assert {"dynamodb:GetItem", "dynamodb:Query"} <= authorizer
    assert not authorizer & {"dynamodb:PutItem", "sqs:SendMessage", "secretsmanager:GetSecretValue", "s3:GetObject"}
    assert "states:StartExecution" not in task
    assert "sqs:ReceiveMessage" not in api | authorizer | task
    assert "s3:PutObject" not in _actions(_role_statements(template_json, "reconcile_archive"))
    assert "s3:PutObject" in _actions(_role_statements(template_json, "archive_digest"))  # access.EXTRA


def test_queue_consumers_read_exactly_their_queue_and_report_partial_failures(
    template_json: dict[str, Any],
) -> None:
    from app import app

    settings = get_settings()
    consumers = [f for f in access.functions(app, settings) if f.kind == "queue"]
    assert {f.queue for f in consumers} >= {"archive", "work"}
    names = access.queue_names(settings)
    for fn in consumers:
        queue = _logical_id(template_json, "AWS::SQS::Queue", QueueName=names[fn.queue])
        events = template_json["Resources"][function_logical_id(fn.name)]["Properties"]["Events"]
        (event,) = events.values()
        assert event["Type"] == "SQS"
        assert event["Properties"]["Queue"] == {"Fn::GetAtt": [queue, "Arn"]}
        assert event["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
        assert event["Properties"]["BatchSize"] >= 1  # chalice's own event, not a second one
        receive = [s for s in _role_statements(template_json, fn.name) if "sqs:ReceiveMessage" in _as_list(s["Action"])]
        assert [s["Resource"] for s in receive] == [{"Fn::GetAtt": [queue, "Arn"]}]


def test_the_archiver_follows_the_trigger_tables_streams_with_the_domains_filters(
    template_json: dict[str, Any],
) -> None:
    from app import app
    from chalicelib.archive.changes import BATCH_SIZE, RETRY_ATTEMPTS, TRIGGERS

    (consumer,) = [f for f in access.functions(app, get_settings()) if f.kind == "stream"]
    assert set(consumer.streams) == set(TRIGGERS)
    mappings = _resources(template_json, "AWS::Lambda::EventSourceMapping")
    followed = {}
    for mapping in mappings.values():
        props = mapping["Properties"]
        table = props["EventSourceArn"]["Fn::GetAtt"][0]
        followed[table] = props
        assert props["FunctionName"] == {"Ref": function_logical_id(consumer.name)}
        assert props["StartingPosition"] == "TRIM_HORIZON"  # nothing written before the mapping existed is missed
        assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
        assert props["BisectBatchOnFunctionError"] is True
        # The local pump delivers and retries by the same numbers.
        assert (props["BatchSize"], props["MaximumRetryAttempts"]) == (BATCH_SIZE, RETRY_ATTEMPTS)
    for _, model, patterns in TRIGGERS.values():
        logical = _logical_id(template_json, "AWS::DynamoDB::Table", TableName=f"{PREFIX}-{model.logical_name}")
        stream = template_json["Resources"][logical]["Properties"]["StreamSpecification"]
        assert stream == {"StreamViewType": "NEW_IMAGE"}
        filters = [json.loads(f["Pattern"]) for f in followed[logical]["FilterCriteria"]["Filters"]]
        assert filters == patterns  # the same rule decides locally (`changes.due`) and on AWS
        read = [
            s for s in _role_statements(template_json, consumer.name) if "dynamodb:GetRecords" in _as_list(s["Action"])
        ]
        assert {"Fn::GetAtt": [logical, "StreamArn"]} in [r for s in read for r in _as_list(s["Resource"])]
    assert len(followed) == len(TRIGGERS)


def test_cognito_pool_or_an_external_oidc_issuer(template: Any, template_json: dict[str, Any]) -> None:
    assert template_json["Conditions"]["UseCognito"] == {"Fn::Equals": [{"Ref": "OidcIssuer"}, ""]}
    cognito = ("UserPool", "UserPoolClient", "UserPoolGroup", "UserPoolDomain")
    for kind in (f"AWS::Cognito::{name}" for name in cognito):
        for resource in _resources(template_json, kind).values():
            assert resource["Condition"] == "UseCognito"
    groups = {g["Properties"]["GroupName"] for g in _resources(template_json, "AWS::Cognito::UserPoolGroup").values()}
    assert groups == {"admin", "hr", "compliance", "employee"}
    template.has_resource_properties("AWS::Cognito::UserPool", {"MfaConfiguration": "ON"})
    (client,) = _resources(template_json, "AWS::Cognito::UserPoolClient").values()
    assert client["Properties"]["AllowedOAuthFlows"] == ["code"]  # the console: authorization code + PKCE
    assert client["Properties"]["GenerateSecret"] is False
    # The console's own URL, so sign-in works after one deployment: PublicBaseUrl or else the HTTP API's.
    public_url = {
        "Fn::If": [
            "HasPublicBaseUrl",
            {"Ref": "PublicBaseUrl"},
            {"Fn::GetAtt": [_http_api(template_json), "ApiEndpoint"]},
        ]
    }
    console = {"Fn::Join": ["", [public_url, "/"]]}
    assert client["Properties"]["CallbackURLs"] == [console]
    assert client["Properties"]["LogoutURLs"] == [console]
    assert template_json["Conditions"]["HasPublicBaseUrl"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "PublicBaseUrl"}, ""]}]
    }
    (domain,) = _resources(template_json, "AWS::Cognito::UserPoolDomain").values()
    assert domain["Condition"] == "UseCognito"


def test_alarms_watch_dead_letters_failures_5xx_and_archive_lag(template_json: dict[str, Any]) -> None:
    alarms = list(_resources(template_json, "AWS::CloudWatch::Alarm").values())
    topic = next(iter(_resources(template_json, "AWS::SNS::Topic")))
    assert "KmsMasterKeyId" in template_json["Resources"][topic]["Properties"]
    for alarm in alarms:
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": topic}]
    by_metric: dict[str, list[dict[str, Any]]] = {}
    for alarm in alarms:
        by_metric.setdefault(alarm["Properties"]["MetricName"], []).append(alarm["Properties"])
    settings = get_settings()
    dead_letter_queues = {
        _logical_id(template_json, "AWS::SQS::Queue", QueueName=n)
        for n in (f"{PREFIX}-archive-dlq.fifo", f"{PREFIX}-unassigned-dlq", f"{PREFIX}-work-dlq")
    }
    watched = {a["Dimensions"][0]["Value"]["Fn::GetAtt"][0] for a in by_metric["ApproximateNumberOfMessagesVisible"]}
    assert watched == dead_letter_queues
    assert len(by_metric["ExecutionsFailed"]) == len(definitions.names())
    assert by_metric["5XXError"][0]["Namespace"] == "AWS/ApiGateway"
    (webhooks,) = by_metric["5xx"]  # the HTTP API's metric name
    assert webhooks["Dimensions"] == [{"Name": "ApiId", "Value": {"Ref": _http_api(template_json)}}]
    (lag,) = by_metric["ApproximateAgeOfOldestMessage"]
    archive_queue = _logical_id(template_json, "AWS::SQS::Queue", QueueName=settings.archive_queue_name)
    assert lag["Dimensions"][0]["Value"] == {"Fn::GetAtt": [archive_queue, "QueueName"]}
    # The archive's main path is the tables' streams: their lag is watched too.
    (stream_lag,) = by_metric["IteratorAge"]
    assert stream_lag["Namespace"] == "AWS/Lambda" and stream_lag["Threshold"] == 900_000
    assert stream_lag["Dimensions"] == [{"Name": "FunctionName", "Value": f"{PREFIX}-archive_changes"}]
