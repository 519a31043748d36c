"""Work-manual pages (工作手册): reference text in Markdown — the duties of 网格长,
网格员 and 楼栋长 and the working rules. County-wide pages are the county
administrators'; a community's own pages (楼栋长职责, 文明卫生公约 …) are its station's,
read by the community and its grids and printed after the county's.
Every save keeps the text it replaces as a ManualPageVersion (who, when), so the
history of a rule can be shown and an old wording read again."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.core.timeutil import utcnow
from app.extensions import db


class ManualPage(db.Model):
    """One page of the manual; `slug` names it in URLs. `division_id`: the community
    whose own page it is (None: the county's, for everyone)."""

    __tablename__ = "manual_page"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(100))
    sort_order: Mapped[int] = mapped_column(default=0)
    body: Mapped[str] = mapped_column(Text, default="")
    division_id: Mapped[int | None] = mapped_column(ForeignKey("division.id"), index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    updated_by: Mapped[User | None] = relationship()
    division = relationship("Division")
    versions: Mapped[list[ManualPageVersion]] = relationship(
        back_populates="page", cascade="all, delete-orphan", order_by="ManualPageVersion.number.desc()"
    )


class ManualPageVersion(db.Model):
    """A text the page had before a save: its title and body, and who saved it when
    (`saved_at`/`saved_by` are those of the save that produced this text; None for
    the seeded text). `number` counts a page's versions from 1."""

    __tablename__ = "manual_page_version"
    __table_args__ = (UniqueConstraint("page_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("manual_page.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text, default="")
    saved_at: Mapped[datetime] = mapped_column(default=utcnow)
    saved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    page: Mapped[ManualPage] = relationship(back_populates="versions")
    saved_by: Mapped[User | None] = relationship()
