"""The gateway's settings (`GATEWAY_` prefix); the shared ones come from `MEDIAOPS_`."""

from __future__ import annotations

import os
from pathlib import Path
from typing import ClassVar

from cryptography.fernet import Fernet
from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import SettingsConfigDict
from servicekit.settings import ServiceSettings

from gateway.mail.transport import SmtpTransport


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_")

    service_name: ClassVar[str] = "gateway"
    database_name: ClassVar[str] = "gateway"
    # The gateway signs the tokens: it trusts its own keys, not a JWKS fetched over HTTP.
    verifies_tokens: ClassVar[bool] = False

    port: int = 8000
    content_url: str = "http://127.0.0.1:8101"
    channel_url: str = "http://127.0.0.1:8102"
    user_url: str = "http://127.0.0.1:8103"
    metrics_url: str = "http://127.0.0.1:8104"
    # Where the Ed25519 signing keys live; `<MEDIAOPS_DATA_DIR>/keys` when unset.
    jwt_key_dir: Path | None = None
    access_token_ttl_seconds: int = Field(default=900, ge=60, le=86_400)
    refresh_token_ttl_seconds: int = Field(default=30 * 86_400, ge=300)
    invitation_ttl_seconds: int = Field(default=7 * 86_400, ge=300)
    # How long the link mailed to confirm a sign-up works.
    signup_confirmation_ttl_seconds: int = Field(default=86_400, ge=60)
    # How long the link mailed to choose a new password works.
    password_reset_ttl_seconds: int = Field(default=3600, ge=60, le=86_400)
    # The token the gateway mints for each checked caller (operator or API key) and sends to
    # the services instead of the caller's own: how long a service may still accept one after
    # its session is logged out, its operator disabled or its key revoked (gateway.proxy.tokens).
    upstream_token_ttl_seconds: int = Field(default=60, ge=1, le=900)
    # How long the gateway trusts what it last read about an operator, a session or a key
    # (disabled? logged out? revoked?) before asking its database again.
    status_cache_seconds: float = Field(default=1.0, ge=0, le=30)
    # Rate limits (the `limits` notation, moving window). Sign-in and sign-up per client
    # address and per account; every proxied request per operator and per API key.
    login_limit_per_ip: str = "30/minute"
    login_limit_per_account: str = "10/5 minutes"
    signup_limit_per_ip: str = "10/hour"
    # Each attempt mails the address: this bounds what anyone can send to one inbox.
    signup_limit_per_account: str = "5/hour"
    # Forgotten passwords: each request may mail the address, like a sign-up.
    password_reset_limit_per_ip: str = "10/hour"
    password_reset_limit_per_account: str = "5/hour"
    # Each invitation mails the invitee: per inviting workspace, and per invited address.
    invitation_limit_per_workspace: str = "50/hour"
    invitation_limit_per_address: str = "5/hour"
    operator_request_limit: str = "1200/minute"
    # The public pages, per client address: tracked-link clicks (`/l/`: click inflation) and
    # feed fetches (`/feeds/`: scraping). Behind a load balancer, MEDIAOPS_FORWARDED_ALLOW_IPS
    # must name it, or every reader counts as the balancer's one address.
    link_limit_per_ip: str = "120/minute"
    feed_limit_per_ip: str = "60/minute"
    # Platform callbacks (`/callbacks/wechat/{token}`) come from the platform's few server
    # addresses, so the limit per address is high: it stops a flood, not WeChat's traffic.
    callback_limit_per_ip: str = "6000/minute"
    api_key_request_limit: str = "1200/minute"
    # Shared limits for several gateway instances: `redis://host:6379/0`; memory when unset.
    redis_url: str | None = None
    # The frontend teams' origins, comma-separated (`*` for any); none when empty.
    cors_origins: str = ""
    # How long the merged OpenAPI document is served before the services are asked again.
    openapi_cache_seconds: float = Field(default=60.0, ge=0)
    upstream_timeout_seconds: float = Field(default=30.0, gt=0)
    # The largest body forwarded to a service; the gateway's own endpoints read at most
    # MEDIAOPS_MAX_REQUEST_BODY_BYTES.
    max_body_bytes: int = Field(default=10 * 1024 * 1024, ge=0)
    # Media uploads (`/api/v1/media`, videos up to content-svc's CONTENT_MEDIA_VIDEO_MAX_BYTES)
    # are forwarded up to this instead; content-svc caps each file itself.
    media_max_body_bytes: int = Field(default=210 * 1024 * 1024, ge=0)
    # Outgoing mail: `smtp://user:password@host:25`, `smtp+starttls://…:587` or
    # `smtps://…:465`. Unset: every message is written as an .eml file into mail_dir.
    mail_url: str | None = None
    # Where messages go without mail_url; `<MEDIAOPS_DATA_DIR>/mail` when unset.
    mail_dir: Path | None = None
    mail_from: str = "Mediaops <no-reply@mediaops.local>"
    # The first owner, made at start when no account has this address yet, for deployments
    # where nobody runs `mediaops-admin create-owner`. Only ever creates: once the address
    # has an account, changing these changes nothing. The password may come from a file
    # instead (a Docker or Kubernetes secret).
    bootstrap_owner_email: str | None = None
    bootstrap_owner_password: SecretStr | None = None
    bootstrap_owner_password_file: Path | None = None
    bootstrap_workspace_name: str | None = None
    # Apply the events operators hear of (notifications, the live stream) and send the
    # notices: off only for a gateway that must not touch the broker (some tests).
    consume_events: bool = True
    # Fernet key(s), comma-separated (the first encrypts, all decrypt), for the robots'
    # webhook URLs and secrets at rest (and the answers kept for idempotent retries).
    # Required in production; elsewhere, unset: a key made once under the data dir.
    notification_key: SecretStr = Field(default=SecretStr(""), repr=False)
    # How often due notices (robots, mail, digests) are looked for.
    notification_poll_seconds: float = Field(default=5.0, gt=0)
    # How often a live stream looks for events applied by another gateway replica (those
    # applied by its own are sent at once), and how often it sends a keep-alive comment.
    stream_poll_seconds: float = Field(default=2.0, gt=0)
    stream_ping_seconds: int = Field(default=15, ge=1)

    @model_validator(mode="after")
    def _bootstrap_owner(self) -> Settings:
        if self.bootstrap_owner_password_file is not None:
            if self.bootstrap_owner_password is not None:
                raise ValueError(
                    "set GATEWAY_BOOTSTRAP_OWNER_PASSWORD or GATEWAY_BOOTSTRAP_OWNER_PASSWORD_FILE,"
                    " not both"
                )
            try:
                text = self.bootstrap_owner_password_file.read_text(encoding="utf-8")
            except (OSError, UnicodeError) as exc:
                raise ValueError(
                    f"GATEWAY_BOOTSTRAP_OWNER_PASSWORD_FILE cannot be read: {type(exc).__name__}"
                ) from None
            # Secrets written with `echo` end with a newline that is not part of them.
            self.bootstrap_owner_password = SecretStr(text.rstrip("\r\n"))
        wanted = {
            "GATEWAY_BOOTSTRAP_OWNER_PASSWORD (or _FILE)": self.bootstrap_owner_password,
            "GATEWAY_BOOTSTRAP_WORKSPACE_NAME": self.bootstrap_workspace_name,
        }
        if self.bootstrap_owner_email is not None:
            missing = [name for name, value in wanted.items() if value is None]
            if missing:
                raise ValueError(
                    f"GATEWAY_BOOTSTRAP_OWNER_EMAIL is set, so {' and '.join(missing)} must be"
                )
        elif any(value is not None for value in wanted.values()):
            raise ValueError("the bootstrap owner's settings need GATEWAY_BOOTSTRAP_OWNER_EMAIL")
        return self

    @field_validator("notification_key")
    @classmethod
    def _notification_key(cls, value: SecretStr) -> SecretStr:
        for key in filter(None, (k.strip() for k in value.get_secret_value().split(","))):
            try:
                Fernet(key)
            except ValueError:
                raise ValueError(
                    "GATEWAY_NOTIFICATION_KEY is not a Fernet key (32 url-safe base64-encoded "
                    "bytes), or a comma-separated list of them"
                ) from None
        return value

    @field_validator("mail_url")
    @classmethod
    def _mail_url(cls, value: str | None) -> str | None:
        if value:
            SmtpTransport.from_url(value)  # refuse a URL it could not send with, at start
        return value or None

    def production_problems(self) -> list[str]:
        problems = [
            *super().production_problems(),
            *self.unset_setting_problems(
                {
                    f"{service}_url": f"name {service}-svc, to which the gateway forwards"
                    for service in ("content", "channel", "user", "metrics")
                }
            ),
        ]
        if not self.notification_key.get_secret_value().strip():
            # A container's data dir is not where a key that must outlive it (and be backed
            # up) belongs.
            problems.append(
                "GATEWAY_NOTIFICATION_KEY is not set: a Fernet key seals the notification "
                "robots' webhook URLs and secrets (python3 -c 'from cryptography.fernet import "
                "Fernet; print(Fernet.generate_key().decode())')"
            )
        if not (self.key_dir / "current.pem").exists() and not _writable(self.key_dir):
            problems.append(
                f"GATEWAY_JWT_KEY_DIR ({self.key_dir}) holds no signing keys and cannot be "
                "written: mount the keys (mediaops-admin rotate-keys --key-dir <dir>) there"
            )
        return problems

    @property
    def public_url(self) -> str:
        """Where the public reaches Mediaops (`MEDIAOPS_PUBLIC_URL`): mailed links start with it."""
        return self.shared.public_url

    @property
    def cors_origin_list(self) -> list[str]:
        return [origin.strip() for origin in self.cors_origins.split(",") if origin.strip()]

    @property
    def key_dir(self) -> Path:
        return self.jwt_key_dir or self.shared.data_dir / "keys"

    @property
    def mail_directory(self) -> Path:
        return self.mail_dir or self.shared.data_dir / "mail"


def _writable(directory: Path) -> bool:
    """Whether keys could be made in `directory` (or in its nearest existing parent)."""
    existing = directory
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    return os.access(existing, os.W_OK)
