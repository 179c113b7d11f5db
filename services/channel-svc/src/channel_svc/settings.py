"""channel-svc settings (`CHANNEL_` prefix), validated at start."""

from __future__ import annotations

from typing import ClassVar

from cryptography.fernet import Fernet
from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict
from servicekit.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CHANNEL_")

    service_name: ClassVar[str] = "channel-svc"
    database_name: ClassVar[str] = "channel"

    port: int = 8102
    # Fernet key(s) that encrypt channel secrets at rest. Several keys, comma-separated,
    # allow a rotation: the first encrypts, all of them decrypt. Empty in development and
    # test: a key is generated once under the data dir (see `crypto.load_cipher`).
    credentials_key: str = Field(default="", repr=False)
    webhook_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    delivery_max_attempts: int = Field(default=5, ge=1, le=50)
    delivery_backoff_seconds: float = Field(default=1.0, ge=0)
    delivery_backoff_max_seconds: float = Field(default=3600.0, ge=0)
    delivery_poll_seconds: float = Field(default=1.0, gt=0)
    # Distributions sent side by side by one worker (one slow receiver does not hold up others).
    delivery_concurrency: int = Field(default=8, ge=1, le=100)
    # A claimed distribution is the worker's for this long, renewed every third of it while
    # the worker lives; after a kill, another replica (or the restarted one) takes it back
    # once it runs out. A clean stop hands its rows back at once.
    delivery_lease_seconds: float = Field(default=60.0, ge=1)
    # An inbox answer meeting a busy platform is asked again within its consumer's
    # transaction (which holds its partition meanwhile): this many tries at most, waiting
    # as deliveries do (doubling, jittered) up to the maximum between two.
    answer_max_tries: int = Field(default=4, ge=1, le=10)
    answer_backoff_seconds: float = Field(default=1.0, ge=0)
    answer_backoff_max_seconds: float = Field(default=8.0, ge=0, le=60)
    # Platform APIs (WeChat, Weibo): per-request timeout.
    api_timeout_seconds: float = Field(default=15.0, gt=0, le=120)
    # WeChat publishes asynchronously: first look after this long, then twice as long each
    # time up to the maximum, giving up after the timeout (polls cost daily quota).
    confirm_poll_seconds: float = Field(default=10.0, gt=0)
    confirm_poll_max_seconds: float = Field(default=600.0, gt=0)
    confirm_timeout_seconds: float = Field(default=86_400.0, gt=0)
    # After success, check a published article again for this long (deleted or banned?),
    # first after `watch_interval_seconds`, then less and less often.
    watch_seconds: float = Field(default=3 * 86_400.0, ge=0)
    watch_interval_seconds: float = Field(default=3600.0, gt=0)
    # Sends per minute are further capped per channel and per platform (catalogue figures);
    # off only for benchmarks that measure the pipeline itself.
    rate_limits: bool = True
    # Tracked links: `{MEDIAOPS_PUBLIC_URL}/l/{code}` is what readers follow (the gateway,
    # which forwards `/l/` publicly). Channels track links by default where the platform
    # allows links (a channel's `track_links` overrides); `track_links=false` turns it off.
    track_links: bool = True
    # Clicks are recorded after the redirect answered, from an in-memory queue written in
    # batches; beyond `click_queue_max` waiting clicks, new ones are dropped (and counted).
    click_queue_max: int = Field(default=50_000, ge=100, le=10_000_000)
    click_batch_max: int = Field(default=1000, ge=1, le=10_000)
    click_flush_seconds: float = Field(default=0.2, ge=0, le=10)
    # How long a resolved code is kept in memory (a deleted campaign takes effect within it).
    link_cache_seconds: float = Field(default=30.0, ge=0, le=3600)
    # How long a WeChat callback's settings and auto-replies are kept in memory: another
    # replica's change to them shows after at most this (this replica's own at once).
    callback_cache_seconds: float = Field(default=10.0, ge=0, le=300)

    # Figures collectors (WeChat datacube, Weibo counts). WeChat's figures of a day are
    # there in the morning (check): its collector runs daily at this hour, Beijing time.
    sync_hour_beijing: int = Field(default=9, ge=0, le=23)
    # Weibo's counts are live: its collector runs this often.
    weibo_sync_seconds: float = Field(default=3600.0, ge=60)
    # A run that failed for a passing reason (busy, unreachable) is tried again after this,
    # twice as long each time, up to the maximum; a spent quota waits for the next day.
    sync_backoff_seconds: float = Field(default=60.0, ge=0)
    sync_backoff_max_seconds: float = Field(default=3600.0, ge=0)
    sync_poll_seconds: float = Field(default=30.0, gt=0)
    # A WeChat backfill an operator asked for is pulled this many days in a Beijing day at
    # most: each day costs a `getarticletotal` call (and a seventh of a `getusersummary`
    # and a `getusercumulate`), on top of the regular runs' 7 and 1 and 1; the account's
    # daily quota for each (about 1,000) may be shared with other systems using it.
    sync_backfill_days_per_day: int = Field(default=90, ge=1, le=90)
    # Our posts whose figures are collected: those delivered this many days ago at most.
    sync_follow_days: int = Field(default=30, ge=7, le=365)
    # WeChat's callback: a push whose timestamp is further than this from our clock is
    # refused (with the replay records, kept twice as long, this bounds replays).
    callback_max_skew_seconds: float = Field(default=300.0, ge=10, le=3600)

    # Webhook subscriptions: a delivery's first attempt is made at once; an attempt refused
    # for a passing reason (408, 429, 5xx, a timeout, the network) is made again after the
    # next of these waits (Svix's schedule: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h; 8
    # attempts over a day and a bit), each jittered by up to a tenth; after the last, the
    # delivery has failed. Timeouts: `webhook_timeout_seconds`.
    webhook_retry_schedule_seconds: tuple[float, ...] = Field(
        default=(5.0, 300.0, 1800.0, 7200.0, 18_000.0, 36_000.0, 36_000.0), max_length=20
    )
    # Delivered and failed deliveries (with their attempts) are kept this long in the log.
    webhook_log_days: int = Field(default=30, ge=1, le=3650)

    @model_validator(mode="after")
    def _check_credentials_key(self) -> Settings:
        for key in self.credentials_keys():
            try:
                Fernet(key)
            except ValueError as exc:
                raise ValueError(
                    "CHANNEL_CREDENTIALS_KEY is not a Fernet key (32 url-safe base64-encoded bytes)"
                ) from exc
        return self

    @model_validator(mode="after")
    def _check_retry_schedule(self) -> Settings:
        if any(wait < 0 for wait in self.webhook_retry_schedule_seconds):
            raise ValueError("CHANNEL_WEBHOOK_RETRY_SCHEDULE_SECONDS: waits are 0 or more")
        return self

    def production_problems(self) -> list[str]:
        problems = super().production_problems()
        if not self.credentials_keys():
            # In development a key is made under the data dir; a container's data dir is
            # not where a key that must outlive it (and be backed up) belongs.
            problems.append(
                "CHANNEL_CREDENTIALS_KEY is not set: a Fernet key encrypts stored platform "
                "credentials (python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())')"
            )
        return problems

    def credentials_keys(self) -> list[str]:
        return [key.strip() for key in self.credentials_key.split(",") if key.strip()]
