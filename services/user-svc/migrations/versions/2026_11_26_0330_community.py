"""community"""

import sqlalchemy as sa
from alembic import op
from servicekit import migration_steps as steps

revision: str = "71845f52251b"
down_revision: str | None = "fed11888c8b1"


def upgrade() -> None:
    op.create_table(
        "communities",
        steps.id_column(),
        steps.workspace_id_column(64),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        steps.created_at_column(),
        steps.updated_at_column(),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        steps.primary_key("communities", "id"),
    )
    steps.create_indexes(
        "communities", {"ix_communities_workspace_id_created_at": ["workspace_id", "created_at"]}
    )

    op.create_table(
        "members",
        steps.id_column(),
        steps.workspace_id_column(64),
        sa.Column("display_name", sa.String(length=200), nullable=True),
        sa.Column("attributes", sa.JSON(), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("engagement_raw", sa.Float(), nullable=False),
        sa.Column("interaction_count", sa.Integer(), nullable=False),
        sa.Column("question_count", sa.Integer(), nullable=False),
        sa.Column("merged_into_id", sa.String(length=36), nullable=True),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True),
        steps.created_at_column(),
        steps.updated_at_column(),
        steps.primary_key("members", "id"),
    )
    steps.create_indexes(
        "members",
        {
            "ix_members_workspace_id_created_at": ["workspace_id", "created_at", "id"],
            "ix_members_workspace_id_engagement_raw": ["workspace_id", "engagement_raw"],
            "ix_members_workspace_id_last_seen_at": ["workspace_id", "last_seen_at"],
        },
    )

    op.create_table(
        "segments",
        steps.id_column(),
        steps.workspace_id_column(64),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("rules", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        steps.created_at_column(),
        steps.updated_at_column(),
        steps.primary_key("segments", "id"),
    )
    steps.create_indexes(
        "segments", {"ix_segments_workspace_id_created_at": ["workspace_id", "created_at"]}
    )

    op.create_table(
        "community_memberships",
        steps.id_column(),
        steps.workspace_id_column(64),
        sa.Column("community_id", sa.String(length=36), nullable=False),
        sa.Column("member_id", sa.String(length=36), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("left_at", sa.DateTime(timezone=True), nullable=True),
        steps.check_one_of("community_memberships", "role", ["owner", "admin", "member"]),
        steps.cascade_foreign_key("community_memberships", "community_id", "communities"),
        steps.cascade_foreign_key("community_memberships", "member_id", "members"),
        steps.primary_key("community_memberships", "id"),
    )
    steps.create_indexes(
        "community_memberships",
        {
            "ix_community_memberships_community_id_left_at": ["community_id", "left_at"],
            "ix_community_memberships_member_id": ["member_id"],
        },
    )

    op.create_table(
        "interactions",
        steps.id_column(),
        steps.workspace_id_column(64),
        sa.Column("member_id", sa.String(length=36), nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("post_id", sa.String(length=64), nullable=True),
        sa.Column("is_question", sa.Boolean(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        steps.created_at_column(),
        steps.check_one_of(
            "interactions",
            "kind",
            [
                "comment",
                "reply",
                "direct_message",
                "mention",
                "like",
                "share",
                "follow",
                "unfollow",
            ],
        ),
        steps.cascade_foreign_key("interactions", "member_id", "members"),
        steps.primary_key("interactions", "id"),
        steps.unique("interactions", "workspace_id", "platform", "external_id"),
    )
    steps.create_indexes(
        "interactions",
        {
            "ix_interactions_member_id_occurred_at": ["member_id", "occurred_at"],
            "ix_interactions_workspace_id_created_at": ["workspace_id", "created_at", "id"],
            "ix_interactions_workspace_id_post_id": ["workspace_id", "post_id", "member_id"],
        },
    )

    op.create_table(
        "member_identities",
        steps.id_column(),
        steps.workspace_id_column(64),
        sa.Column("member_id", sa.String(length=36), nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column("handle", sa.String(length=200), nullable=True),
        steps.created_at_column(),
        steps.cascade_foreign_key("member_identities", "member_id", "members"),
        steps.primary_key("member_identities", "id"),
        steps.unique("member_identities", "workspace_id", "platform", "external_id"),
    )
    steps.create_indexes(
        "member_identities",
        {
            "ix_member_identities_member_id": ["member_id"],
            "ix_member_identities_workspace_id_platform": ["workspace_id", "platform", "member_id"],
        },
    )

    op.create_table(
        "member_interests",
        sa.Column("member_id", sa.String(length=36), nullable=False),
        sa.Column("keyword", sa.String(length=64), nullable=False),
        steps.workspace_id_column(64),
        sa.Column("weight", sa.Float(), nullable=False),
        steps.cascade_foreign_key("member_interests", "member_id", "members"),
        steps.primary_key("member_interests", "member_id", "keyword"),
    )
    steps.create_indexes(
        "member_interests",
        {"ix_member_interests_workspace_id_keyword": ["workspace_id", "keyword", "member_id"]},
    )

    op.create_table(
        "member_tags",
        sa.Column("member_id", sa.String(length=36), nullable=False),
        sa.Column("tag", sa.String(length=64), nullable=False),
        steps.workspace_id_column(64),
        steps.cascade_foreign_key("member_tags", "member_id", "members"),
        steps.primary_key("member_tags", "member_id", "tag"),
    )
    steps.create_indexes(
        "member_tags", {"ix_member_tags_workspace_id_tag": ["workspace_id", "tag", "member_id"]}
    )

    op.create_table(
        "inbox_items",
        steps.id_column(),
        steps.workspace_id_column(64),
        sa.Column("interaction_id", sa.String(length=36), nullable=False),
        sa.Column("member_id", sa.String(length=36), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("waiting_since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("priority_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("assignee_id", sa.String(length=64), nullable=True),
        sa.Column("answer_text", sa.Text(), nullable=True),
        sa.Column("answered_by", sa.String(length=64), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(length=64), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        steps.created_at_column(),
        steps.updated_at_column(),
        steps.check_one_of("inbox_items", "reason", ["question", "direct_message"]),
        steps.check_one_of("inbox_items", "status", ["open", "answered", "closed"]),
        steps.cascade_foreign_key("inbox_items", "interaction_id", "interactions"),
        steps.cascade_foreign_key("inbox_items", "member_id", "members"),
        steps.primary_key("inbox_items", "id"),
        steps.unique("inbox_items", "interaction_id"),
    )
    steps.create_indexes(
        "inbox_items",
        {
            "ix_inbox_items_member_id": ["member_id"],
            "ix_inbox_items_workspace_id_status_priority": [
                "workspace_id",
                "status",
                "priority_at",
            ],
        },
    )


def downgrade() -> None:
    steps.drop_indexes(
        "inbox_items", ["ix_inbox_items_workspace_id_status_priority", "ix_inbox_items_member_id"]
    )

    op.drop_table("inbox_items")
    steps.drop_indexes("member_tags", ["ix_member_tags_workspace_id_tag"])

    op.drop_table("member_tags")
    steps.drop_indexes("member_interests", ["ix_member_interests_workspace_id_keyword"])

    op.drop_table("member_interests")
    steps.drop_indexes(
        "member_identities",
        ["ix_member_identities_workspace_id_platform", "ix_member_identities_member_id"],
    )

    op.drop_table("member_identities")
    steps.drop_indexes(
        "interactions",
        [
            "ix_interactions_workspace_id_post_id",
            "ix_interactions_workspace_id_created_at",
            "ix_interactions_member_id_occurred_at",
        ],
    )

    op.drop_table("interactions")
    steps.drop_indexes(
        "community_memberships",
        ["ix_community_memberships_member_id", "ix_community_memberships_community_id_left_at"],
    )

    op.drop_table("community_memberships")
    steps.drop_indexes("segments", ["ix_segments_workspace_id_created_at"])

    op.drop_table("segments")
    steps.drop_indexes(
        "members",
        [
            "ix_members_workspace_id_last_seen_at",
            "ix_members_workspace_id_engagement_raw",
            "ix_members_workspace_id_created_at",
        ],
    )

    op.drop_table("members")
    steps.drop_indexes("communities", ["ix_communities_workspace_id_created_at"])

    op.drop_table("communities")
