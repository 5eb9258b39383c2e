"""Keepline's Chalice app: it only creates the app and registers the blueprints."""

from chalice import Chalice, ConvertToMiddleware

from chalicelib.api import audit, compliance, health, me, numbers, offboardings, openapi, people
from chalicelib.api import console as console_api
from chalicelib.api import threads as thread_routes
from chalicelib.api import webhooks as webhook_routes
from chalicelib.api.routing import auth_blueprint
from chalicelib.observability import logger, metrics
from chalicelib.workflows import archive_handlers, offboarding_tasks

app = Chalice(app_name="keepline")
app.register_middleware(ConvertToMiddleware(logger.inject_lambda_context))
# Every invocation publishes the metrics it added (EMF), which the stack's alarms and dashboards read.
app.register_middleware(ConvertToMiddleware(metrics.log_metrics))

for blueprint in (
    auth_blueprint,
    health.bp,
    me.bp,
    webhook_routes.bp,
    thread_routes.bp,
    compliance.bp,
    archive_handlers.bp,
    offboarding_tasks.bp,
    offboardings.bp,
    people.bp,
    numbers.bp,
    audit.bp,
    openapi.bp,
    console_api.bp,
):
    app.register_blueprint(blueprint)
