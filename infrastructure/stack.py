"""The Keepline stack: the Chalice app (through Chalice's own CDK construct) and everything beside it.

Names the app derives from its settings (tables, queues, state machines) are the names created
here, computed by the same `chalicelib.settings` in the same process that packages the app, so
`on_sqs_message(queue=settings.work_queue_name)` and the queue this stack makes cannot drift.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import jsii
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_apigatewayv2_authorizers as authorizers
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from chalice.cdk import Chalice
from chalice.utils import to_cfn_resource_name
from constructs import Construct

from chalicelib.archive.reconcile import dead_letter_queue_name
from chalicelib.settings import Settings
from chalicelib.store.base import all_models
from infrastructure import access, definitions

ROOT = Path(__file__).resolve().parent.parent
APP_NAME = "keepline"
API_STAGE = "api"  # `api_gateway_stage` in .chalice/config.json
ROLES = ("admin", "hr", "compliance", "employee")
DEAD_LETTER_AFTER = 5  # as the local stack (devstack/bootstrap.py)
FUNCTION_TIMEOUT = 60  # Chalice's default; queues hide a message for six times as long
ARCHIVE_LAG_SECONDS = 900
# Carriers call the Chalice routes under this prefix; they have no authorizer (they cannot present
# a JWT): each handler verifies the carrier's signature.
WEBHOOK_PREFIX = "/webhooks/"
# A few times a busy company's peak of texts, status callbacks and console requests; a flood beyond
# it is refused by API Gateway before it costs Lambda time.
API_RATE_PER_SECOND = 500
API_BURST = 1000
_TABLE_READ = ("dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:DescribeTable")
_TABLE_WRITE = (
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:ConditionCheckItem",
)
# What Lambda's event source mapping needs of the function's role to poll a table's stream.
_STREAM_READ = (
    "dynamodb:DescribeStream",
    "dynamodb:GetRecords",
    "dynamodb:GetShardIterator",
    "dynamodb:ListStreams",
)
_QUEUE_SEND = ("sqs:SendMessage", "sqs:GetQueueUrl", "sqs:GetQueueAttributes")
_QUEUE_CONSUME = (
    "sqs:ReceiveMessage",
    "sqs:DeleteMessage",
    "sqs:ChangeMessageVisibility",
    "sqs:GetQueueUrl",
    "sqs:GetQueueAttributes",
)
# `chalice package` needs a role for every function when it does not manage them; each is
# replaced below by the function's own role.
_PLACEHOLDER_ROLE = "arn:aws:iam::000000000000:role/replaced-by-the-keepline-stack"


def acknowledge(scope: Construct, rule: str, reason: str) -> None:
    """Accept one cdk-nag finding on `scope`, with the reason it is acceptable."""
    cdk.Validations.of(scope).acknowledge(cdk.Acknowledgment(id=rule, reason=reason))


def function_logical_id(name: str) -> str:
    """The resource name `chalice package` gives a function in its SAM template."""
    return "APIHandler" if name == "api_handler" else to_cfn_resource_name(name)


class KeeplineStack(cdk.Stack):
    def __init__(self, scope: Construct, stage: str, settings: Settings, app: Any, **kwargs: Any) -> None:
        # The construct id is the Chalice stage: `chalice.cdk.Chalice` packages the stage named after its scope.
        super().__init__(scope, stage, stack_name=f"{APP_NAME}-{stage}", **kwargs)
        self.settings = settings
        self.stage = stage
        self._parameters()
        self.data_key = self._key("DataKey", "Keepline tables, queues, secret and alarm topic")
        self.archive_key = self._key("ArchiveKey", "Keepline compliance archive objects")
        self.tables = self._tables()
        self.bucket = self._archive_bucket()
        self.queues, self.dead_letter_queues = self._queues()
        self.secret = self._carrier_secret()
        # First: the user pool's callback URL and the functions' settings refer to its endpoint.
        self.http_api = self._http_api()
        self.public_url = self._public_url()
        self.issuer, self.audience, self.client_id = self._identity()
        self.functions = access.functions(app, settings)
        self.grants = self._grants()
        self.roles = {fn.name: self._role(fn) for fn in self.functions}
        self.chalice = self._chalice()
        self._route_api(app)
        self.state_machines = self._state_machines()
        self.topic = self._alarms()
        cdk.CfnOutput(self, "ArchiveBucketName", value=self.bucket.bucket_name)
        cdk.CfnOutput(self, "CarrierSecretName", value=self.carrier_secret_name)
        cdk.CfnOutput(self, "AlarmTopicArn", value=self.topic.topic_arn)
        cdk.CfnOutput(
            self,
            "ApiURL",
            value=self.http_api.api_endpoint,
            description="Keepline's HTTP API: the console (/), the API and the carrier webhooks.",
        )
        cdk.CfnOutput(
            self,
            "WebhookURL",
            value=self.http_api.api_endpoint,
            description="Carriers call this URL + /webhooks/...; assigned numbers are pointed here automatically.",
        )

    # --- parameters ----------------------------------------------------------------------------

    def _parameters(self) -> None:
        self.retention_days = cdk.CfnParameter(
            self,
            "ArchiveRetentionDays",
            type="Number",
            default=self.settings.archive_retention_days,
            min_value=1,
            description="Default COMPLIANCE retention of archive objects, in days (2555 = seven years).",
        )
        self.oidc_issuer = cdk.CfnParameter(
            self,
            "OidcIssuer",
            default="",
            description="Issuer URL of your own OIDC provider; leave empty to create a Cognito user pool.",
        )
        self.oidc_audience = cdk.CfnParameter(
            self,
            "OidcAudience",
            default="",
            description="Audience (client id) of tokens from OidcIssuer; required with OidcIssuer.",
        )
        self.oidc_client_id = cdk.CfnParameter(
            self,
            "OidcClientId",
            default="",
            description="Public client id the web console signs in with at OidcIssuer (authorization code + PKCE).",
        )
        self.oidc_groups_claim = cdk.CfnParameter(
            self,
            "OidcGroupsClaim",
            default=self.settings.oidc_groups_claim,
            description="Token claim listing the roles admin, hr, compliance, employee.",
        )
        self.tracing = cdk.CfnParameter(
            self,
            "Tracing",
            default="PassThrough",
            allowed_values=["PassThrough", "Active"],
            description="X-Ray tracing of the functions. Active traces nearly every invocation at a "
            "company's rates (about $5 per million traces, more than the rest of the stack per message); "
            "turn it on to investigate.",
        )
        self.public_base_url = cdk.CfnParameter(
            self,
            "PublicBaseUrl",
            default="",
            description="A custom domain of the HTTP API for the console and API, without a trailing slash; "
            "empty uses the HTTP API's own URL (the ApiURL output).",
        )
        # API Gateway's JWT authorizer needs an audience: with no audience every token would be refused.
        cdk.CfnRule(
            self,
            "OidcIssuerNeedsAudience",
            rule_condition=cdk.Fn.condition_not(cdk.Fn.condition_equals(self.oidc_issuer.value_as_string, "")),
        ).add_assertion(
            cdk.Fn.condition_not(cdk.Fn.condition_equals(self.oidc_audience.value_as_string, "")),
            "OidcAudience is required with OidcIssuer (the aud or client_id of the tokens the API accepts).",
        )

    # --- encryption ----------------------------------------------------------------------------

    def _key(self, construct_id: str, purpose: str) -> kms.Key:
        return kms.Key(
            self,
            construct_id,
            description=f"{APP_NAME}-{self.stage}: {purpose}",
            enable_key_rotation=True,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )

    # --- tables --------------------------------------------------------------------------------

    def _tables(self) -> dict[str, dynamodb.CfnTable]:
        """One table per PynamoDB model, keys and indexes read from the model itself."""
        return {model.logical_name: self._table(model) for model in all_models()}

    def _table(self, model: Any) -> dynamodb.CfnTable:
        schema = model._get_schema()
        attributes = {a["AttributeName"]: a["AttributeType"] for a in schema["attribute_definitions"]}
        indexes = []
        for index in schema["global_secondary_indexes"]:
            attributes.update({a["AttributeName"]: a["AttributeType"] for a in index["attribute_definitions"]})
            indexes.append(
                dynamodb.CfnTable.GlobalSecondaryIndexProperty(
                    index_name=index["index_name"],
                    key_schema=_key_schema(index["key_schema"]),
                    projection=dynamodb.CfnTable.ProjectionProperty(
                        projection_type=index["projection"]["ProjectionType"],
                        non_key_attributes=index["projection"].get("NonKeyAttributes"),
                    ),
                )
            )
        stream = getattr(model.Meta, "stream_view_type", None)
        table = dynamodb.CfnTable(
            self,
            "Table" + to_cfn_resource_name(model.logical_name.replace("-", "_")),
            table_name=self.settings.table_name(model.logical_name),
            billing_mode="PAY_PER_REQUEST",
            key_schema=_key_schema(schema["key_schema"]),
            attribute_definitions=[
                dynamodb.CfnTable.AttributeDefinitionProperty(attribute_name=name, attribute_type=kind)
                for name, kind in sorted(attributes.items())
            ],
            global_secondary_indexes=indexes or None,
            point_in_time_recovery_specification=dynamodb.CfnTable.PointInTimeRecoverySpecificationProperty(
                point_in_time_recovery_enabled=True
            ),
            deletion_protection_enabled=True,
            sse_specification=dynamodb.CfnTable.SSESpecificationProperty(
                sse_enabled=True, sse_type="KMS", kms_master_key_id=self.data_key.key_arn
            ),
            # Streams only for a model that declares it needs one (PynamoDB's Meta.stream_view_type).
            stream_specification=dynamodb.CfnTable.StreamSpecificationProperty(stream_view_type=stream)
            if stream
            else None,
        )
        table.apply_removal_policy(cdk.RemovalPolicy.RETAIN)
        return table

    # --- archive -------------------------------------------------------------------------------

    def _archive_bucket(self) -> s3.Bucket:
        access_logs = s3.Bucket(
            self,
            "AccessLogs",
            encryption=s3.BucketEncryption.S3_MANAGED,  # S3 server access logging cannot deliver to SSE-KMS
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            versioned=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        acknowledge(
            access_logs,
            "AwsSolutions-S1",
            "This is the server access log bucket itself; logging its own access would loop.",
        )
        bucket = s3.Bucket(
            self,
            "Archive",
            object_lock_enabled=True,
            versioned=True,
            encryption=s3.BucketEncryption.KMS,
            encryption_key=self.archive_key,
            bucket_key_enabled=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            server_access_logs_bucket=access_logs,
            server_access_logs_prefix="archive/",
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        cfn_bucket: s3.CfnBucket = bucket.node.default_child  # type: ignore[assignment]
        cfn_bucket.object_lock_configuration = s3.CfnBucket.ObjectLockConfigurationProperty(
            object_lock_enabled="Enabled",
            rule=s3.CfnBucket.ObjectLockRuleProperty(
                default_retention=s3.CfnBucket.DefaultRetentionProperty(
                    mode="COMPLIANCE", days=self.retention_days.value_as_number
                )
            ),
        )
        return bucket

    # --- queues --------------------------------------------------------------------------------

    def _queues(self) -> tuple[dict[str, sqs.Queue], dict[str, sqs.Queue]]:
        queues, dead = {}, {}
        for logical, name in access.queue_names(self.settings).items():
            fifo = name.endswith(".fifo")
            common: dict[str, Any] = {
                "encryption": sqs.QueueEncryption.KMS,
                "encryption_master_key": self.data_key,
                "enforce_ssl": True,
                "fifo": fifo or None,
                "removal_policy": cdk.RemovalPolicy.RETAIN,
            }
            dlq_name = dead_letter_queue_name(name)
            dead[logical] = sqs.Queue(
                self,
                f"{logical.title()}DeadLetters",
                queue_name=dlq_name,
                retention_period=cdk.Duration.days(14),
                **common,
            )
            queues[logical] = sqs.Queue(
                self,
                f"{logical.title()}Queue",
                queue_name=name,
                visibility_timeout=cdk.Duration.seconds(FUNCTION_TIMEOUT * 6),
                retention_period=cdk.Duration.days(14),
                content_based_deduplication=False if fifo else None,
                dead_letter_queue=sqs.DeadLetterQueue(max_receive_count=DEAD_LETTER_AFTER, queue=dead[logical]),
                **common,
            )
        return queues, dead

    # --- secret and identity -------------------------------------------------------------------

    @property
    def carrier_secret_name(self) -> str:
        return f"{self.settings.table_prefix}/carriers"

    def _carrier_secret(self) -> secretsmanager.Secret:
        secret = secretsmanager.Secret(
            self,
            "CarrierSecret",
            secret_name=self.carrier_secret_name,
            description="Carrier credentials (a JSON object keyed as chalicelib.settings.SECRET_KEYS).",
            encryption_key=self.data_key,
            secret_string_value=cdk.SecretValue.unsafe_plain_text("{}"),  # an empty object: no secret in code
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        acknowledge(
            secret,
            "AwsSolutions-SMG4",
            "Carrier credentials are issued by the carriers' consoles, so they cannot be rotated by a Lambda here; "
            "the README's deployment guide gives the manual rotation procedure.",
        )
        return secret

    def _identity(self) -> tuple[str, str, str]:
        """A Cognito user pool, unless an external OIDC issuer is given (then nothing is created)."""
        use_cognito = cdk.CfnCondition(
            self, "UseCognito", expression=cdk.Fn.condition_equals(self.oidc_issuer.value_as_string, "")
        )
        pool = cognito.UserPool(
            self,
            "Users",
            user_pool_name=f"{APP_NAME}-{self.stage}",
            self_sign_up_enabled=False,
            sign_in_aliases=cognito.SignInAliases(email=True),
            password_policy=cognito.PasswordPolicy(
                min_length=14, require_digits=True, require_lowercase=True, require_uppercase=True, require_symbols=True
            ),
            mfa=cognito.Mfa.REQUIRED,
            mfa_second_factor=cognito.MfaSecondFactor(otp=True, sms=False),
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            deletion_protection=True,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        # The web console signs in with authorization code + PKCE at the pool's hosted UI and comes
        # back to where it is served: `{public URL}/` (the console's <base>, see chalicelib/console).
        console_url = f"{self.public_url}/"
        client = pool.add_client(
            "Api",
            generate_secret=False,
            auth_flows=cognito.AuthFlow(user_srp=True),
            o_auth=cognito.OAuthSettings(
                flows=cognito.OAuthFlows(authorization_code_grant=True),
                scopes=[cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL, cognito.OAuthScope.PROFILE],
                callback_urls=[console_url],
                logout_urls=[console_url],
            ),
        )
        pool.add_domain(
            "HostedSignIn",
            cognito_domain=cognito.CognitoDomainOptions(
                domain_prefix=cdk.Fn.join("-", [APP_NAME, self.stage, self.account])
            ),
        )
        for role in ROLES:
            cognito.CfnUserPoolGroup(
                pool, f"Group{role.title()}", user_pool_id=pool.user_pool_id, group_name=role
            ).cfn_options.condition = use_cognito
        for child in pool.node.find_all():
            if isinstance(child, cdk.CfnResource):
                child.cfn_options.condition = use_cognito
        acknowledge(
            pool,
            "AwsSolutions-COG8",
            "Threat protection needs the paid Plus feature plan; companies that want it enable it or bring their "
            "own OIDC provider (OidcIssuer).",
        )
        client_id = client.user_pool_client_id
        issuer = cdk.Fn.condition_if(
            use_cognito.logical_id,
            f"https://cognito-idp.{self.region}.{self.url_suffix}/{pool.user_pool_id}",
            self.oidc_issuer.value_as_string,
        ).to_string()
        audience = cdk.Fn.condition_if(
            use_cognito.logical_id, client_id, self.oidc_audience.value_as_string
        ).to_string()
        console_client = cdk.Fn.condition_if(
            use_cognito.logical_id, client_id, self.oidc_client_id.value_as_string
        ).to_string()
        for output, value in (("UserPoolId", pool.user_pool_id), ("UserPoolClientId", client_id)):
            cdk.CfnOutput(self, output, value=value).condition = use_cognito
        return issuer, audience, console_client

    # --- IAM, one role per function ------------------------------------------------------------

    def _arn(self, service: str, resource: str, name: str, sep: str = "/") -> str:
        return self.format_arn(
            service=service,
            resource=resource,
            resource_name=name,
            arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME if sep == ":" else cdk.ArnFormat.SLASH_RESOURCE_NAME,
        )

    def _state_machine_arn(self, name: str) -> str:
        # Built from the name, not referenced: the state machines depend on the functions' ARNs.
        return self._arn("states", "stateMachine", self.settings.state_machine_name(name), ":")

    def _index_arns(self) -> list[str]:
        return [f"{table.attr_arn}/index/*" for table in self.tables.values() if table.global_secondary_indexes]

    def function_name(self, name: str) -> str:
        return f"{APP_NAME}-{self.stage}-{name}"

    def _grants(self) -> dict[str, list[tuple[tuple[str, ...], list[str]]]]:
        """Capability (see `infrastructure.access`) -> the (actions, resources) pairs it grants."""
        tables = [t.attr_arn for t in self.tables.values()] + self._index_arns()
        prefix = self.settings.state_machine_prefix
        objects, bucket = self.bucket.arn_for_objects("*"), self.bucket.bucket_arn
        data, archive = [self.data_key.key_arn], [self.archive_key.key_arn]
        machines = [self._state_machine_arn(n) for n in definitions.names()]
        grants = {
            "tables:read": [(_TABLE_READ, tables), (("kms:Decrypt", "kms:DescribeKey"), data)],
            "tables": [
                (_TABLE_READ + _TABLE_WRITE, tables),
                (("kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"), data),
            ],
            "secret": [
                (("secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"), [self.secret.secret_arn]),
                (("kms:Decrypt",), data),
            ],
            "states": [
                (("states:StartExecution",), machines),
                (
                    ("states:DescribeExecution", "states:StopExecution"),
                    [self._arn("states", "execution", f"{prefix}-{n}:*", ":") for n in definitions.names()],
                ),
            ],
            "archive:write": [
                (("s3:PutObject", "s3:PutObjectRetention", "s3:PutObjectLegalHold"), [objects]),
                (("kms:Encrypt", "kms:GenerateDataKey", "kms:Decrypt"), archive),
            ],
            "archive:read": [
                (("s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectRetention", "s3:GetObjectLegalHold"), [objects]),
                (("s3:ListBucket",), [bucket]),
                (("kms:Decrypt",), archive),
            ],
            "archive:hold": [(("s3:PutObjectLegalHold", "s3:GetObjectLegalHold"), [objects])],
            "health": [
                (
                    ("s3:GetBucketObjectLockConfiguration", "s3:GetBucketVersioning", "s3:GetBucketPublicAccessBlock"),
                    [bucket],
                ),
                (("states:DescribeStateMachine",), machines),
            ],
        }
        for logical, queue in self.queues.items():
            grants[f"send:{logical}"] = [
                (_QUEUE_SEND, [queue.queue_arn]),
                (("kms:Decrypt", "kms:GenerateDataKey"), data),
            ]
            grants[f"consume:{logical}"] = [(_QUEUE_CONSUME, [queue.queue_arn]), (("kms:Decrypt",), data)]
        for logical, table in self.tables.items():
            if table.stream_specification:
                grants[f"stream:{logical}"] = [(_STREAM_READ, [table.attr_stream_arn]), (("kms:Decrypt",), data)]
        return grants

    def _statements(self, fn: access.Function) -> list[iam.PolicyStatement]:
        """The function's policy: its own log group, X-Ray, and what its capabilities grant, one
        statement per set of resources."""
        log_group = self._arn("logs", "log-group", f"/aws/lambda/{self.function_name(fn.name)}:*", ":")
        by_resources: dict[tuple[str, ...], set[str]] = {
            (log_group,): {"logs:CreateLogStream", "logs:PutLogEvents"},
            ("*",): {"xray:PutTraceSegments", "xray:PutTelemetryRecords"},
        }
        for need in sorted(fn.needs):
            for actions, resources in self.grants[need]:
                by_resources.setdefault(tuple(resources), set()).update(actions)
        return [
            iam.PolicyStatement(actions=sorted(actions), resources=list(resources))
            for resources, actions in by_resources.items()
        ]

    def _role(self, fn: access.Function) -> iam.Role:
        # Inline policies: the role exists only with its permissions, so an SQS event source mapping
        # created right after the function already finds them.
        role = iam.Role(
            self,
            "Role" + to_cfn_resource_name(fn.name),
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"{self.function_name(fn.name)} ({fn.kind}): {', '.join(sorted(fn.needs))}",
            inline_policies={"access": iam.PolicyDocument(statements=self._statements(fn))},
        )
        log_group = self._arn("logs", "log-group", f"/aws/lambda/{self.function_name(fn.name)}:*", ":")
        acknowledge(
            role,
            f"AwsSolutions-IAM5[Resource::{_nag_text(self.resolve(log_group))}]",
            "Log streams of the function's own log group are created at run time; the group is fixed.",
        )
        acknowledge(
            role,
            "AwsSolutions-IAM5[Resource::*]",
            "X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions.",
        )
        if "tables" in fn.needs or "tables:read" in fn.needs:
            for arn in self._index_arns():
                acknowledge(
                    role,
                    f"AwsSolutions-IAM5[Resource::{_nag_text(self.resolve(arn))}]",
                    "Queries through the table's own secondary indexes (declared by its PynamoDB model).",
                )
        if "states" in fn.needs:
            for n in definitions.names():
                arn = self._arn("states", "execution", f"{self.settings.state_machine_prefix}-{n}:*", ":")
                acknowledge(
                    role,
                    f"AwsSolutions-IAM5[Resource::{_nag_text(self.resolve(arn))}]",
                    "Execution names are chosen at run time; scoped to Keepline's own state machine.",
                )
        if fn.needs & {"archive:write", "archive:read", "archive:hold"}:
            acknowledge(
                role,
                f"AwsSolutions-IAM5[Resource::{_nag_text(self.resolve(self.bucket.arn_for_objects('*')))}]",
                "Archive object keys are chosen at run time; the bucket is fixed and its objects are locked.",
            )
        return role

    # --- the Chalice app -----------------------------------------------------------------------

    def _environment(self) -> dict[str, str]:
        settings = self.settings
        return {
            "KEEPLINE_STAGE": self.stage,
            "TABLE_PREFIX": settings.table_prefix,
            "ARCHIVE_BUCKET": self.bucket.bucket_name,
            "ARCHIVE_KMS_KEY_ID": self.archive_key.key_arn,
            "ARCHIVE_RETENTION_DAYS": self.retention_days.value_as_string,
            "ARCHIVE_QUEUE_NAME": self.queues["archive"].queue_name,
            "ARCHIVE_QUEUE_URL": self.queues["archive"].queue_url,
            "QUEUE_UNASSIGNED_NAME": self.queues["unassigned"].queue_name,
            "QUEUE_WORK_NAME": self.queues["work"].queue_name,
            "STATE_MACHINE_PREFIX": settings.state_machine_prefix,
            "PUBLIC_BASE_URL": self.public_url,
            # Always the HTTP API's own URL, whatever PublicBaseUrl says: carriers sign the URL they
            # were given, and a PublicBaseUrl left at the REST API's URL by an older deployment must
            # not break them. (The API depends on nothing of the functions', so this makes no cycle.)
            "WEBHOOK_BASE_URL": self.http_api.api_endpoint,
            "CARRIER_SECRET_NAME": self.carrier_secret_name,
            "OIDC_ISSUER": self.issuer,
            "OIDC_AUDIENCE": self.audience,
            "OIDC_CLIENT_ID": self.client_id,
            "OIDC_GROUPS_CLAIM": self.oidc_groups_claim.value_as_string,
            **{
                # Spares the API an STS call to learn its own account before it starts an offboarding.
                f"{name.upper()}_STATE_MACHINE_ARN": self._state_machine_arn(name)
                for name in definitions.names()
            },
        }

    def _chalice(self) -> Chalice:
        stage_config = {
            "manage_iam_role": False,
            "iam_role_arn": _PLACEHOLDER_ROLE,
            "xray": True,
            "lambda_timeout": FUNCTION_TIMEOUT,
        }
        chalice = Chalice(self, "Api", source_dir=str(ROOT), stage_config=stage_config)
        # X-Ray on the API stage too. (cdk-nag cannot see inside SAM resources: its API Gateway rules
        # apply to AWS::ApiGateway::*, which the SAM transform creates only at deployment.)
        chalice.get_resource("RestAPI").add_override("Properties.TracingEnabled", True)
        environment = self._environment()
        for fn in self.functions:
            logical = function_logical_id(fn.name)
            resource = chalice.get_resource(logical)
            resource.add_override("Properties.FunctionName", self.function_name(fn.name))
            resource.add_override("Properties.Role", self.roles[fn.name].role_arn)
            resource.add_override("Properties.Tracing", self.tracing.value_as_string)
            # JSON logs, and none of Lambda's own START/END/REPORT lines (duration is a metric
            # already): CloudWatch Logs bills each byte ingested.
            resource.add_override(
                "Properties.LoggingConfig",
                {"LogFormat": "JSON", "ApplicationLogLevel": "INFO", "SystemLogLevel": "WARN"},
            )
            # The log group is ours, not chalice's `log_retention_in_days` (whose API handler
            # log group refers to a misspelt resource name in chalice 1.34).
            log_group = logs.LogGroup(
                self,
                f"{logical}Logs",
                log_group_name=f"/aws/lambda/{self.function_name(fn.name)}",
                retention=logs.RetentionDays.ONE_YEAR,
                removal_policy=cdk.RemovalPolicy.RETAIN,
            )
            resource.node.add_dependency(log_group)
            if fn.kind == "queue":
                self._consume(resource, fn)
            elif fn.kind == "stream":
                self._follow_streams(resource, fn)
            for key, value in environment.items():
                chalice.add_environment_variable(key, value, logical)
        return chalice

    # --- the HTTP API: people and carriers ------------------------------------------------------

    def _http_api(self) -> apigwv2.HttpApi:
        """Keepline's one front door (routes: `_route_api`). Chalice's REST API is still deployed, for
        carrier numbers pointed at it before this API existed and for anyone still using its URL.

        An HTTP API costs $1.00 per million requests against the REST API's $3.50, and its JWT
        authorizer checks tokens without invoking a Lambda authorizer on every request."""
        api = apigwv2.HttpApi(
            self,
            # The construct id of the webhooks-only API this replaced: a new id would replace the
            # API, and with it the URL every carrier number is pointed at.
            "Webhooks",
            api_name=f"{APP_NAME}-{self.stage}",
            description="Keepline: the console, the API (JWT authorizer) and the carrier webhooks (signed).",
            create_default_stage=False,
        )
        log_group = logs.LogGroup(
            self,
            "HttpApiAccessLogs",
            # Under /aws/vendedlogs/ like the state machines' logs: delivered by the service, not by a function.
            log_group_name=f"/aws/vendedlogs/apigateway/{APP_NAME}-{self.stage}-http-api",
            retention=logs.RetentionDays.ONE_YEAR,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        # Who called which route and how it went; no query string or body (phone numbers, text),
        # no token. `authorizerError` says why the JWT authorizer refused a request.
        fields = {
            "requestId": "$context.requestId",
            "ip": "$context.identity.sourceIp",
            "requestTime": "$context.requestTime",
            "routeKey": "$context.routeKey",
            "status": "$context.status",
            "responseLength": "$context.responseLength",
            "integrationStatus": "$context.integrationStatus",
            "integrationLatency": "$context.integrationLatency",
            "integrationError": "$context.integrationErrorMessage",
            "authorizerError": "$context.authorizer.error",
            "userAgent": "$context.identity.userAgent",
        }
        api.add_stage(
            "DefaultStage",
            stage_name="$default",
            auto_deploy=True,
            throttle=apigwv2.ThrottleSettings(rate_limit=API_RATE_PER_SECOND, burst_limit=API_BURST),
            access_log_settings=_AccessLogs(
                apigwv2.LogGroupLogDestination(log_group),
                apigateway.AccessLogFormat.custom(json.dumps(fields)),
            ),
        )
        return api

    def _public_url(self) -> str:
        """PublicBaseUrl (a custom domain) if given, else the HTTP API's own URL: known in the same
        deployment, since the API refers to nothing that refers to it."""
        given = cdk.CfnCondition(
            self,
            "HasPublicBaseUrl",
            expression=cdk.Fn.condition_not(cdk.Fn.condition_equals(self.public_base_url.value_as_string, "")),
        )
        return cdk.Fn.condition_if(
            given.logical_id, self.public_base_url.value_as_string, self.http_api.api_endpoint
        ).to_string()

    def _route_api(self, app: Any) -> None:
        """One route per Chalice route and method, each to the Chalice API handler with the
        REST-style payload (format 1.0) Chalice reads. A route with a Chalice authorizer gets the
        JWT authorizer; the others (webhooks, health, the console's files, OpenAPI) are public."""
        # `same_environment`: the ARN is a token, and without it CDK would skip the invoke permission.
        handler = lambda_.Function.from_function_attributes(
            self,
            "HttpApiHandler",
            function_arn=self.chalice.get_function(function_logical_id("api_handler")).function_arn,
            same_environment=True,
        )
        integration = integrations.HttpLambdaIntegration(
            "ApiHandler",
            handler,
            payload_format_version=apigwv2.PayloadFormatVersion.VERSION_1_0,
            scope_permission_to_route=False,  # one permission for this API's routes
        )
        # The same issuer and audience the functions' OIDC_ISSUER / OIDC_AUDIENCE name; the API
        # checks signature (the issuer's JWKS), iss, aud or client_id, and exp. The handler then
        # resolves the employee on every request (`routing.caller`), so revocation is immediate.
        jwt = authorizers.HttpJwtAuthorizer(
            "Jwt",
            self.issuer,
            jwt_audience=[self.audience],
            authorizer_name=f"{APP_NAME}-{self.stage}-oidc",
            identity_source=["$request.header.Authorization"],
        )
        for path, method, authenticated in api_routes(app):
            (route,) = self.http_api.add_routes(
                path=path,
                methods=[apigwv2.HttpMethod(method)],
                integration=integration,
                authorizer=jwt if authenticated else None,
            )
            if authenticated:
                continue
            if not path.startswith(WEBHOOK_PREFIX):
                acknowledge(
                    route,
                    "AwsSolutions-APIG4",
                    "Public by design and reading no one's data: the health check, the console's static files "
                    "and sign-in configuration, and the OpenAPI document; the console's API calls carry a JWT.",
                )
                continue
            acknowledge(
                route,
                "AwsSolutions-APIG4",
                "Carriers cannot present IAM or JWT credentials; they sign each request and the API handler "
                "verifies that signature before anything is written (403 otherwise).",
            )

    def _consume(self, resource: cdk.CfnResource, fn: access.Function) -> None:
        """Point the function's SQS event at the queue created here and honour partial batch failures."""
        event = f"Properties.Events.{function_logical_id(fn.name)}SqsEventSource.Properties"
        resource.add_override(f"{event}.Queue", self.queues[fn.queue or ""].queue_arn)
        # The handlers return `batchItemFailures`; without this Lambda would delete the failed messages too.
        resource.add_override(f"{event}.FunctionResponseTypes", ["ReportBatchItemFailures"])

    def _follow_streams(self, resource: cdk.CfnResource, fn: access.Function) -> None:
        """One event source mapping per table stream the function reads, with the domain's event filters.

        Filtered-out changes neither invoke nor bill the function. A failed record is retried from
        where it failed (partial batch responses, halving the batch), then skipped: it is still
        `pending_archive`, so the scheduled reconciliation archives it.
        """
        from chalicelib.archive.changes import BATCH_SIZE, RETRY_ATTEMPTS, TRIGGERS

        for table in fn.streams:
            _, _, patterns = TRIGGERS[table]
            lambda_.CfnEventSourceMapping(
                self,
                f"{function_logical_id(fn.name)}{to_cfn_resource_name(table)}Stream",
                function_name=resource.ref,
                event_source_arn=self.tables[table].attr_stream_arn,
                starting_position="TRIM_HORIZON",
                batch_size=BATCH_SIZE,
                bisect_batch_on_function_error=True,
                maximum_retry_attempts=RETRY_ATTEMPTS,
                maximum_record_age_in_seconds=3600,
                function_response_types=["ReportBatchItemFailures"],
                filter_criteria=lambda_.CfnEventSourceMapping.FilterCriteriaProperty(
                    filters=[lambda_.CfnEventSourceMapping.FilterProperty(pattern=json.dumps(p)) for p in patterns]
                ),
            )

    # --- state machines ------------------------------------------------------------------------

    def _state_machines(self) -> dict[str, sfn.StateMachine]:
        machines = {}
        for name in definitions.names():
            functions = {
                fn: self.chalice.get_function(function_logical_id(fn)) for fn in sorted(definitions.functions(name))
            }
            body = definitions.render(
                name, {f"{definitions.FUNCTION_PREFIX}{fn}": f.function_arn for fn, f in functions.items()}
            )
            log_group = logs.LogGroup(
                self,
                f"{to_cfn_resource_name(name)}Logs",
                log_group_name=f"/aws/vendedlogs/states/{self.settings.state_machine_name(name)}",
                retention=logs.RetentionDays.ONE_YEAR,
                removal_policy=cdk.RemovalPolicy.RETAIN,
            )
            machine = sfn.StateMachine(
                self,
                f"{to_cfn_resource_name(name)}StateMachine",
                state_machine_name=self.settings.state_machine_name(name),
                definition_body=sfn.DefinitionBody.from_string(body),
                # Execution data would carry phone numbers and message text: log events, not payloads.
                logs=sfn.LogOptions(destination=log_group, level=sfn.LogLevel.ALL, include_execution_data=False),
                tracing_enabled=True,
            )
            for f in functions.values():
                machine.add_to_role_policy(
                    iam.PolicyStatement(actions=["lambda:InvokeFunction"], resources=[f.function_arn])
                )
            acknowledge(
                machine,
                "AwsSolutions-IAM5[Resource::*]",
                "Step Functions log delivery and X-Ray APIs support no resource-level permissions.",
            )
            machines[name] = machine
        return machines

    # --- alarms --------------------------------------------------------------------------------

    def _alarms(self) -> sns.Topic:
        topic = sns.Topic(
            self, "Alarms", topic_name=f"{APP_NAME}-{self.stage}-alarms", master_key=self.data_key, enforce_ssl=True
        )
        self.data_key.add_to_resource_policy(
            iam.PolicyStatement(
                actions=["kms:Decrypt", "kms:GenerateDataKey"],
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                resources=["*"],
            )
        )
        action = cw_actions.SnsAction(topic)

        def alarm(construct_id: str, metric: cloudwatch.IMetric, threshold: float, description: str) -> None:
            cloudwatch.Alarm(
                self,
                construct_id,
                metric=metric,
                threshold=threshold,
                evaluation_periods=1,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
                alarm_description=description,
            ).add_alarm_action(action)

        five_minutes = cdk.Duration.minutes(5)
        for logical, dlq in self.dead_letter_queues.items():
            alarm(
                f"{logical.title()}DeadLettersAlarm",
                dlq.metric_approximate_number_of_messages_visible(period=five_minutes, statistic="Maximum"),
                1,
                f"Messages gave up on the {logical} queue after {DEAD_LETTER_AFTER} tries and wait in its DLQ.",
            )
        for name, machine in self.state_machines.items():
            alarm(
                f"{to_cfn_resource_name(name)}FailedAlarm",
                machine.metric_failed(period=five_minutes, statistic="Sum"),
                1,
                f"A {name} execution failed.",
            )
        alarm(
            "Api5xxAlarm",
            cloudwatch.Metric(
                namespace="AWS/ApiGateway",
                metric_name="5XXError",
                dimensions_map={"ApiName": APP_NAME, "Stage": API_STAGE},
                period=five_minutes,
                statistic="Sum",
            ),
            1,
            "Chalice's REST API answered 5xx (Keepline's traffic goes to the HTTP API; older carrier numbers may not).",
        )
        alarm(
            "HttpApi5xxAlarm",
            self.http_api.metric_server_error(period=five_minutes, statistic="Sum"),
            1,
            "The HTTP API (console, API and carrier webhooks) answered 5xx.",
        )
        for fn in self.functions:
            if fn.kind == "stream":
                alarm(
                    f"{function_logical_id(fn.name)}LagAlarm",
                    cloudwatch.Metric(
                        namespace="AWS/Lambda",
                        metric_name="IteratorAge",
                        dimensions_map={"FunctionName": self.function_name(fn.name)},
                        period=five_minutes,
                        statistic="Maximum",
                    ),
                    ARCHIVE_LAG_SECONDS * 1000,  # milliseconds
                    "A change waiting in a table's stream for the archiver is older than 15 minutes.",
                )
        alarm(
            "ArchiveLagAlarm",
            self.queues["archive"].metric_approximate_age_of_oldest_message(period=five_minutes, statistic="Maximum"),
            ARCHIVE_LAG_SECONDS,
            "The oldest record waiting to be archived is older than 15 minutes.",
        )
        return topic


def api_routes(app: Any) -> list[tuple[str, str, bool]]:
    """(path, method, authenticated) of every Chalice route; authenticated when it names an authorizer.

    HTTP API paths use Chalice's `{name}` syntax for path parameters (Chalice has no greedy ones)."""
    return sorted(
        (path, method, entry.authorizer is not None)
        for path, methods in app.routes.items()
        for method, entry in methods.items()
    )


@jsii.implements(apigwv2.IAccessLogSettings)
class _AccessLogs:
    """`IAccessLogSettings` is an interface, not a struct, so Python needs a class to pass one."""

    def __init__(self, destination: apigwv2.IAccessLogDestination, log_format: apigateway.AccessLogFormat) -> None:
        self._destination = destination
        self._format = log_format

    @property
    def destination(self) -> apigwv2.IAccessLogDestination:
        return self._destination

    @property
    def format(self) -> apigateway.AccessLogFormat:
        return self._format


def _key_schema(schema: list[dict[str, str]]) -> list[dynamodb.CfnTable.KeySchemaProperty]:
    ordered = sorted(schema, key=lambda k: k["KeyType"] != "HASH")  # HASH first, then RANGE
    return [
        dynamodb.CfnTable.KeySchemaProperty(attribute_name=k["AttributeName"], key_type=k["KeyType"]) for k in ordered
    ]


def _nag_text(value: Any) -> str:
    """A resolved CloudFormation value as cdk-nag spells it in a finding id (`<AWS::Region>`, `<Bucket.Arn>`)."""
    if isinstance(value, str):
        return value
    if "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return separator.join(_nag_text(part) for part in parts)
    if "Ref" in value:
        return f"<{value['Ref']}>"
    if "Fn::GetAtt" in value:
        return "<{}.{}>".format(*value["Fn::GetAtt"])
    raise ValueError(f"cannot spell {value!r} as cdk-nag does")
