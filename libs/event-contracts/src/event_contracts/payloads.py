"""Version 1 payloads of the Mediaops topics (the `data` of the CloudEvent envelope).

Compatibility policy: changes to a version are additive only (a new optional field, a new
topic). Payload models therefore ignore unknown fields (``extra="ignore"``), so that a
consumer built against an older release of this package keeps accepting events from a newer
producer. Removing or renaming a field, or changing its type or meaning, is a breaking change
and needs a new topic version (``V2`` model, new topic registration).

Ids are strings (UUIDs for Mediaops' own resources, the platform's own format for external
ids); times are timezone-aware and normalised to UTC.
"""

from typing import Literal

from pydantic import Field

from event_contracts.base import Payload, UtcDatetime
from event_contracts.media import MediaReference


class ChannelPublishOptions(Payload):
    """How a post goes out on one channel: published (the default), or, on a WeChat
    official account, mass-sent (群发) to every follower or to one segment's synced tag."""

    mode: Literal["publish", "mass_send"] = "publish"
    segment_id: str | None = Field(
        default=None,
        description="mass_send only: the user-svc segment whose WeChat tag receives it; "
        "null sends to all followers.",
    )


class PostVariantV1(Payload):
    """The post as written for one channel: these fields replace the post's own there."""

    title: str
    summary: str | None = None
    body_markdown: str
    body_html: str
    tags: list[str]
    media: list[MediaReference] | None = Field(
        default=None,
        description="The channel's own media list, in its order; null: the post's `media`.",
    )


class PostPublishedV1(Payload):
    """A post was released (now or at its scheduled time) to a set of channels."""

    post_id: str
    workspace_id: str
    version: int
    title: str
    body_markdown: str
    body_html: str
    summary: str | None = None
    cover_url: str | None = None
    media: list[MediaReference] = Field(
        default_factory=list,
        description="The post's library media in its order (the first image is the cover "
        "where a platform takes one), each with a download URL signed when the event was "
        "emitted; empty for a post without media, or from a producer older than this field.",
    )
    tags: list[str]
    keywords: list[str]
    channel_ids: list[str]
    author_id: str
    published_at: UtcDatetime
    campaign_id: str | None = None
    channel_options: dict[str, ChannelPublishOptions] = Field(
        default_factory=dict,
        description="Per channel id, how the post goes out there; a channel not named is "
        "published as usual.",
    )
    variants: dict[str, PostVariantV1] = Field(
        default_factory=dict,
        description="Per channel id (one of `channel_ids`), the version of the post written "
        "for that channel; a channel not named gets the post's own title, summary, body, "
        "tags and media. Use `for_channel` rather than reading the top-level fields.",
    )
    send_at: dict[str, UtcDatetime] = Field(
        default_factory=dict,
        description="Per channel id (one of `channel_ids`), the moment before which the "
        "post must not go out there: the channel's own posting-queue slot, later than "
        "`published_at`. A channel not named goes out at once (within its posting "
        "windows); empty from a producer older than this field.",
    )
    occurrence: int = Field(
        default=0,
        ge=0,
        description="0 for the post's publication; n for the n-th occurrence of a recurring "
        "post, sent again to the same channels as a distribution set of its own.",
    )

    def for_channel(self, channel_id: str) -> "PostPublishedV1":
        """The post as it goes to `channel_id`: its variant's fields in place of the
        post's own, and no other channel's variant."""
        variant = self.variants.get(channel_id)
        # The fields as they are (models stay models); a variant without media of its own
        # keeps the post's.
        overrides = dict(variant) if variant is not None else {}
        if overrides.get("media") is None:
            overrides.pop("media", None)
        return self.model_copy(update={**overrides, "variants": {}})


class PostChannelRevisedV1(Payload):
    """A published post changed on one channel it has not gone out to yet (its variant
    there written, changed or removed while the channel waits for its posting-queue slot):
    the content replaces what that channel's distribution holds, if the distribution has
    not reached the platform by then (otherwise it is too late, and ignored)."""

    post_id: str
    workspace_id: str
    channel_id: str
    occurrence: int = Field(
        default=0, ge=0, description="The distribution set it changes (as `post.published`)."
    )
    content: PostVariantV1 = Field(
        description="The post as it now goes to the channel: its variant's fields where it "
        "has one, the post's own elsewhere; `media` always listed."
    )
    revised_at: UtcDatetime = Field(
        description="When it changed: a revision older than the one a distribution holds "
        "is ignored."
    )


