import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

# this is the Alembic Config object, which provides
# access to the values within the .ini file in use.
config = context.config

# Interpret the config file for Python logging, leaving the loggers that exist alone: by default fileConfig
# disables every logger not named in alembic.ini, so a migration run in-process (`flask db upgrade` inside an app,
# the test suite) silenced the portal's own loggers, "portal.errors" among them, for the rest of the process.
fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger('alembic.env')


def get_engine():
    try:
        # this works with Flask-SQLAlchemy<3 and Alchemical
        return current_app.extensions['migrate'].db.engine
    except (TypeError, AttributeError):
        # this works with Flask-SQLAlchemy>=3
        return current_app.extensions['migrate'].db.engine


def get_engine_url():
    try:
        return get_engine().url.render_as_string(hide_password=False).replace(
            '%', '%%')
    except AttributeError:
        return str(get_engine().url).replace('%', '%%')


# add your model's MetaData object here
# for 'autogenerate' support
# from myapp import mymodel
# target_metadata = mymodel.Base.metadata
config.set_main_option('sqlalchemy.url', get_engine_url())
target_db = current_app.extensions['migrate'].db

# other values from the config, defined by the needs of env.py,
# can be acquired:
# my_important_option = config.get_main_option("my_important_option")
# ... etc.


def get_metadata():
    if hasattr(target_db, 'metadatas'):
        return target_db.metadatas[None]
    return target_db.metadata


def render_item(type_, obj, autogen_context):
    """Render the portal's UTCDateTime as a plain DateTime, so migrations never import the app."""
    from portal.database import UTCDateTime

    if type_ == 'type' and isinstance(obj, UTCDateTime):
        return 'sa.DateTime()'
    return False


def run_migrations_offline():
    """Run migrations in 'offline' mode.

    This configures the context with just a URL
    and not an Engine, though an Engine is acceptable
    here as well.  By skipping the Engine creation
    we don't even need a DBAPI to be available.

    Calls to context.execute() here emit the given string to the
    script output.

    """
    url = config.get_main_option("sqlalchemy.url")
    context.configure(
        url=url, target_metadata=get_metadata(), literal_binds=True
    )

    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    """Run migrations in 'online' mode.

    In this scenario we need to create an Engine
    and associate a connection with the context.

    """

    # this callback is used to prevent an auto-migration from being generated
    # when there are no changes to the schema
    # reference: http://alembic.zzzcomputing.com/en/latest/cookbook.html
    def process_revision_directives(context, revision, directives):
        if getattr(config.cmd_opts, 'autogenerate', False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info('No changes in schema detected.')

    conf_args = current_app.extensions['migrate'].configure_args
    conf_args.setdefault('render_item', render_item)
    conf_args.setdefault('compare_type', True)
    if conf_args.get("process_revision_directives") is None:
        conf_args["process_revision_directives"] = process_revision_directives

    connectable = get_engine()

    with connectable.connect() as connection:
        sqlite = connection.dialect.name == 'sqlite'
        if sqlite:
            # Batch mode on SQLite rebuilds a table (create copy, drop old, rename); with foreign keys on, dropping
            # a referenced table would cascade or fail. The pragma is ignored inside a transaction, so set it first.
            connection.exec_driver_sql('PRAGMA foreign_keys = OFF')
            connection.commit()
        try:
            context.configure(
                connection=connection,
                target_metadata=get_metadata(),
                **conf_args
            )

            with context.begin_transaction():
                context.run_migrations()
            if sqlite:
                _fail_on_dangling_foreign_keys(connection)
        finally:
            if sqlite:
                connection.rollback()
                # The connection goes back to the pool: leave it enforcing, as portal.database configured it.
                connection.exec_driver_sql('PRAGMA foreign_keys = ON')
                connection.commit()


def _fail_on_dangling_foreign_keys(connection):
    """Foreign keys were off while migrating SQLite: a migration that left rows pointing nowhere fails loudly."""
    dangling = connection.exec_driver_sql('PRAGMA foreign_key_check').fetchall()
    if dangling:
        shown = ', '.join(f'{table} rowid {rowid} -> {parent}' for table, rowid, parent, _ in dangling[:10])
        raise RuntimeError(f'migration left {len(dangling)} rows with dangling foreign keys: {shown}')


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
