"""The division tree (县 → 镇/街道 → 社区/村 → 网格), grid versions, buildings,
grid staff and their assignments, service teams and functional departments."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import Column, ForeignKey, Index, Numeric, String, Table, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.timeutil import utcnow
from app.extensions import db


class Level(str, enum.Enum):
    COUNTY = "county"
    TOWN = "town"
    COMMUNITY = "community"
    GRID = "grid"

    @property
    def label(self) -> str:
        return str(LEVEL_LABELS[self])

    @property
    def child(self) -> Level | None:
        order = list(Level)
        index = order.index(self)
        return order[index + 1] if index + 1 < len(order) else None

    @property
    def code_digits(self) -> int:
        """Digits this level adds to its parent's code (docs/features.md, "The division tree and grids")."""
        return {"county": 6, "town": 3, "community": 3, "grid": 3}[self.value]


LEVEL_LABELS = {
    Level.COUNTY: _l("县（市、区）"),
    Level.TOWN: _l("镇（街道）"),
    Level.COMMUNITY: _l("社区（村）"),
    Level.GRID: _l("网格"),
}

# The kind of a node, per level: what it is called on paper.
KIND_LABELS = {
    "county": _l("县"),
    "city": _l("县级市"),
    "district": _l("区"),
    "town": _l("镇"),
    "township": _l("乡"),
    "street": _l("街道"),
    "urban": _l("城镇社区"),
    "rural": _l("农村（行政村）"),
}
KINDS_BY_LEVEL = {
    Level.COUNTY: ("county", "city", "district"),
    Level.TOWN: ("town", "township", "street"),
    Level.COMMUNITY: ("urban", "rural"),
    Level.GRID: ("urban", "rural"),
}

STATUS_LABELS = {
    "active": _l("在用"),
    "retired": _l("已撤销"),
}


class Division(db.Model):
    """A node of the division tree. Codes nest: a child's code starts with its
    parent's, so "everything under X" is a prefix match that works on any database."""

    __tablename__ = "division"
    # The service refuses a second active child of the same name with its own message;
    # this makes it hold when two are saved at once (app/core/conflicts.py).
    __table_args__ = (
        Index(
            "uq_division_active_name",
            "parent_id",
            "name",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("division.id"), index=True)
    level: Mapped[str] = mapped_column(String(16), index=True)
    code: Mapped[str] = mapped_column(String(15), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="active", index=True)
    valid_from: Mapped[date]
    valid_to: Mapped[date | None]
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    parent: Mapped[Division | None] = relationship(remote_side=[id], back_populates="children")
    # A grid's 片区 (an area of its community's grids), if the community has them:
    # written through app.org.areas (grid_area_member).
    area: Mapped[GridArea | None] = relationship(
        secondary="grid_area_member", uselist=False, viewonly=True, back_populates="grids"
    )
    children: Mapped[list[Division]] = relationship(back_populates="parent", order_by="Division.code")
    profiles: Mapped[list[GridProfile]] = relationship(
        back_populates="grid", order_by="GridProfile.effective_from.desc(), GridProfile.id.desc()"
    )

    @property
    def level_enum(self) -> Level:
        return Level(self.level)

    @property
    def is_grid(self) -> bool:
        return self.level == Level.GRID.value

    @property
    def is_active(self) -> bool:
        return self.status == "active"

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS.get(self.kind, self.kind))

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS.get(self.status, self.status))

    @property
    def current_profile(self) -> GridProfile | None:
        for profile in self.profiles:
            if profile.effective_to is None:
                return profile
        return None

    @property
    def area_id(self) -> int | None:
        return self.area.id if self.area is not None else None

    def ancestors(self) -> list[Division]:
        """From the root down to the parent."""
        chain, node = [], self.parent
        while node is not None:
            chain.append(node)
            node = node.parent
        return list(reversed(chain))

    @property
    def full_name(self) -> str:
        return "".join(a.name for a in self.ancestors()[1:]) + self.name

    def __repr__(self) -> str:
        return f"<Division {self.code} {self.name}>"