class DistributionOutcome(Payload):
    """What both outcomes of one distribution (one post to one channel) name."""

    distribution_id: str
    post_id: str
    channel_id: str
    workspace_id: str
    platform: str


class DistributionSucceededV1(DistributionOutcome):
    """One post reached one channel; carries the platform's id and url of the copy."""

    external_id: str | None = None
    url: str | None = None
    attempts: int
    succeeded_at: UtcDatetime
    published_at: UtcDatetime | None = Field(
        default=None,
        description="When the copy went live on the platform, if that is not `succeeded_at`: "
        "the time an operator says they posted a manual copy by hand. Subscribers that date "
        "the copy use it when present, `succeeded_at` otherwise.",
    )


class FailureReason(Payload):
    """Why a distribution failed; `position` is a character offset in the body, if any."""

    code: str
    message: str
    position: int | None = None


class DistributionFailedV1(DistributionOutcome):
    """One post could not reach one channel."""

    reasons: list[FailureReason]
    attempts: int
    failed_at: UtcDatetime
    retryable: bool
    needs_reauth: bool = Field(
        default=False,
        description="The platform refused the channel's credentials: the channel needs new "
        "ones before this distribution (and its others) can go; false from older producers.",
    )


InteractionKind = Literal[
    "comment",
    "reply",
    "direct_message",
    "mention",
    "like",
    "share",
    "follow",
    "unfollow",
    "menu_click",
]


class InteractionReceivedV1(Payload):
    """A community member commented, messaged, mentioned, liked, shared or (un)followed."""

    interaction_id: str
    workspace_id: str
    member_id: str
    platform: str
    kind: InteractionKind
    text: str | None = None
    post_id: str | None = None
    external_id: str
    is_question: bool
    occurred_at: UtcDatetime
    sentiment: Literal["positive", "neutral", "negative"] | None = Field(
        default=None,
        description=(
            "The text's sentiment (textkit); null when there is no text, or from a producer "
            "older than this field"
        ),
    )


class MemberErasedV1(Payload):
    """A community member's personal data was erased on request (PIPL); subscribers that
    keep anything of theirs delete it.

    Carries only what finds the member's data: ids, never the data. `merged_member_ids` are
    the records merged into this member earlier; events of their interactions named those
    ids. Interaction ids are not listed: subscribers find a member's rows by member id, and
    a list that grows with everything the member ever did would not fit in one event.
    """

    member_id: str
    workspace_id: str
    merged_member_ids: list[str] = Field(default_factory=list)
    erased_at: UtcDatetime


METRICS: tuple[str, ...] = (
    "reads",
    "readers",
    "likes",
    "comments",
    "shares",
    "favorites",
    "clicks",
    "conversions",
    "followers",
    "follows_gained",
    "unfollows",
)
"""Our metric names: what a post's `totals` (`stats.ingested`) and a campaign's `goals`
(`campaign.changed`) are counted in. metrics-svc turns each platform's own names for its
figures into these (`metrics_svc.vocabulary`)."""


class PostTotals(Payload):
    """A post's running totals per metric after the batch (e.g. ``{"reads": 1200}``); the
    verdict is the benchmark's: underperforming, on_par or outperforming (None when there
    are too few comparable posts)."""

    post_id: str
    totals: dict[str, int]
    verdict: str | None = None


class StatsIngestedV1(Payload):
    """A batch of platform figures was stored.

    A batch that touched more posts (or channels) than one event holds is told in several
    events with the same `batch_id` and the same summary, each naming its share of the
    posts and channels (`chunk` of `chunks`): together they name each once. Count a batch
    once, by `batch_id`.
    """

    batch_id: str
    workspace_id: str
    points_received: int
    points_stored: int
    period_start: UtcDatetime
    period_end: UtcDatetime
    post_ids: list[str]
    channel_ids: list[str]
    post_totals: list[PostTotals]
    chunk: int = Field(
        default=1,
        ge=1,
        description="Which of the batch's events this is, from 1; the posts, channels and "
        "totals here are this event's share of the batch's.",
    )
    chunks: int = Field(default=1, ge=1, description="How many events tell this batch.")


