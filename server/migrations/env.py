"""Alembic's environment for the verdict store: the app's engine and its tables' metadata.

Flask-Migrate runs this inside the app (`flask --app server db upgrade`), so the database
is the one the app is configured with. Logging is left as the app set it up: Alembic's
usual `fileConfig` would silence every logger created before it.
"""

from alembic import context
from flask import current_app

migrate = current_app.extensions["migrate"]
config = context.config
config.set_main_option("sqlalchemy.url", migrate.db.engine.url.render_as_string(hide_password=False).replace("%", "%%"))


def run_migrations_offline():
    """Write the SQL to stdout (`flask db upgrade --sql`) for an operator who applies it by hand."""
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=migrate.db.metadata,
                      literal_binds=True, **migrate.configure_args)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    def skip_empty(context, revision, directives):
        # `flask db migrate` with no model change writes no empty revision.
        if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
            directives[:] = []

    args = dict(migrate.configure_args)
    args.setdefault("process_revision_directives", skip_empty)
    with migrate.db.engine.connect() as connection:
        context.configure(connection=connection, target_metadata=migrate.db.metadata, **args)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