class GridProfile(db.Model):
    """One version of a grid's boundary (四至) and size. Redrawing a boundary closes
    the current version and opens a new one, so the history stays."""

    __tablename__ = "grid_profile"

    id: Mapped[int] = mapped_column(primary_key=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("division.id"), index=True)
    effective_from: Mapped[date]
    effective_to: Mapped[date | None]
    boundary_east: Mapped[str] = mapped_column(String(200), default="")
    boundary_south: Mapped[str] = mapped_column(String(200), default="")
    boundary_west: Mapped[str] = mapped_column(String(200), default="")
    boundary_north: Mapped[str] = mapped_column(String(200), default="")
    households_estimate: Mapped[int | None]
    population_estimate: Mapped[int | None]
    area_km2: Mapped[Decimal | None] = mapped_column(Numeric(10, 3))
    reason: Mapped[str] = mapped_column(String(200), default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    grid: Mapped[Division] = relationship(back_populates="profiles")
    recorded_by = relationship("User")

    @property
    def has_boundary(self) -> bool:
        return all(
            s.strip() for s in (self.boundary_east, self.boundary_south, self.boundary_west, self.boundary_north)
        )


class GridChange(db.Model):
    """A split or merge of grids on an effective date: which grids ended, which began."""

    __tablename__ = "grid_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # split | merge
    effective_date: Mapped[date]
    reason: Mapped[str] = mapped_column(String(200), default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    links: Mapped[list[GridChangeLink]] = relationship(back_populates="change")
    recorded_by = relationship("User")

    def grids(self, side: str) -> list[Division]:
        return [link.grid for link in self.links if link.side == side]


class GridChangeLink(db.Model):
    __tablename__ = "grid_change_link"
    __table_args__ = (UniqueConstraint("change_id", "grid_id", "side"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    change_id: Mapped[int] = mapped_column(ForeignKey("grid_change.id"), index=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("division.id"), index=True)
    side: Mapped[str] = mapped_column(String(8))  # before | after

    change: Mapped[GridChange] = relationship(back_populates="links")
    grid: Mapped[Division] = relationship()


class Building(db.Model):
    """楼栋 (or a rural 片组/自然村 cluster). It always belongs to a community; it
    belongs to a grid once one covers it — a building with no grid is a coverage gap."""

    __tablename__ = "building"
    __table_args__ = (UniqueConstraint("community_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("division.id"), index=True)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("division.id"), index=True)
    number: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(64), default="")
    address: Mapped[str] = mapped_column(String(200))
    floors: Mapped[int | None]
    units: Mapped[int | None]
    chief_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_member.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    community: Mapped[Division] = relationship(foreign_keys=[community_id])
    grid: Mapped[Division | None] = relationship(foreign_keys=[grid_id])
    chief: Mapped[StaffMember | None] = relationship(foreign_keys=[chief_staff_id])

    @property
    def label(self) -> str:
        return f"{self.number} {self.name}".strip()


class StaffRole(str, enum.Enum):
    # The levels of grid chiefs (002 篇九): 总网格长 at the town (镇/街道 secretary or
    # director), 一级网格长 (the town's leader linked to a community) and 二级网格长 (the
    # community's party secretary) at the community, 片区网格长 and 片区网格员 at a 片区
    # (002 篇四), and the grid's own team (三级) below.
    TOTAL_CHIEF = "total_chief"
    FIRST_LEVEL_CHIEF = "first_level_chief"
    SECOND_LEVEL_CHIEF = "second_level_chief"
    AREA_CHIEF = "area_chief"
    AREA_WORKER = "area_worker"
    GRID_CHIEF = "grid_chief"
    FULL_TIME_WORKER = "full_time_worker"
    PART_TIME_WORKER = "part_time_worker"
    BUILDING_CHIEF = "building_chief"
    PARTY_HEAD = "party_head"
    VOLUNTEER = "volunteer"
    BEAT_POLICE = "beat_police"
    OTHER = "other"

    @property
    def label(self) -> str:
        return str(STAFF_ROLE_LABELS[self])


STAFF_ROLE_LABELS = {
    StaffRole.TOTAL_CHIEF: _l("总网格长"),
    StaffRole.FIRST_LEVEL_CHIEF: _l("一级网格长"),
    StaffRole.SECOND_LEVEL_CHIEF: _l("二级网格长"),
    StaffRole.AREA_CHIEF: _l("片区网格长"),
    StaffRole.AREA_WORKER: _l("片区网格员"),
    StaffRole.GRID_CHIEF: _l("网格长"),
    StaffRole.FULL_TIME_WORKER: _l("专职网格员"),
    StaffRole.PART_TIME_WORKER: _l("兼职网格员"),
    StaffRole.BUILDING_CHIEF: _l("楼栋长"),
    StaffRole.PARTY_HEAD: _l("党组织负责人"),
    StaffRole.VOLUNTEER: _l("志愿者"),
    StaffRole.BEAT_POLICE: _l("片警"),
    StaffRole.OTHER: _l("其他"),
}
GRID_WORKER_ROLES = (StaffRole.FULL_TIME_WORKER.value, StaffRole.PART_TIME_WORKER.value)
# Where each post is held: a town, a community, a 片区 (an area of a community's grids)
# or a grid; 其他 anywhere.
POST_PLACES = {
    StaffRole.TOTAL_CHIEF.value: ("town",),
    StaffRole.FIRST_LEVEL_CHIEF.value: ("community",),
    StaffRole.SECOND_LEVEL_CHIEF.value: ("community",),
    StaffRole.AREA_CHIEF.value: ("area",),
    StaffRole.AREA_WORKER.value: ("area",),
    StaffRole.OTHER.value: ("town", "community", "area", "grid"),
}
GRID_POST_PLACES = ("grid",)
PLACE_LABELS = {"town": _l("镇（街道）"), "community": _l("社区（村）"), "area": _l("片区"), "grid": _l("网格")}
# The chain above a grid, top down, as the poster and the grid's page show it.
CHAIN_ROLES = (
    StaffRole.TOTAL_CHIEF.value,
    StaffRole.FIRST_LEVEL_CHIEF.value,
    StaffRole.SECOND_LEVEL_CHIEF.value,
    StaffRole.AREA_CHIEF.value,
)


# Which 片区 a grid is in: a table of its own, not a column of division, so that no two
# tables refer to each other (the SQLite→PostgreSQL copy orders tables by their
# foreign keys, app/core/engine_move.py). The grid is the key: one area at most.
grid_area_member = Table(
    "grid_area_member",
    db.metadata,
    Column("grid_id", ForeignKey("division.id"), primary_key=True),
    Column("area_id", ForeignKey("grid_area.id"), nullable=False, index=True),
)


class GridArea(db.Model):
    """片区网格: several of a community's grids (基础网格责任区) grouped under a 片区网格长
    (002 篇四). Its grids are listed in grid_area_member; staff hold posts at it."""

    __tablename__ = "grid_area"
    __table_args__ = (UniqueConstraint("community_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("division.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text, default="")
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    community: Mapped[Division] = relationship(foreign_keys=[community_id])
    grids: Mapped[list[Division]] = relationship(
        secondary=grid_area_member, viewonly=True, back_populates="area", order_by="Division.code"
    )


class StaffMember(db.Model):
    """Someone who works the grids (not a resident). Home unit: the station or town
    that manages them; where they work is in their assignments."""

    __tablename__ = "staff_member"

    id: Mapped[int] = mapped_column(primary_key=True)
    home_division_id: Mapped[int] = mapped_column(ForeignKey("division.id"), index=True)
    name: Mapped[str] = mapped_column(String(32), index=True)
    phone: Mapped[str] = mapped_column(String(32), default="")
    photo_filename: Mapped[str | None] = mapped_column(String(64))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), unique=True)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    home_division: Mapped[Division] = relationship()
    user = relationship("User")
    assignments: Mapped[list[StaffAssignment]] = relationship(
        back_populates="staff", order_by="StaffAssignment.start_date.desc()"
    )


class StaffAssignment(db.Model):
    """A staff member's post in one grid, 片区, community or town from start to end
    date. A post at a 片区 names the area and, as division, the area's community."""

    __tablename__ = "staff_assignment"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_member.id"), index=True)
    division_id: Mapped[int] = mapped_column(ForeignKey("division.id"), index=True)
    area_id: Mapped[int | None] = mapped_column(ForeignKey("grid_area.id"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    role_note: Mapped[str] = mapped_column(String(32), default="")
    start_date: Mapped[date]
    end_date: Mapped[date | None]

    staff: Mapped[StaffMember] = relationship(back_populates="assignments")
    division: Mapped[Division] = relationship()
    area: Mapped[GridArea | None] = relationship()

    @property
    def place_name(self) -> str:
        """Where the post is held: the grid, community or town, or the 片区."""
        return f"{self.division.name} · {self.area.name}" if self.area is not None else self.division.name

    @property
    def role_label(self) -> str:
        if self.role == StaffRole.OTHER.value and self.role_note:
            return self.role_note
        return StaffRole(self.role).label

    def is_active_on(self, day: date) -> bool:
        return self.start_date <= day and (self.end_date is None or self.end_date >= day)


TEAM_TYPE_LABELS = {
    "patrol": _l("治安巡防"),
    "mediation": _l("纠纷调解"),
    "culture": _l("文化娱乐"),
    "health": _l("医疗卫生"),
    "custom": _l("其他（自定义）"),
}


class ServiceTeam(db.Model):
    """组团式服务 team at community or town level."""

    __tablename__ = "service_team"

    id: Mapped[int] = mapped_column(primary_key=True)
    division_id: Mapped[int] = mapped_column(ForeignKey("division.id"), index=True)
    team_type: Mapped[str] = mapped_column(String(16))
    custom_type: Mapped[str] = mapped_column(String(32), default="")
    name: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text, default="")

    division: Mapped[Division] = relationship()
    memberships: Mapped[list[TeamMembership]] = relationship(back_populates="team", cascade="all, delete-orphan")

    @property
    def type_label(self) -> str:
        if self.team_type == "custom" and self.custom_type:
            return self.custom_type
        return str(TEAM_TYPE_LABELS.get(self.team_type, self.team_type))


class TeamMembership(db.Model):
    __tablename__ = "team_membership"
    __table_args__ = (UniqueConstraint("team_id", "staff_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("service_team.id"), index=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_member.id"), index=True)
    duty: Mapped[str] = mapped_column(String(32), default="")

    team: Mapped[ServiceTeam] = relationship(back_populates="memberships")
    staff: Mapped[StaffMember] = relationship()


class Department(db.Model):
    """A functional department (职能部门) that receives dispatched matters."""

    __tablename__ = "department"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    short_name: Mapped[str] = mapped_column(String(16), default="")
    contact_name: Mapped[str] = mapped_column(String(32), default="")
    phone: Mapped[str] = mapped_column(String(32), default="")
    address: Mapped[str] = mapped_column(String(200), default="")
    duties: Mapped[str] = mapped_column(Text, default="")
    is_active: Mapped[bool] = mapped_column(default=True)