class CollectedFigure(Payload):
    """One figure a platform gave for one of our posts (`post_id`) or for the channel's
    account (no `post_id`), in the platform's own metric name (e.g. `int_page_read_count`,
    `cumulate_user`). A running total at `observed_at` unless `daily`: then it is the
    figure of the one day that ends at `observed_at` (followers won that day)."""

    metric: str
    value: int = Field(ge=0)
    observed_at: UtcDatetime
    post_id: str | None = None
    external_id: str | None = Field(
        default=None, description="The platform's id of the post, as recorded at delivery."
    )
    daily: bool = False
    went_out_day_start: UtcDatetime | None = Field(
        default=None,
        description="The start of the platform's day on which the platform says the post "
        "went out (WeChat: the article's `ref_date`, a Beijing day), when it says so. A copy "
        "recorded as going out after that day (its success confirmed late) is dated to it.",
    )


class FiguresCollectedV1(Payload):
    """channel-svc pulled figures from a platform for one channel; metrics-svc stores them
    as `POST /stats` would. Keyed by post, channel, metric and `observed_at`, so that the
    same figures collected again change nothing.

    A collection too large for one event is told in several with the same
    `collection_id`, each carrying its share of the figures (`chunk` of `chunks`).
    """

    collection_id: str
    workspace_id: str
    channel_id: str
    platform: str = Field(description="Whose vocabulary the metric names are in (`wechat`).")
    source: str = Field(description="Where the figures come from (`wechat_datacube`).")
    collected_at: UtcDatetime
    figures: list[CollectedFigure]
    chunk: int = Field(default=1, ge=1)
    chunks: int = Field(default=1, ge=1)


class ChannelChangedV1(Payload):
    """A channel was created, changed or deleted (channel-svc tells content-svc)."""

    channel_id: str
    workspace_id: str
    platform: str
    name: str
    status: str
    deleted: bool
    changed_at: UtcDatetime


class ListedWord(Payload):
    """One word of a sensitive-word list and its category (e.g. ``"political"``)."""

    word: str
    category: str


class WordlistChangedV1(Payload):
    """A sensitive-word list was created, changed or deleted; carries the whole list."""

    wordlist_id: str
    workspace_id: str
    name: str
    deleted: bool
    words: list[ListedWord]
    changed_at: UtcDatetime


CampaignObjective = Literal["awareness", "followers", "engagement", "conversions"]
CampaignStatus = Literal["planned", "running", "finished"]


class CampaignChangedV1(Payload):
    """A campaign was created, changed or deleted; carries the whole campaign.

    `goals` maps our metric names (`reads`, `follows_gained`, `conversions`, ...) to the
    numbers the campaign aims for; `budget` is in `currency` (ISO 4217).
    """

    campaign_id: str
    workspace_id: str
    name: str
    objective: CampaignObjective
    goals: dict[str, float]
    starts_at: UtcDatetime
    ends_at: UtcDatetime
    channel_ids: list[str]
    post_ids: list[str]
    budget: float | None = None
    currency: str = "CNY"
    tags: list[str]
    owner_id: str | None = None
    status: CampaignStatus
    deleted: bool
    changed_at: UtcDatetime


class LinkCreatedV1(Payload):
    """A post's link was replaced by a tracked short link for one channel."""

    code: str
    workspace_id: str
    post_id: str
    channel_id: str
    platform: str
    campaign_id: str | None = None
    target_url: str
    created_at: UtcDatetime


class LinkClickedV1(Payload):
    """Someone followed a tracked link (recorded right after the redirect answered)."""

    click_id: str
    code: str
    workspace_id: str
    post_id: str
    channel_id: str
    platform: str
    campaign_id: str | None = None
    clicked_at: UtcDatetime


FollowerMessageType = Literal["text", "image", "voice", "click"]


class PlatformMessageReceivedV1(Payload):
    """A follower wrote to an official account (text, image, voice) or clicked its menu,
    as the platform pushed it to channel-svc's callback (channel-svc tells user-svc)."""

    message_id: str  # channel-svc's id of the received message
    workspace_id: str
    channel_id: str
    platform: str  # the members' platform: "wechat"
    openid: str  # the follower's id on that account
    msg_type: FollowerMessageType
    text: str | None = None  # the text, or a clicked menu item's key
    media_id: str | None = None  # images and voice: the platform's media id
    external_id: str  # the platform's id of the message (MsgId; clicks: openid:CreateTime)
    occurred_at: UtcDatetime


