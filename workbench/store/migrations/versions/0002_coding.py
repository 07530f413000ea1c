"""Codebook themes, machine suggestions, codings and document memos.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

NOW = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "themes",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("inclusion", sa.JSON, nullable=False),
        sa.Column("exclusion", sa.JSON, nullable=False),
        sa.Column("seeds", sa.JSON, nullable=False),
        sa.Column("examples", sa.JSON, nullable=False),
        sa.Column("colour", sa.String(16), nullable=False),
        sa.Column("parent_id", sa.String(64), sa.ForeignKey("themes.id"), nullable=True),
        sa.Column("codable", sa.Boolean, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("merged_into", sa.String(64), nullable=True),
        sa.Column("origin", sa.String(200), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("updated_at", NOW, nullable=False),
        sa.CheckConstraint("status IN ('active', 'retired', 'merged')", name="ck_themes_status"),
    )
    op.create_table(
        "suggestions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("batch", sa.String(64), nullable=False),
        sa.Column("excerpt_id", sa.Integer, sa.ForeignKey("excerpts.id"), nullable=False),
        sa.Column("theme_id", sa.String(64), sa.ForeignKey("themes.id"), nullable=False),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("evidence", sa.JSON, nullable=False),
        sa.Column("run_id", sa.String(100), nullable=True),
        sa.Column("created_at", NOW, nullable=False),
    )
    op.create_index("ix_suggestions_excerpt", "suggestions", ["excerpt_id"])
    op.create_index("ix_suggestions_batch", "suggestions", ["batch"])
    op.create_table(
        "codings",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("document_id", sa.Integer, sa.ForeignKey("documents.id"), nullable=False),
        sa.Column("excerpt_id", sa.Integer, sa.ForeignKey("excerpts.id"), nullable=True),
        sa.Column("start", sa.Integer, nullable=False),
        sa.Column("end", sa.Integer, nullable=False),
        sa.Column("theme_id", sa.String(64), sa.ForeignKey("themes.id"), nullable=False),
        sa.Column("coder", sa.String(200), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("score", sa.Float, nullable=True),
        sa.Column("memo", sa.Text, nullable=False),
        sa.Column("withdrawn", sa.Boolean, nullable=False),
        sa.Column("created_at", NOW, nullable=False),
        sa.Column("updated_at", NOW, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.CheckConstraint("status IN ('suggested', 'confirmed', 'rejected')", name="ck_codings_status"),
        sa.CheckConstraint('"start" >= 0 AND "end" > "start"', name="ck_codings_span"),
    )
    op.create_index("ix_codings_excerpt", "codings", ["excerpt_id"])
    op.create_index("ix_codings_coder", "codings", ["coder"])
    op.create_index("ix_codings_theme", "codings", ["theme_id"])
    op.create_table(
        "document_memos",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("document_id", sa.Integer, sa.ForeignKey("documents.id"), nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("created_at", NOW, nullable=False),
    )


def downgrade() -> None:
    for table in ("document_memos", "codings", "suggestions", "themes"):
        op.drop_table(table)
