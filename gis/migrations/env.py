"""Alembic environment: the URL comes from gis.db (never from an ini file)."""

from alembic import context
from sqlalchemy import create_engine

url = context.config.attributes.get("url")
if url is None:
    from gis.db import database_url

    url = database_url()

connectable = create_engine(url)
with connectable.connect() as connection:
    context.configure(connection=connection, transaction_per_migration=True)
    with context.begin_transaction():
        context.run_migrations()
connectable.dispose()
