"""Sources, ideas, member questions, word lists, revisions, review history and settings."""

import sqlalchemy as sa
from alembic import op
from servicekit import migration_steps as steps

revision: str = "219488c61f1c"
down_revision: str | None = "ac418fc5e576"


def upgrade() -> None:
    op.create_table(
        "ideas",
        steps.id_column(),
        steps.workspace_id_column(36),
        sa.Column("origin", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("link", sa.String(length=2000), nullable=True),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("source_id", sa.String(length=36), nullable=True),
        sa.Column("entry_key", sa.String(length=2000), nullable=True),
        sa.Column("url_key", sa.String(length=2000), nullable=True),
        sa.Column("need_key", sa.String(length=100), nullable=True),
        sa.Column("terms", sa.JSON(), nullable=False),
        sa.Column("asker_ids", sa.JSON(), nullable=False),
        sa.Column("asker_count", sa.Integer(), nullable=False),
        sa.Column("sample_questions", sa.JSON(), nullable=False),
        sa.Column("post_id", sa.String(length=36), nullable=True),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=True),
        steps.created_at_column(),
        steps.updated_at_column(),
        steps.primary_key("ideas", "id"),
        steps.unique("ideas", "workspace_id", "entry_key"),
        steps.unique("ideas", "workspace_id", "need_key"),
        steps.unique("ideas", "workspace_id", "url_key"),
    )
    steps.create_indexes(
        "ideas",
        {
            "ix_ideas_workspace_id_created_at_id": ["workspace_id", "created_at", "id"],
            "ix_ideas_workspace_id_seen_at": ["workspace_id", "seen_at"],
        },
    )

    op.create_table(
        "member_questions",
        sa.Column("interaction_id", sa.String(length=64), nullable=False),
        steps.workspace_id_column(36),
        sa.Column("member_id", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("keywords", sa.JSON(), nullable=False),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        steps.primary_key("member_questions", "interaction_id"),
    )
    steps.create_indexes(
        "member_questions",
        {"ix_member_questions_workspace_id_asked_at": ["workspace_id", "asked_at"]},
    )

    op.create_table(
        "review_settings",
        steps.workspace_id_column(36),
        sa.Column("require_review", sa.Boolean(), nullable=False),
        sa.Column("owners_may_skip_review", sa.Boolean(), nullable=False),
        sa.Column("allow_self_approval", sa.Boolean(), nullable=False),
        steps.updated_at_column(),
        sa.Column("updated_by", sa.String(length=36), nullable=False),
        steps.primary_key("review_settings", "workspace_id"),
    )
    op.create_table(
        "sources",
        steps.id_column(),
        steps.workspace_id_column(36),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("interval_minutes", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("etag", sa.String(length=500), nullable=True),
        sa.Column("last_modified", sa.String(length=100), nullable=True),
        sa.Column("next_fetch_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_fetched_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_success_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("failure_count", sa.Integer(), nullable=False),
        sa.Column("ideas_created", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=False),
        steps.created_at_column(),
        steps.updated_at_column(),
        steps.primary_key("sources", "id"),
    )
    steps.create_indexes(
        "sources",
        {
            "ix_sources_enabled_next_fetch_at": ["enabled", "next_fetch_at"],
            "ix_sources_workspace_id_created_at_id": ["workspace_id", "created_at", "id"],
        },
    )

    op.create_table(
        "wordlists",
        steps.id_column(),
        steps.workspace_id_column(36),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("words", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        steps.created_at_column(),
        steps.updated_at_column(),
        steps.primary_key("wordlists", "id"),
    )
    steps.create_indexes(
        "wordlists",
        {"ix_wordlists_workspace_id_created_at_id": ["workspace_id", "created_at", "id"]},
    )

    op.create_table(
        "post_revisions",
        steps.id_column(),
        sa.Column("post_id", sa.String(length=36), nullable=False),
        steps.workspace_id_column(36),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body_markdown", sa.Text(), nullable=False),
        sa.Column("summary", sa.String(length=500), nullable=True),
        sa.Column("cover_url", sa.String(length=2000), nullable=True),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("keywords", sa.JSON(), nullable=False),
        sa.Column("editor_id", sa.String(length=36), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=True),
        steps.created_at_column(),
        steps.cascade_foreign_key("post_revisions", "post_id", "posts"),
        steps.primary_key("post_revisions", "id"),
        steps.unique("post_revisions", "post_id", "version"),
    )
    op.create_table(
        "post_transitions",
        steps.id_column(),
        sa.Column("post_id", sa.String(length=36), nullable=False),
        steps.workspace_id_column(36),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("from_status", sa.String(length=20), nullable=False),
        sa.Column("to_status", sa.String(length=20), nullable=False),
        sa.Column("actor_id", sa.String(length=36), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        steps.cascade_foreign_key("post_transitions", "post_id", "posts"),
        steps.primary_key("post_transitions", "id"),
    )
    steps.create_indexes("post_transitions", {"ix_post_transitions_post_id": ["post_id"]})

    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("idea_id", sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column("scheduled_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column(
                "scheduled_channel_ids", sa.JSON(), nullable=False, server_default=sa.text("'[]'")
            )
        )
        batch_op.add_column(sa.Column("perf_totals", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("perf_reads", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("perf_engagement", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("perf_verdict", sa.String(length=50), nullable=True))
        batch_op.add_column(
            sa.Column("perf_rank", sa.BigInteger(), nullable=False, server_default=sa.text("-1"))
        )
        batch_op.add_column(sa.Column("perf_period_end", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(
            "ix_posts_status_scheduled_at", ["status", "scheduled_at"], unique=False
        )
        batch_op.create_index(
            "ix_posts_workspace_id_perf_rank_id", ["workspace_id", "perf_rank", "id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.drop_index("ix_posts_workspace_id_perf_rank_id")
        batch_op.drop_index("ix_posts_status_scheduled_at")
        batch_op.drop_column("perf_period_end")
        batch_op.drop_column("perf_rank")
        batch_op.drop_column("perf_verdict")
        batch_op.drop_column("perf_engagement")
        batch_op.drop_column("perf_reads")
        batch_op.drop_column("perf_totals")
        batch_op.drop_column("scheduled_channel_ids")
        batch_op.drop_column("scheduled_at")
        batch_op.drop_column("idea_id")

    steps.drop_indexes("post_transitions", ["ix_post_transitions_post_id"])

    op.drop_table("post_transitions")
    op.drop_table("post_revisions")
    steps.drop_indexes("wordlists", ["ix_wordlists_workspace_id_created_at_id"])

    op.drop_table("wordlists")
    steps.drop_indexes(
        "sources", ["ix_sources_workspace_id_created_at_id", "ix_sources_enabled_next_fetch_at"]
    )

    op.drop_table("sources")
    op.drop_table("review_settings")
    steps.drop_indexes("member_questions", ["ix_member_questions_workspace_id_asked_at"])

    op.drop_table("member_questions")
    steps.drop_indexes(
        "ideas", ["ix_ideas_workspace_id_seen_at", "ix_ideas_workspace_id_created_at_id"]
    )

    op.drop_table("ideas")
