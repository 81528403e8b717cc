"""The verdict store: moderators' verdicts, each community's calibration, and the audit log.

SQLAlchemy 2 through Flask-SQLAlchemy; SQLite in the instance folder by default, PostgreSQL
by `MODLENS_DATABASE_URL`. The schema is Alembic's (Flask-Migrate, `server/migrations/`):

    MODLENS_FEEDBACK=on flask --app server db upgrade

Nothing here runs unless the operator turned feedback on (`MODLENS_FEEDBACK=on`): with it
off, no engine is made, no file is created and nothing a client sends is written.

What a verdict keeps without the text (DESIGN.md "Communities and verdicts"): a digest of
the post and its context, the attribute and the moderator's answer, the scores and the
threshold in force, and the post's features (`FEATURES` below), which are what the
community's re-fitted score is learnt from. The text itself only with
`MODLENS_FEEDBACK_KEEP_TEXT=true`, purged after `FEEDBACK_RETENTION_DAYS`.
"""

import hashlib
import hmac
import logging
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from flask import current_app
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import JSON, DateTime, Float, Index, LargeBinary, SmallInteger, String, Text, TypeDecorator, delete, func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from .errors import APIError

log = logging.getLogger("modlens.store")

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
SQLITE_FILE = "modlens.sqlite3"
# A store that cannot be reached is retried by the client after this many seconds.
RETRY_AFTER_SECONDS = 30


