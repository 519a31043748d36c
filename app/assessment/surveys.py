"""Half-yearly resident satisfaction surveys (002 篇八: 每半年满意度调查, 80 分以下批评).

A grid's half-year has two sources: the station's tally (one per grid and half-year,
corrected in place) and the single anonymous answers residents give on the grid's
public page. The public answers are shown apart from the station's; they join the
official 满意率 — and so its 通报批评 flag and bonus points — only once the half-year
holds at least PUBLIC_SURVEY_MIN_ANSWERS (30) of them: a handful of anonymous
clicks cannot mark a grid. 满意率 = (满意 + 基本满意) / all answers counted, as a
percentage rounded half up to one decimal (the matters indicators' `ratio`).
A station may enter an overall score (0–100) over its respondents instead of the
counts: it weighs as `respondents × score / 100` satisfied answers out of
`respondents`, so a score of 80 from 50 people next to 30 counted public answers
counts 50 : 30.
Under SATISFACTION_CRITICISED_BELOW (80) the grid is flagged 通报批评; from
SATISFACTION_BONUS_FROM (90) the satisfaction_bonus rule adds its points.
The caller commits."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from app.assessment import reference
from app.assessment.models import SatisfactionSurvey, SurveyResponse
from app.auth import audit
from app.core.conflicts import serialize
from app.core.forms import RuleError
from app.core.settings import setting
from app.extensions import db
from app.matters.indicators import ratio
from app.org.models import Division

DEFAULT_RESPONSES_PER_HOUR = 3
DEFAULT_PUBLIC_MIN_ANSWERS = 30
THROTTLE_WINDOW = timedelta(hours=1)


def half_of(day: date) -> tuple[int, int]:
    return day.year, 1 if day.month <= 6 else 2


def half_end(year: int, half: int) -> date:
    return date(year, 6, 30) if half == 1 else date(year, 12, 31)


def half_label(half: int) -> str:
    return str(reference.HALVES[half])


def public_min_answers() -> int:
    """Public answers a half-year needs before they count towards the 满意率."""
    return setting("PUBLIC_SURVEY_MIN_ANSWERS") or DEFAULT_PUBLIC_MIN_ANSWERS


@dataclass
class PublicAnswers:
    """The anonymous answers of one grid's half-year, on their own."""

    satisfied: int = 0
    basically: int = 0
    dissatisfied: int = 0
    minimum: int = DEFAULT_PUBLIC_MIN_ANSWERS

    @property
    def total(self) -> int:
        return self.satisfied + self.basically + self.dissatisfied

    @property
    def rate(self) -> Decimal | None:
        return ratio(self.satisfied + self.basically, self.total)

    @property
    def counted(self) -> bool:
        """Enough of them to count towards the official 满意率."""
        return self.total > 0 and self.total >= self.minimum

    @property
    def note(self) -> str:
        if not self.total:
            return ""
        if self.counted:
            return _("已计入满意率")
        return _("样本不足（%(n)d 份，不足 %(min)d 份），不计入满意率", n=self.total, min=self.minimum)


@dataclass
class Tally:
    """The station's counts (satisfied, basically, dissatisfied or a score) and the
    public answers apart; `total` and `rate` are the official ones."""

    satisfied: int = 0
    basically: int = 0
    dissatisfied: int = 0
    station: SatisfactionSurvey | None = None
    public: PublicAnswers = field(default_factory=PublicAnswers)
    # A scored station survey: its respondents and their satisfied-equivalent.
    scored_respondents: int = 0
    scored_satisfied: Decimal = Decimal(0)

    @property
    def public_answers(self) -> int:
        return self.public.total

    @property
    def total(self) -> int:
        counted = self.public.total if self.public.counted else 0
        return self.satisfied + self.basically + self.dissatisfied + self.scored_respondents + counted

    @property
    def rate(self) -> Decimal | None:
        public = self.public.satisfied + self.public.basically if self.public.counted else 0
        return ratio(self.satisfied + self.basically + self.scored_satisfied + public, self.total)

    @property
    def criticised(self) -> bool:
        return self.rate is not None and self.rate < reference.satisfaction_criticised_below()

    @property
    def earns_bonus(self) -> bool:
        return self.rate is not None and self.rate >= reference.satisfaction_bonus_from()


