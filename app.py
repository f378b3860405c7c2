"""cho40's application factory: configuration, extensions, blueprints and CLI groups."""
from __future__ import annotations

import functools
import inspect
from pathlib import Path

from flask import Flask, has_request_context, session

import config as config_module
import security_headers
from cookie_session import CookieSessionInterface
from db import babel, compress, csrf, db, end_request_session, login_manager, migrate


class Cho40Flask(Flask):
    """Flask, remembering which functions are coroutine functions. Flask asks inspect before it
    calls any view, hook or decorator layer (flask-smorest's and Flask-Limiter's too: about 20
    times a request, each unwrapping the function), and the answer is a flag of the function's
    code object, which never changes; code objects are few, so the answers kept are too."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._coroutine_code: dict = {}

    def ensure_sync(self, func):
        target = func
        while isinstance(target, functools.partial):
            target = target.func
        code = getattr(getattr(target, "__func__", target), "__code__", None)
        if code is None:
            return super().ensure_sync(func)
        coroutine = self._coroutine_code.get(code)
        if coroutine is None:
            coroutine = self._coroutine_code[code] = inspect.iscoroutinefunction(func)
        return self.async_to_sync(func) if coroutine else func


def create_app(config: dict | None = None) -> Flask:
    app = Cho40Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(config_module.load_config(Path(app.instance_path), config))
    app.session_interface = CookieSessionInterface()

    # Importing the models registers every table on db.metadata (Alembic compares against it).
    import accounts.models  # noqa: F401
    import audit.models  # noqa: F401
    import catalog_export.models  # noqa: F401
    import jobs.models  # noqa: F401
    import market.models  # noqa: F401
    import qr.models  # noqa: F401
    import vendors.models  # noqa: F401

    db.init_app(app)
    app.teardown_appcontext(end_request_session)
    migrate.init_app(app, db, directory=str(Path(__file__).parent / "migrations"))
    csrf.init_app(app)
    compress.init_app(app)
    babel.init_app(
        app,
        locale_selector=_select_locale,
        default_translation_directories=str(Path(__file__).parent / "translations"),
    )
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = None
    from rate_limits import init_app as init_rate_limits

    init_rate_limits(app)

    from input_hygiene import init_app as init_input_hygiene

    # Before the blueprints: their <int:...> routes take its converter (ids past MAX_ID: 404).
    init_input_hygiene(app)

    from accounts.routes import bp as accounts_bp
    from audit.routes import bp as audit_bp
    from catalog_export.export_routes import bp as catalog_exports_bp
    from catalog_export.readiness_routes import bp as catalog_readiness_bp
    from catalog_export.routes import bp as catalog_bp
    from errors import register_error_handlers
    from health import bp as health_bp
    from market.dashboard_routes import bp as stats_bp
    from market.routes import bp as market_bp
    from qr.routes import bp as qr_bp
    from site_files import bp as site_bp
    from ui import register_template_helpers
    from vendors.edit_routes import bp as vendor_edits_bp
    from vendors.import_routes import bp as vendor_import_bp
    from vendors.routes import bp as vendors_bp

    for blueprint in (accounts_bp, market_bp, vendors_bp, vendor_import_bp, qr_bp, catalog_bp,
                      catalog_readiness_bp, catalog_exports_bp, stats_bp, vendor_edits_bp,
                      site_bp, audit_bp, health_bp):
        app.register_blueprint(blueprint)

    # The JSON API under /api/v1, its OpenAPI document at /api/openapi.json, docs at /api/docs.
    from api import api
    from catalog_export.api import blp as catalog_api
    from catalog_export.export_api import blp as catalog_exports_api
    from market.api import blp as market_api
    from market.stats_api import blp as stats_api
    from vendors.api import blp as vendors_api

    api.init_app(app)
    for blueprint in (market_api, vendors_api, catalog_api, catalog_exports_api, stats_api):
        api.register_blueprint(blueprint)
    register_error_handlers(app)
    register_template_helpers(app)
    security_headers.init_app(app)

    # The kinds of job there are: one line per kind, its name stored in Job.kind.
    from catalog_export.tasks import run_catalog_export_job
    from jobs.runner import init_app as init_jobs
    from market.report import REPORT_JOB, run_report_job
    from qr.tasks import run_placards_job
    from vendors.import_jobs import CHECK_JOB, COMMIT_JOB, run_check_job, run_commit_job

    init_jobs(app, {
        "placards": run_placards_job,
        "catalog_export": run_catalog_export_job,
        REPORT_JOB: run_report_job,
        CHECK_JOB: run_check_job,
        COMMIT_JOB: run_commit_job,
    })

    from accounts.cli import users_cli
    from catalog_export.cli import catalog_cli
    from catalog_export.export_cli import export_command
    from demo.cli import demo_cli
    from i18n import translations_cli
    from jobs.cli import jobs_cli
    from market.cli import units_cli
    from market.stats_cli import stats_cli
    from qr.cli import banks_cli, placards_cli, qr_cli
    from vendors.cli import vendors_cli

    for group in (users_cli, demo_cli, units_cli, banks_cli, qr_cli, placards_cli, vendors_cli,
                  catalog_cli, translations_cli, stats_cli, jobs_cli):
        app.cli.add_command(group)
    catalog_cli.add_command(export_command)
    return app


def _select_locale() -> str:
    # Vietnamese unless the person chose English with the switch in the page footer; a job or a
    # command (no request) says which with flask_babel.force_locale.
    return "en" if has_request_context() and session.get("lang") == "en" else "vi"