class UTCDateTime(TypeDecorator):
    """A time with its zone, read back in UTC from every database. SQLite keeps no offset:
    what it gives back is naive, and written in UTC (`now`), where PostgreSQL's is aware."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class Verdict(db.Model):
    """One moderator's answer to "does `attribute` apply to this post?"."""

    __tablename__ = "verdicts"
    __table_args__ = (Index("ix_verdicts_community_attribute", "community", "attribute"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community: Mapped[str] = mapped_column(String(256))
    # sha256 of the post's text, its parent's and the thread title: the same post judged
    # again replaces its earlier verdict when a calibration is fitted.
    post_key: Mapped[str] = mapped_column(String(64))
    attribute: Mapped[str] = mapped_column(String(32))
    value: Mapped[int] = mapped_column(SmallInteger)  # 1: applies, 0: does not
    score: Mapped[float] = mapped_column(Float)  # the score the community was shown
    threshold: Mapped[float] = mapped_column(Float)  # the flag threshold in force
    model: Mapped[str] = mapped_column(String(160))  # name, version and weights digest
    moderator: Mapped[str | None] = mapped_column(String(64))  # keyed hash, never the name
    source: Mapped[str] = mapped_column(String(16))  # extension, api or perspective
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    features: Mapped[bytes] = mapped_column(LargeBinary)  # float32, see FEATURES
    text: Mapped[str | None] = mapped_column(Text)
    parent_text: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str | None] = mapped_column(Text)


class Calibration(db.Model):
    """A community's calibration as fitted at one time; the newest one is in force."""

    __tablename__ = "calibrations"
    __table_args__ = (Index("ix_calibrations_community_version", "community", "version", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community: Mapped[str] = mapped_column(String(256))
    version: Mapped[int] = mapped_column()
    model: Mapped[str] = mapped_column(String(160))
    verdicts: Mapped[int] = mapped_column()
    # attribute -> {"threshold": t or null, "refit": {...} or null}; see server/adaptation.py
    attributes: Mapped[dict] = mapped_column(JSON)
    report: Mapped[dict] = mapped_column(JSON)  # before and after, per attribute
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AuditEntry(db.Model):
    """Who changed what: every applied calibration, every purge, every community forgotten."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    community: Mapped[str | None] = mapped_column(String(256), index=True)
    action: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(64))
    detail: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class StoreSetting(db.Model):
    """Values the store makes for itself once (the moderator-hash key), shared by every server."""

    __tablename__ = "store_settings"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class StoreUnavailable(APIError):
    """The database cannot be reached (or has no tables yet): 503, retry later."""

    def __init__(self, message):
        super().__init__(message, 503, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


def init_app(app):
    """Open the store when feedback is on; otherwise leave no trace of one."""
    if not app.config["FEEDBACK"]:
        return
    url = app.config["DATABASE_URL"]
    if not url:
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)  # SQLite makes the file, not its folder
        url = f"sqlite:///{Path(app.instance_path) / SQLITE_FILE}"
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    options = {"pool_pre_ping": True}  # a restarted PostgreSQL costs one retry, not an error
    if url.startswith("sqlite"):
        # Several gunicorn workers write to one file: wait for the lock rather than fail.
        options["connect_args"] = {"timeout": 15}
    else:
        options["connect_args"] = {"connect_timeout": 5}
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", options)
    db.init_app(app)
    Migrate(app, db, directory=str(MIGRATIONS), render_as_batch=True)
    app.extensions["modlens_store"] = True


def enabled():
    return bool(current_app.extensions.get("modlens_store"))


def require():
    if not enabled():
        raise APIError(
            "feedback is off on this server: nothing is stored; its operator turns it on with MODLENS_FEEDBACK=on", 403
        )


def unavailable(error):
    """The StoreUnavailable to raise for a database error (logged without any request data)."""
    log.warning("verdict store unavailable: %s", type(error).__name__)
    db.session.rollback()
    return StoreUnavailable(
        "the verdict store is unavailable (database unreachable or not migrated: "
        "`flask --app server db upgrade`); nothing was written, try again later"
    )


def now():
    return datetime.now(UTC)


def moderator_hash(name):
    """A keyed digest of a moderator's name: the same moderator gives the same digest on every
    server sharing this store, and a list of likely names cannot be hashed to find who it is
    without the key kept in the store."""
    if name is None:
        return None
    key = db.session.get(StoreSetting, "moderator_key")
    if key is None:
        raise StoreUnavailable("the verdict store has no moderator key: run `flask --app server db upgrade`")
    return hmac.new(bytes.fromhex(key.value), name.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


def new_moderator_key():
    return secrets.token_hex(32)


def pack(vector):
    return np.asarray(vector, dtype=np.float32).tobytes()


def unpack(blob):
    return np.frombuffer(blob, dtype=np.float32)


def latest_calibration(community):
    return db.session.scalars(
        select(Calibration).where(Calibration.community == community).order_by(Calibration.version.desc()).limit(1)
    ).first()


def verdict_count(community):
    return db.session.scalar(select(func.count()).select_from(Verdict).where(Verdict.community == community))


def verdicts(community):
    """Every verdict of a community, oldest first."""
    return list(db.session.scalars(select(Verdict).where(Verdict.community == community).order_by(Verdict.id)))


# What an export of verdicts holds: every column but the features, which are numbers for
# the re-fit (and reveal the post, README "What is stored"), not something a moderator reads.
EXPORT_COLUMNS = ("id", "created_at", "community", "post_key", "attribute", "value", "score", "threshold", "model",
                  "moderator", "source", "text", "parent_text", "title")


def export_rows(community, batch=1000):
    """Every verdict of a community as a mapping of EXPORT_COLUMNS, oldest first, read in batches."""
    columns = [getattr(Verdict, name) for name in EXPORT_COLUMNS]
    query = select(*columns).where(Verdict.community == community).order_by(Verdict.id)
    for row in db.session.execute(query.execution_options(yield_per=batch)):
        yield row._mapping


def audit_entries(community, limit=50):
    return list(db.session.scalars(
        select(AuditEntry).where(AuditEntry.community == community).order_by(AuditEntry.id.desc()).limit(limit)
    ))


def purge_text(days, at=None):
    """Blank the text of verdicts older than `days`; return how many were blanked."""
    cutoff = (at or now()) - timedelta(days=days)
    old = list(db.session.scalars(select(Verdict).where(Verdict.created_at < cutoff, Verdict.text.is_not(None))))
    for verdict in old:
        verdict.text = verdict.parent_text = verdict.title = None
    db.session.add(AuditEntry(community=None, action="purge_text", actor="flask feedback purge",
                              detail={"verdicts": len(old), "older_than_days": days}, created_at=now()))
    db.session.commit()
    return len(old)


def forget(community):
    """Delete a community's verdicts and calibrations; return how many of each."""
    verdicts = db.session.execute(delete(Verdict).where(Verdict.community == community)).rowcount
    calibrations = db.session.execute(delete(Calibration).where(Calibration.community == community)).rowcount
    db.session.add(AuditEntry(community=community, action="forget", actor="flask feedback forget",
                              detail={"verdicts": verdicts, "calibrations": calibrations}, created_at=now()))
    db.session.commit()
    return verdicts, calibrations


__all__ = ["AuditEntry", "Calibration", "SQLAlchemyError", "StoreSetting", "StoreUnavailable", "Verdict", "db"]
