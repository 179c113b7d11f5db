"""Menu clicks are interactions of their own kind (`menu_click`), not direct messages: the
clicks recorded before as direct messages "[菜单] KEY" become clicks of KEY, and leave the
open inbox."""

from alembic import op

revision: str = "d1c4m3nu0001"
down_revision: str | None = "c9a4e2f10b31"

OLD_KINDS = ("comment", "reply", "direct_message", "mention", "like", "share", "follow", "unfollow")
NEW_KINDS = (*OLD_KINDS, "menu_click")
CLICK_PREFIX = "[菜单] "


def _kind_in(kinds: tuple[str, ...]) -> str:
    return "kind IN (" + ", ".join(f"'{kind}'" for kind in kinds) + ")"


def upgrade() -> None:
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_interactions_kind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_interactions_kind"), _kind_in(NEW_KINDS))
    op.execute(
        "UPDATE interactions SET kind = 'menu_click', "
        f"text = nullif(substr(text, {len(CLICK_PREFIX) + 1}), '') "
        "WHERE kind = 'direct_message' AND platform = 'wechat' "
        f"AND (text LIKE '{CLICK_PREFIX}%' OR text = '{CLICK_PREFIX.strip()}')"
    )
    # A click is no message to answer: its open inbox item goes.
    op.execute(
        "DELETE FROM inbox_items WHERE status = 'open' AND interaction_id IN "
        "(SELECT id FROM interactions WHERE kind = 'menu_click')"
    )


def downgrade() -> None:
    op.execute(
        f"UPDATE interactions SET kind = 'direct_message', text = '{CLICK_PREFIX}' || "
        "coalesce(text, '') WHERE kind = 'menu_click'"
    )
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_interactions_kind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_interactions_kind"), _kind_in(OLD_KINDS))