class PlatformFollowerChangedV1(Payload):
    """A follower subscribed to or unsubscribed from an official account (channel-svc
    tells user-svc; follower figures may count them too)."""

    event_id: str  # channel-svc's id of the received event
    workspace_id: str
    channel_id: str
    platform: str  # the members' platform: "wechat"
    openid: str
    followed: bool  # True: subscribed; False: unsubscribed
    # How they came: a QR code's scene (`qrscene_...` without the prefix), if any.
    scene: str | None = None
    external_id: str  # event:openid:CreateTime, unique per change
    occurred_at: UtcDatetime


class CollectedComment(Payload):
    """A reader's comment on one of our statuses, as the platform lists it."""

    external_id: str = Field(description="The platform's id of the comment (`idstr`).")
    status_id: str = Field(description="The platform's id of the status commented on.")
    post_id: str | None = Field(
        default=None, description="Our post that status is, when it was published by us."
    )
    author_id: str = Field(description="The reader's id on the platform (Weibo `uid`).")
    author_name: str | None = None  # the reader's screen name
    text: str
    reply_to_id: str | None = Field(
        default=None, description="The comment this one answers, when it is a reply."
    )
    occurred_at: UtcDatetime


class CommentsCollectedV1(Payload):
    """channel-svc pulled readers' comments on a channel's statuses from the platform
    (Weibo `comments/to_me`, newer than the last one pulled); user-svc records each as an
    interaction of the reader's member, idempotent by the comment's id, answerable from the
    inbox. A collection too large for one event is told in several (`chunk` of `chunks`)."""

    collection_id: str
    workspace_id: str
    channel_id: str
    platform: str = Field(description="The members' platform: `weibo`.")
    collected_at: UtcDatetime
    comments: list[CollectedComment]
    chunk: int = Field(default=1, ge=1)
    chunks: int = Field(default=1, ge=1)


class InboxAnswerRequestedV1(Payload):
    """An operator answered an inbox item: channel-svc sends the text to the member on the
    platform (WeChat: a customer-service message to the openid; Weibo: a reply to the
    comment), once per answer, and tells the outcome with `inbox.answer.settled`."""

    answer_id: str  # user-svc's id of the answer; channel-svc sends each at most once
    attempt: int = Field(ge=1)  # 1, then one more for each retry of a failed send
    workspace_id: str
    item_id: str  # the inbox item answered
    channel_id: str  # the channel the interaction came through (it holds the credentials)
    platform: str  # "wechat" or "weibo"
    recipient_id: str  # WeChat: the follower's openid; Weibo: the comment's id (cid)
    status_id: str | None = None  # Weibo: the id of the status the comment is on
    text: str = Field(min_length=1)
    requested_at: UtcDatetime


AnswerOutcome = Literal["sent", "failed"]


class InboxAnswerSettledV1(Payload):
    """channel-svc sent an inbox answer to the platform, or could not (with the reason an
    operator can act on); user-svc shows it on the answer."""

    answer_id: str
    attempt: int = Field(ge=1)
    workspace_id: str
    outcome: AnswerOutcome
    reason: str | None = None  # failed: why, in plain words (e.g. the 48-hour window closed)
    error_code: str | None = None  # failed: the platform's code, e.g. "45015"
    platform_message_id: str | None = None  # sent: the platform's id of the message, if any
    settled_at: UtcDatetime


SEGMENT_TAG_CHUNK = 500


class SegmentTagRequestedV1(Payload):
    """An operator asked for a segment to become a tag of a WeChat official account (for
    mass sends to it): one event per chunk of the segment's members who have an openid on
    that account. channel-svc creates the tag once per (channel, segment) and tags the
    members not tagged yet."""

    request_id: str  # one sync; its chunks share it
    workspace_id: str
    segment_id: str
    segment_name: str
    channel_id: str
    openids: list[str] = Field(max_length=SEGMENT_TAG_CHUNK)
    chunk: int = Field(ge=1)  # 1-based
    chunks: int = Field(ge=1)
    requested_at: UtcDatetime
