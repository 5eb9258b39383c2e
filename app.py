"""Keepline's Chalice app: it only creates the app and registers the blueprints."""

from chalice import Chalice, ConvertToMiddleware

from chalicelib.api import console as console_api
from chalicelib.api import health, me
from chalicelib.api.routing import auth_blueprint
from chalicelib.observability import logger
from chalicelib.workflows import offboarding_tasks

app = Chalice(app_name="keepline")
app.register_middleware(ConvertToMiddleware(logger.inject_lambda_context))

for blueprint in (auth_blueprint, health.bp, me.bp, offboarding_tasks.bp):
    app.register_blueprint(blueprint)
app.register_blueprint(console_api.bp)  # the web console: GET / and /console/{asset}
