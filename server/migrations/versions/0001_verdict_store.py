"""The verdict store: verdicts, calibrations, the audit log, and the moderator-hash key.

Revision ID: 0001
Revises:
Create Date: 2026-12-01
"""

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "verdicts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("community", sa.String(256), nullable=False),
        sa.Column("post_key", sa.String(64), nullable=False),
        sa.Column("attribute", sa.String(32), nullable=False),
        sa.Column("value", sa.SmallInteger(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("threshold", sa.Float(), nullable=False),
        sa.Column("model", sa.String(160), nullable=False),
        sa.Column("moderator", sa.String(64), nullable=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("features", sa.LargeBinary(), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("parent_text", sa.Text(), nullable=True),
        sa.Column("title", sa.Text(), nullable=True),
    )
    op.create_index("ix_verdicts_community_attribute", "verdicts", ["community", "attribute"])
    op.create_table(
        "calibrations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("community", sa.String(256), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("model", sa.String(160), nullable=False),
        sa.Column("verdicts", sa.Integer(), nullable=False),
        sa.Column("attributes", sa.JSON(), nullable=False),
        sa.Column("report", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_calibrations_community_version", "calibrations", ["community", "version"], unique=True)
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("community", sa.String(256), nullable=True),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_audit_log_community", "audit_log", ["community"])
    settings = op.create_table(
        "store_settings",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text(), nullable=False),
    )
    # The key of the moderators' hashes is made once, here, so that every server sharing
    # this database hashes a moderator the same way and nobody without the database can.
    op.bulk_insert(settings, [{"name": "moderator_key", "value": secrets.token_hex(32)}])


def downgrade():
    op.drop_table("store_settings")
    op.drop_index("ix_audit_log_community", table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_index("ix_calibrations_community_version", table_name="calibrations")
    op.drop_table("calibrations")
    op.drop_index("ix_verdicts_community_attribute", table_name="verdicts")
    op.drop_table("verdicts")
