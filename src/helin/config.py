"""Settings, read from the environment (prefix ``HELIN_``) and the command line.

Only ``app.py`` and ``cli.py`` read these; every other module is given its values.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything an operator can set; each field is also ``HELIN_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="HELIN_", extra="ignore")

    data_dir: Path = Field(default=Path("data"))
    """Directory for the SQLite database, recordings and spool files."""
    database_url: str | None = None
    """SQLAlchemy URL; default ``sqlite:///<data_dir>/helin.db``."""
    sip_host: str = "127.0.0.1"
    """Address the SIP transports bind to."""
    sip_port: int = Field(default=5060, ge=0, le=65535)
    """SIP port for UDP and TCP (0 picks a free port)."""
    sip_digest: str = "MD5"
    """Digest algorithms offered to phones, strongest first (``SHA-256,MD5`` adds SHA-256)."""
    http_host: str = "127.0.0.1"
    """Address the API and web app listen on."""
    http_port: int = Field(default=8080, ge=0, le=65535)
    """HTTP port for the API and web app (0 picks a free port)."""
    rtp_ports: tuple[int, int] = (20000, 29999)
    """Inclusive RTP port range, given as ``LOW-HIGH``."""
    language: Literal["en", "et"] = "en"
    """Language of the built-in clips and announcements callers hear (``en`` or ``et``)."""
    default_timezone: str = "Europe/Tallinn"
    """Time zone for groups that do not name their own."""
    log_level: str = "INFO"
    signin_window: float = Field(default=900.0, gt=0)
    """Seconds a failed web or API sign-in is remembered (per address and per user name)."""
    signin_block_after: int = Field(default=10, ge=1)
    """Failed sign-ins within the window that block the address or the user name."""
    signin_block_seconds: float = Field(default=900.0, gt=0)
    """How long such a block lasts."""
    signin_max_delay: float = Field(default=2.0, ge=0)
    """The longest delay added to a failed sign-in's answer (doubling from 0.1 s)."""
    signin_trusted_days: int = Field(default=90, ge=0)
    """A user name's block does not apply at an address where that user signed in within this
    many days (0: never exempt)."""

    recordings_format: Literal["flac", "wav", "opus"] = "flac"
    """How recordings are stored: ``flac`` (lossless, about a third of WAV), ``wav`` or
    ``opus`` (Ogg Opus: smallest, lossy, about 60 times the CPU of FLAC)."""
    recordings_storage: Literal["files", "s3"] = "files"
    """Where recordings are stored: ``files`` under ``<data_dir>/recordings`` or ``s3``."""
    recordings_dir: Path | None = None
    """The file storage's directory; default ``<data_dir>/recordings``."""
    recordings_purge_interval: float = Field(default=3600.0, gt=0)
    """Seconds between purges of expired recordings (one also runs at start)."""
    s3_endpoint: str | None = None
    """The S3-compatible object store's URL (``https://host:port``); unset for AWS S3."""
    s3_bucket: str = "helin-recordings"
    s3_prefix: str = ""
    """Put before every object key (``helin/``)."""
    s3_access_key: str | None = None
    s3_secret_key: SecretStr | None = None
    s3_region: str = "us-east-1"

    smtp_host: str | None = None
    """The SMTP server reports are sent through; unset: runs wait (and are retried for a
    day) until one is set."""
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_security: Literal["starttls", "tls", "none"] = "starttls"
    """``starttls`` (port 587), ``tls`` (TLS from the start, port 465) or ``none`` (plain
    text, for a server on the same machine)."""
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_sender: str = "helin@localhost"
    """The From address of reports."""
    public_url: str | None = None
    """The web app's address as users reach it (links in e-mails); default
    ``http://<http_host>:<http_port>``."""
    reports_attachment_limit: int = Field(default=10_000_000, ge=0)
    """Bytes of files a report message may carry; larger ones are linked instead."""
    reports_interval: float = Field(default=30.0, gt=0)
    """Seconds between the reports' rounds (a new order or "send now" starts one at once)."""

    @field_validator("rtp_ports", mode="before")
    @classmethod
    def _parse_range(cls, value: object) -> object:
        if isinstance(value, str):
            return parse_port_range(value)
        return value

    @field_validator("rtp_ports")
    @classmethod
    def _check_range(cls, value: tuple[int, int]) -> tuple[int, int]:
        low, high = value
        if not (1024 <= low <= high <= 65535):
            raise ValueError("RTP port range must be LOW-HIGH with 1024 <= LOW <= HIGH <= 65535")
        if (high - low + 1) < 2:
            raise ValueError("RTP port range needs at least two ports")
        return value

    @field_validator("sip_digest")
    @classmethod
    def _check_digest(cls, value: str) -> str:
        names = [part.strip().upper() for part in value.split(",") if part.strip()]
        if not names or any(name not in ("MD5", "SHA-256") for name in names):
            raise ValueError("sip_digest must list MD5 and/or SHA-256, comma-separated")
        return ",".join(names)

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'helin.db').resolve()}"


def parse_port_range(text: str) -> tuple[int, int]:
    """Parse ``"20000-29999"`` into ``(20000, 29999)``."""
    low, sep, high = text.partition("-")
    if not sep:
        raise ValueError(f"port range {text!r} must look like LOW-HIGH")
    try:
        return int(low), int(high)
    except ValueError:
        raise ValueError(f"port range {text!r} must look like LOW-HIGH") from None
