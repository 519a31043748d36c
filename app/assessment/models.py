"""Assessment (考核) records: the scoring rules (data: points, caps, on/off; the
computation each uses is code, named by `code`), warning cards (黄牌/红牌) issued to
a grid or a grid worker, the half-yearly resident satisfaction surveys — a
station's tally and single anonymous answers from the public page — and residents'
complaints about a grid chief's first contact (首问)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.timeutil import utcnow
from app.extensions import db
from app.org.models import Division, StaffMember


class ScoringRule(db.Model):
    """One line of the assessment rules. Negative points deduct, positive add."""

    __tablename__ = "scoring_rule"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Which computation of app.assessment.computations counts its occurrences.
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    basis: Mapped[str] = mapped_column(String(200), default="")
    points: Mapped[int]
    # The most a rule may move a score in one month / one year (None: no cap).
    cap_month: Mapped[int | None]
    cap_year: Mapped[int | None]
    applies_to_grid: Mapped[bool] = mapped_column(default=True)
    applies_to_worker: Mapped[bool] = mapped_column(default=True)
    is_enabled: Mapped[bool] = mapped_column(default=True)
    sort_order: Mapped[int] = mapped_column(default=0)


class WarningCard(db.Model):
    """黄牌/红牌 issued by town or county staff to a grid (staff_id empty) or to one
    grid worker of that grid; possibly withdrawn later (撤销)."""

    __tablename__ = "warning_card"

    id: Mapped[int] = mapped_column(primary_key=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("division.id"), index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_member.id"), index=True)
    colour: Mapped[str] = mapped_column(String(8))  # yellow | red
    issued_on: Mapped[date] = mapped_column(index=True)
    reason: Mapped[str] = mapped_column(Text)
    issuer_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    issuer_name: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A card issued by mistake or overturned on appeal is withdrawn, not deleted: it
    # stays on record (who, when, why) and no longer counts in the scoreboards.
    withdrawn_at: Mapped[datetime | None]
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    withdrawn_by_name: Mapped[str] = mapped_column(String(64), default="")
    withdrawal_reason: Mapped[str] = mapped_column(Text, default="")

    grid: Mapped[Division] = relationship()
    staff: Mapped[StaffMember | None] = relationship()

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None


class FirstContactComplaint(db.Model):
    """A resident's complaint that a grid chief did not answer or handle their question
    in time or correctly (首问责任制). The station checks it and records whether it
    holds; one that holds asks the chief for a training note (培训笔记), and four or
    more in a year ask the town to move them off the post (app.assessment.accountability)."""

    __tablename__ = "first_contact_complaint"

    id: Mapped[int] = mapped_column(primary_key=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("division.id"), index=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_member.id"), index=True)
    received_on: Mapped[date] = mapped_column(index=True)
    content: Mapped[str] = mapped_column(Text)
    matter_id: Mapped[int | None] = mapped_column(ForeignKey("matter.id"))
    upheld: Mapped[bool] = mapped_column(default=True)
    finding: Mapped[str] = mapped_column(Text, default="")
    training_note: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_by_name: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    grid: Mapped[Division] = relationship()
    staff: Mapped[StaffMember] = relationship()
    matter = relationship("Matter")


class SatisfactionSurvey(db.Model):
    """A station's tally of one grid's half-yearly satisfaction survey (no names):
    the counts per answer, or an overall score (0–100) over the respondents."""

    __tablename__ = "satisfaction_survey"
    __table_args__ = (UniqueConstraint("grid_id", "year", "half"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("division.id"), index=True)
    year: Mapped[int]
    half: Mapped[int]  # 1: January–June, 2: July–December
    respondents: Mapped[int]
    satisfied: Mapped[int]
    basically: Mapped[int]
    dissatisfied: Mapped[int]
    # A survey scored rather than counted (满意度 80 分): the counts stay 0.
    score: Mapped[Decimal | None] = mapped_column(Numeric(4, 1))
    note: Mapped[str] = mapped_column(String(200), default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    grid: Mapped[Division] = relationship()


class SurveyResponse(db.Model):
    """One anonymous answer from the grid's public page. Only a salted hash of the
    client address is kept, for the hourly limit (as the public intake form)."""

    __tablename__ = "survey_response"

    id: Mapped[int] = mapped_column(primary_key=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("division.id"), index=True)
    year: Mapped[int]
    half: Mapped[int]
    answer: Mapped[str] = mapped_column(String(16))  # satisfied | basically | dissatisfied
    submitter_fingerprint: Mapped[str] = mapped_column(String(64), default="", index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class ScoreAdjustment(db.Model):
    """A manual deduction or bonus (人工加减分) with its reason and the record behind it
    (002 篇五 "存在重大问题、隐患或解决不利的，每处扣…"): for a grid (it counts on the grid's
    scoreboard), a community, a town or a department (on the units' board). Recorded by
    town staff for their town's grids and communities, by the county for any unit;
    withdrawn (撤销) rather than deleted, like a warning card."""

    __tablename__ = "score_adjustment"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The unit: a division (grid, community or town), or a department — then
    # division_id is the county, so the county's staff are the ones who see it.
    division_id: Mapped[int] = mapped_column(ForeignKey("division.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), index=True)
    day: Mapped[date] = mapped_column(index=True)
    points: Mapped[int]  # negative deducts
    reason: Mapped[str] = mapped_column(Text)
    # The record behind it: what was found, where, when (an inspection, a matter …).
    basis: Mapped[str] = mapped_column(Text)
    matter_id: Mapped[int | None] = mapped_column(ForeignKey("matter.id"))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_by_name: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    withdrawn_at: Mapped[datetime | None]
    withdrawn_by_name: Mapped[str] = mapped_column(String(64), default="")
    withdrawal_reason: Mapped[str] = mapped_column(Text, default="")

    division: Mapped[Division] = relationship()
    department = relationship("Department")
    matter = relationship("Matter")

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    @property
    def subject_name(self) -> str:
        return self.department.name if self.department is not None else self.division.name
