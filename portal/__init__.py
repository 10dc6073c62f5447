"""FOA A-kasse trial portal: the Flask application factory."""
from __future__ import annotations

from flask import Flask
from werkzeug.routing import IntegerConverter

from portal.config import INSTANCE, ROOT, Config
from portal.template_i18n import LanguageEnvironment


class BoundedIntConverter(IntegerConverter):
    """`<int:id>` that never overflows the database's integer: a larger number becomes 0, which no row has, so the
    view answers 404 as for any unknown id (rejecting it in the router would give 405 where a path has one rule per
    method)."""

    DB_MAX = 2**31 - 1

    def to_python(self, value: str) -> int:
        number = super().to_python(value)
        return number if number <= self.DB_MAX else 0


class PortalFlask(Flask):
    """Flask, knowing which of the app's hooks and views are plain functions (issue 19): Flask asks
    `inspect.iscoroutinefunction` about each of the ~13 request hooks on every request, about a twelfth of an empty
    request's cost. The answer is taken once, when the app is built; anything registered later (or a callback of
    one request) is asked about as before."""

    _plain_functions: frozenset = frozenset()
    jinja_environment = LanguageEnvironment  # templates compiled once per language (portal.template_i18n)

    def ensure_sync(self, func):
        try:
            if func in self._plain_functions:
                return func
        except TypeError:  # an unhashable callable
            pass
        return super().ensure_sync(func)

    def remember_plain_functions(self) -> None:
        funcs = [*self.view_functions.values(), *self.teardown_appcontext_funcs]
        for registry in (self.before_request_funcs, self.after_request_funcs, self.teardown_request_funcs,
                         self.url_value_preprocessors, self.url_default_functions):
            for registered in registry.values():
                funcs.extend(registered)
        self._plain_functions = frozenset(f for f in funcs if Flask.ensure_sync(self, f) is f)


def create_app(config: dict | None = None) -> Flask:
    """Build the app: settings, extensions, blueprints, CLI, error handlers."""
    app = PortalFlask(
        __name__,
        instance_path=str(INSTANCE),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.from_mapping(Config().as_dict())
    if config:
        app.config.update(config)
    app.url_map.converters["int"] = BoundedIntConverter
    # Explicit, because Flask-Limiter's init_app otherwise inherits "enabled" from the previous app in the process.
    app.config.setdefault("RATELIMIT_ENABLED", True)

    from portal import (
        db_connections,
        errors,
        form_once_web,
        i18n,
        json_bodies,
        logging_setup,
        pg_cursor,
        rate_limits,
        read_ahead,
        request_text,
        security,
        static_assets,
        template_urls,
        templating,
    )
    from portal.extensions import csrf, db, login_manager, migrate

    logging_setup.init_app(app)
    json_bodies.init_app(app)  # before the CSRF check and the rate limiter, which may read the body
    request_text.init_app(app)  # NUL refused on both databases, before any view reads the request
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {  # from the URL as the app will use it (tests set their own)
        **pg_cursor.engine_options(app.config["SQLALCHEMY_DATABASE_URI"]), **app.config["SQLALCHEMY_ENGINE_OPTIONS"]}
    db.init_app(app)
    db_connections.init_app(app)  # after db.init_app: its teardown must run before the session's close
    read_ahead.install()
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    security.check_csrf_only_where_it_applies(app)
    rate_limits.init_app(app)
    i18n.init_app(app)
    _init_login(app, login_manager)
    security.init_app(app)
    templating.init_app(app)
    template_urls.init_app(app)  # url_for in templates, each URL built once
    form_once_web.init_app(app)
    static_assets.init_app(app)
    errors.init_app(app)

    from portal.blueprints import register_blueprints
    from portal.cli import register_cli

    register_blueprints(app)
    register_cli(app)
    app.remember_plain_functions()
    return app


def _init_login(app: Flask, login_manager) -> None:
    from portal.auth.service import load_user
    from portal.extensions import db
    from portal.i18n import lazy_gettext as _l

    login_manager.init_app(app)
    # The portal never issues a remember-me cookie (every login_user() is without `remember`), so Flask-Login's
    # after-request hook that renews or clears one has nothing to do; it read the session on every response all the
    # same (≈ 10 µs of an anonymous request's ~140, and a Vary: Cookie on responses that depend on no cookie).
    app.after_request_funcs[None].remove(login_manager._update_remember_cookie)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Log ind for at se siden.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def _load(user_id: str):
        return load_user(db.session, user_id)

    @login_manager.unauthorized_handler
    def _unauthorized():
        from flask import flash, redirect, request, url_for
        from flask_babel import gettext

        from portal.auth.decorators import wants_json
        from portal.errors import problem

        if wants_json():
            return problem(401, gettext("Log ind først."))
        flash(str(login_manager.login_message), "info")
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
