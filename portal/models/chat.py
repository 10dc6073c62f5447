"""Chatbot conversations (tracker state per sender), their messages and handoffs to caseworkers."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, CheckConstraint, Float, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import UTCDateTime
from portal.models.statuses import ChatState, HandoffStatus, codes

CONVERSATION_SOURCES = ("flyer", "minside", "rest")
CONVERSATION_STATES = codes(ChatState)
MESSAGE_SENDERS = ("user", "bot", "caseworker", "system")
HANDOFF_STATUSES = codes(HandoffStatus)
OPEN_HANDOFF_STATUSES = codes(HandoffStatus.WAITING, HandoffStatus.CLAIMED)
HANDOFF_REASONS = ("request_human", "fallback", "action_failed")
HANDOFF_OUTCOMES = ("answered", "booked", "registered", "referred", "no_contact", "other")


class ChatConversation(db.Model):
    """One chat sender: the tracker (slots, active form, fallback stage) persisted so it survives restarts."""

    __tablename__ = "chat_conversation"
    __table_args__ = (
        CheckConstraint(f"source IN {CONVERSATION_SOURCES!r}", name="source_known"),
        CheckConstraint(f"state IN {CONVERSATION_STATES!r}", name="state_known"),
        CheckConstraint("language IN ('da', 'en')", name="language_known"),
        Index("ix_chat_conversation_consent_activity", "consent_given", "last_activity_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sender_id: Mapped[str] = mapped_column(String(200), unique=True)
    source: Mapped[str] = mapped_column(String(10))
    # The union department named by the flyer's campaign token (or the member's own location).
    location_id: Mapped[int | None] = mapped_column(ForeignKey("service_location.id"))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"), index=True)
    language: Mapped[str] = mapped_column(String(2), default="da")
    state: Mapped[str] = mapped_column(String(12), default=ChatState.BOT)
    consent_given: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_id: Mapped[int | None] = mapped_column(ForeignKey("consent.id"))
    # Rasa tracker state: slots, active_loop, latest action, fallback stage, recent intents.
    tracker: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Last time the member's widget polled: a reply after they left goes to the outbox instead.
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)

    member = relationship("Member")
    location = relationship("ServiceLocation")
    messages = relationship("ChatMessage", back_populates="conversation", order_by="ChatMessage.id",
                            cascade="all, delete-orphan", passive_deletes=True)


class ChatMessage(db.Model):
    """One line of the transcript. Text is stored as typed and always shown escaped."""

    __tablename__ = "chat_message"
    __table_args__ = (
        CheckConstraint(f"sender IN {MESSAGE_SENDERS!r}", name="sender_known"),
        Index("ix_chat_message_conversation_id_id", "conversation_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("chat_conversation.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    sender: Mapped[str] = mapped_column(String(12))
    text: Mapped[str] = mapped_column(Text)
    buttons: Mapped[list | None] = mapped_column(JSON)
    intent: Mapped[str | None] = mapped_column(String(40))
    confidence: Mapped[float | None] = mapped_column(Float)
    author_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    conversation = relationship("ChatConversation", back_populates="messages")
    author = relationship("User")


class Handoff(db.Model):
    """A conversation handed from the bot to a caseworker; the bot is silent while it is open."""

    __tablename__ = "chat_handoff"
    __table_args__ = (
        CheckConstraint(f"status IN {HANDOFF_STATUSES!r}", name="status_known"),
        CheckConstraint(f"reason IN {HANDOFF_REASONS!r}", name="reason_known"),
        CheckConstraint(f"outcome IS NULL OR outcome IN {HANDOFF_OUTCOMES!r}", name="outcome_known"),
        CheckConstraint(f"status != '{HandoffStatus.CLAIMED}' OR claimed_by_id IS NOT NULL",
                        name="claimed_has_owner"),
        CheckConstraint("escalation_level BETWEEN 0 AND 2", name="escalation_range"),
        # At most one open handoff per conversation.
        Index("uq_chat_handoff_open_conversation", "conversation_id", unique=True,
              sqlite_where=text(f"status IN {OPEN_HANDOFF_STATUSES!r}"),
              postgresql_where=text(f"status IN {OPEN_HANDOFF_STATUSES!r}")),
        Index("ix_chat_handoff_status_location", "status", "location_id"),
        Index("ix_chat_handoff_status_target", "status", "target_caseworker_id"),
        Index("ix_chat_handoff_claimed_by_status", "claimed_by_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("chat_conversation.id"))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    location_id: Mapped[int | None] = mapped_column(ForeignKey("service_location.id"))
    # The member's own caseworker when known (escalation level 0 goes to them first).
    target_caseworker_id: Mapped[int | None] = mapped_column(ForeignKey("caseworker.id"))
    status: Mapped[str] = mapped_column(String(16), default=HandoffStatus.WAITING)
    reason: Mapped[str] = mapped_column(String(20))
    # 0 = own caseworker or location queue, 1 = whole location queue, 2 = central unit (see services/chat/handoff.py)
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    context: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime)  # entered the current queue/level
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("caseworker.id"))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("caseworker.id"))
    outcome: Mapped[str | None] = mapped_column(String(20))
    outcome_note: Mapped[str | None] = mapped_column(Text)

    conversation = relationship("ChatConversation")
    member = relationship("Member")
    location = relationship("ServiceLocation")
    target_caseworker = relationship("Caseworker", foreign_keys=[target_caseworker_id])
    claimed_by = relationship("Caseworker", foreign_keys=[claimed_by_id])
    resolved_by = relationship("Caseworker", foreign_keys=[resolved_by_id])