def tallies(grid_ids, year: int, half: int) -> dict[int, Tally]:
    """Per grid id with any answers: the station's counts and the public answers
    (counted in the official rate only from `public_min_answers()` on)."""
    result: dict[int, Tally] = {}
    minimum = public_min_answers()
    for survey in db.session.scalars(
        select(SatisfactionSurvey).where(
            SatisfactionSurvey.grid_id.in_(grid_ids), SatisfactionSurvey.year == year, SatisfactionSurvey.half == half
        )
    ):
        tally = Tally(
            survey.satisfied,
            survey.basically,
            survey.dissatisfied,
            station=survey,
            public=PublicAnswers(minimum=minimum),
        )
        if survey.score is not None:
            tally.scored_respondents = survey.respondents
            tally.scored_satisfied = Decimal(survey.respondents) * Decimal(survey.score) / 100
        result[survey.grid_id] = tally
    for grid_id, answer, count in db.session.execute(
        select(SurveyResponse.grid_id, SurveyResponse.answer, func.count())
        .where(SurveyResponse.grid_id.in_(grid_ids), SurveyResponse.year == year, SurveyResponse.half == half)
        .group_by(SurveyResponse.grid_id, SurveyResponse.answer)
    ):
        tally = result.setdefault(grid_id, Tally(public=PublicAnswers(minimum=minimum)))
        if answer in reference.ANSWERS:
            setattr(tally.public, answer, getattr(tally.public, answer) + count)
    return result


# --- The station's entry --------------------------------------------------------------


@dataclass
class SurveyValues:
    year: int
    half: int
    respondents: int
    satisfied: int
    basically: int
    dissatisfied: int
    note: str = ""
    score: Decimal | None = None


def _check(values: SurveyValues, today: date) -> None:
    if (values.year, values.half) > half_of(today):
        raise RuleError(_("不能登记尚未开始的半年度。"), "half")
    if values.respondents <= 0:
        raise RuleError(_("受访人数应大于 0。"), "respondents")
    counted = values.satisfied + values.basically + values.dissatisfied
    if values.score is not None:
        if not Decimal(0) <= values.score <= Decimal(100):
            raise RuleError(_("得分应在 0 到 100 之间。"), "score")
        if counted:
            raise RuleError(_("按得分登记时不填各项人数；按人数登记时不填得分。"), "score")
    elif counted != values.respondents:
        raise RuleError(_("满意、基本满意、不满意人数之和应等于受访人数（现为 %(n)d）。", n=counted), "respondents")


def save_station_survey(
    grid: Division, values: SurveyValues, user, today: date, survey: SatisfactionSurvey | None = None
) -> SatisfactionSurvey:
    """Record (or correct) the station's tally for the grid and half-year."""
    _check(values, today)
    if survey is None:
        survey = db.session.scalar(
            select(SatisfactionSurvey).where(
                SatisfactionSurvey.grid_id == grid.id,
                SatisfactionSurvey.year == values.year,
                SatisfactionSurvey.half == values.half,
            )
        )
    created = survey is None
    if created:
        survey = SatisfactionSurvey(grid_id=grid.id, year=values.year, half=values.half)
        db.session.add(survey)
    elif (survey.year, survey.half) != (values.year, values.half):
        raise RuleError(_("半年度不能修改，请另行登记。"), "half")
    for name in ("respondents", "satisfied", "basically", "dissatisfied", "score"):
        setattr(survey, name, getattr(values, name))
    survey.note = values.note.strip()[:200]
    survey.recorded_by_id = getattr(user, "id", None)
    db.session.flush()
    audit.record(
        "survey_recorded" if created else "survey_updated",
        target=survey,
        actor=user,
        summary=f"{grid.name} {values.year} {half_label(values.half)}",
        detail={
            "respondents": values.respondents,
            "satisfied": values.satisfied,
            "basically": values.basically,
            "dissatisfied": values.dissatisfied,
            "score": None if values.score is None else str(values.score),
        },
    )
    return survey


# --- Public answers ---------------------------------------------------------------------


class SurveyThrottled(RuleError):
    """This client answered the most times an hour allows."""


def responses_per_hour() -> int:
    return int(current_app.config.get("PUBLIC_SURVEY_RESPONSES_PER_HOUR", DEFAULT_RESPONSES_PER_HOUR))


def add_public_answer(grid: Division, answer: str, fingerprint: str, now: datetime, today: date) -> SurveyResponse:
    """One anonymous answer for the grid's current half-year. Throttled per client
    (a salted hash of its address, as the public intake form) inside the write
    transaction, so parallel submissions cannot slip past the limit."""
    if answer not in reference.ANSWERS:
        raise RuleError(_("请选择满意程度。"), "answer")
    limit = responses_per_hour()
    serialize("public_survey", fingerprint)  # counted, then written: one at a time per client
    recent = db.session.scalar(
        select(func.count(SurveyResponse.id)).where(
            SurveyResponse.submitter_fingerprint == fingerprint, SurveyResponse.created_at >= now - THROTTLE_WINDOW
        )
    )
    if recent >= limit:
        raise SurveyThrottled(_("提交过于频繁：同一网络每小时最多评价 %(n)d 次，请稍后再试。", n=limit))
    year, half = half_of(today)
    response = SurveyResponse(
        grid_id=grid.id, year=year, half=half, answer=answer, submitter_fingerprint=fingerprint, created_at=now
    )
    db.session.add(response)
    return response
