"""Redaction: each document's redaction map (never the original strings) and the sha256 of the
stored text, which differs from the sha256 of the text as read once personal data is replaced.

Revision ID: 0004
Revises: 0003
"""

import hashlib

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("redactions", sa.JSON, nullable=True))
        batch.add_column(sa.Column("text_sha256", sa.String(64), nullable=True))
    documents = sa.table("documents", sa.column("id", sa.Integer), sa.column("text", sa.Text),
                         sa.column("text_sha256", sa.String(64)))
    connection = op.get_bind()
    for document_id, text in connection.execute(sa.select(documents.c.id, documents.c.text)).all():
        connection.execute(documents.update().where(documents.c.id == document_id).values(
            text_sha256=hashlib.sha256(text.encode("utf-8")).hexdigest()))
    op.create_index("ix_documents_text_sha256", "documents", ["text_sha256"])


def downgrade() -> None:
    op.drop_index("ix_documents_text_sha256", "documents")
    with op.batch_alter_table("documents") as batch:
        batch.drop_column("text_sha256")
        batch.drop_column("redactions")
