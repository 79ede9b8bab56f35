"""Supply bundles: material lines of several buildings and owners, of one Eural group in one province,
that come free in overlapping periods, so a coordinator can offer them as one lot.

Proposals come from the coordinators' future-supply view: the lines are grouped per province and
material group and cut into periods of ``future.LATE_MONTHS`` (what can be stored until the last
line is free); a proposal holds lines of at least two organisations. Rules as for demand bundles: a
bundle holds at least two lines of at least two organisations when it is confirmed, never fewer
than two lines; a line is in at most one active bundle. Functions ``flush()``; the view commits.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from circular_platform import audit, permissions
from circular_platform.demand.figures import Scope
from circular_platform.demand.supply import coming_quarters, line_release, material_group, released_lines
from circular_platform.errors import DomainError
from circular_platform.i18n import lazy_gettext as _l
from circular_platform.matches import future
from circular_platform.materials.services import eural_entry, eural_group_label
from circular_platform.models import (
    AuditAction,
    BuildingPassport,
    BundleStatus,
    MaterialLine,
    Organisation,
    Province,
    Question,
    SupplyBundle,
    SupplyBundleLine,
    User,
)
from circular_platform.passports.inventory import NO_GROUP, tonnes
from circular_platform.questions.services import add_months
from matching.matcher import Result


@dataclass(frozen=True)
class Summary:
    """What a set of lines adds up to; ``without_weight`` lines are not in the tonnes."""

    tonnes: Decimal
    without_weight: int
    buildings: list[BuildingPassport]
    owners: list[Organisation]
    first: date | None  # when the first and the last line come free
    last: date | None


def summarise(lines: Sequence[MaterialLine]) -> Summary:
    weights = [tonnes(line) for line in lines]
    buildings = list(dict.fromkeys(line.passport for line in lines if line.passport))
    releases = [day for day in map(line_release, lines) if day is not None]
    return Summary(
        tonnes=sum((w for w in weights if w is not None), Decimal(0)),
        without_weight=sum(w is None for w in weights),
        buildings=buildings,
        owners=list(dict.fromkeys(b.organisation for b in buildings)),
        first=min(releases, default=None),
        last=max(releases, default=None),
    )


def group_label(line: MaterialLine) -> str:
    """``17 02 hout, glas en kunststof``: the line's Eural sub-chapter as the supply table names it."""
    entry = eural_entry(line.eural_code)
    return f"{entry.group} {eural_group_label(entry)}" if entry else ""


@dataclass(frozen=True)
class Proposal:
    lines: list[MaterialLine]
    province: Province
    group: str  # Eural sub-chapter, "17 02"
    summary: Summary

    @property
    def group_label(self) -> str:
        return group_label(self.lines[0])

    @property
    def key(self) -> str:
        """Names the proposal in its form, so a refused form is shown again on its own proposal."""
        return f"{self.province.id}-{self.group}-{self.lines[0].id}"


def proposals(session: Session, scope: Scope, user: User, today: date) -> list[Proposal]:
    """Unbundled lines ``user`` may see and bundle, per province, group and period, heaviest first."""
    taken = bundled_line_ids(session)
    groups: dict[tuple[int, str], list[tuple[MaterialLine, date]]] = defaultdict(list)
    for line, day in released_lines(session, scope, user, coming_quarters(today)):
        province = _province_of(line)
        group = material_group(line)
        if line.id not in taken and group != NO_GROUP and permissions.coordinates_province(user, province.id):
            groups[province.id, group].append((line, day))
    found = [
        Proposal(period, _province_of(period[0]), group, summarise(period))
        for (_province, group), dated in groups.items()
        for period in _periods(dated)
        if len({line.passport.organisation_id for line in period if line.passport}) >= 2
    ]
    return sorted(found, key=lambda p: (-p.summary.tonnes, p.key))


def _province_of(line: MaterialLine) -> Province:
    # released lines belong to a passport
    assert line.passport is not None  # nosec B101
    return line.passport.municipality.province


def _periods(dated: Iterable[tuple[MaterialLine, date]]) -> list[list[MaterialLine]]:
    """Lines cut into runs that come free within ``future.LATE_MONTHS`` of the run's first line."""
    periods: list[list[MaterialLine]] = []
    start: date | None = None
    for line, day in sorted(dated, key=lambda pair: (pair[1], pair[0].id)):
        if start is None or day > add_months(start, future.LATE_MONTHS):
            periods.append([])
            start = day
        periods[-1].append(line)
    return periods


def bundled_line_ids(session: Session, except_bundle: SupplyBundle | None = None) -> set[int]:
    """Lines in an active supply bundle (other than ``except_bundle``)."""
    query = (
        select(SupplyBundleLine.material_line_id)
        .join(SupplyBundleLine.bundle)
        .where(SupplyBundle.status != BundleStatus.COMPLETED)
    )
    if except_bundle is not None:
        query = query.where(SupplyBundle.id != except_bundle.id)
    return set(session.scalars(query))


def visible_bundles(session: Session, user: User) -> list[SupplyBundle]:
    query = (
        select(SupplyBundle)
        .where(permissions.visible_supply_bundles(user))
        .options(selectinload(SupplyBundle.members).selectinload(SupplyBundleLine.material_line))
        .order_by(SupplyBundle.created_at.desc(), SupplyBundle.id.desc())
    )
    return list(session.scalars(query))


def confirm_bundle(session: Session, user: User, line_ids: Sequence[int], label: str) -> SupplyBundle:
    """A new bundle of the lines; the view then asks whether ``user`` coordinates its province."""
    query = select(MaterialLine).where(MaterialLine.id.in_(line_ids)).order_by(MaterialLine.id)
    lines = list(session.scalars(query))
    owners = {line.passport.organisation_id for line in lines if line.passport}
    if len(lines) < 2 or len(owners) < 2:
        raise DomainError(_l("Een bundel bestaat uit materialen van minstens twee organisaties."))
    if len({(material_group(line), _province_of(line).id) for line in lines}) > 1:
        raise DomainError(_l("De materialen van een bundel horen bij één materiaalgroep en één provincie."))
    _check_joinable(session, lines, None)
    group = material_group(lines[0])
    municipalities = {line.passport.municipality for line in lines if line.passport}
    bundle = SupplyBundle(
        label=label.strip() or f"{group_label(lines[0])}, {_province_of(lines[0])}",
        material_group=group,
        province=_province_of(lines[0]),
        municipality=municipalities.pop() if len(municipalities) == 1 else None,
        created_by=user,
        members=[SupplyBundleLine(material_line=line) for line in lines],
    )
    session.add(bundle)
    session.flush()
    audit.record(session, AuditAction.BUNDLE_CREATED, bundle, by=user, lines=[line.id for line in lines])
    return bundle


def _check_joinable(session: Session, lines: Sequence[MaterialLine], bundle: SupplyBundle | None) -> None:
    taken = bundled_line_ids(session, except_bundle=bundle)
    for line in lines:
        if line.id in taken:
            raise DomainError(
                _l("‘%(material)s’ zit al in een andere lopende bundel.", material=line.material), "line_id"
            )
        if line.passport is None or line.passport.intervention is None or line_release(line) is None:
            message = _l("‘%(material)s’ komt niet vrij bij een geplande ingreep.", material=line.material)
            raise DomainError(message, "line_id")


def change_status(session: Session, bundle: SupplyBundle, status: BundleStatus) -> None:
    """Reopening a finished bundle fails when one of its lines joined another bundle since."""
    if not bundle.active and status != BundleStatus.COMPLETED:
        taken = bundled_line_ids(session, except_bundle=bundle)
        if any(line.id in taken for line in bundle.lines):
            raise DomainError(_l("Een materiaal uit deze bundel zit inmiddels in een andere lopende bundel."))
    audit.record(session, AuditAction.BUNDLE_STATUS_CHANGED, bundle, old=bundle.status, new=status)
    bundle.status = status
    session.flush()


def add_line(session: Session, bundle: SupplyBundle, line: MaterialLine) -> None:
    if line in bundle.lines:
        raise DomainError(_l("Dit materiaal zit al in de bundel."), "line_id")
    _check_joinable(session, [line], bundle)
    bundle.members.append(SupplyBundleLine(material_line=line))
    audit.record(session, AuditAction.BUNDLE_LINE_ADDED, bundle, line=line.id, material=line.material)
    session.flush()


def remove_line(session: Session, bundle: SupplyBundle, line: MaterialLine) -> None:
    member = next((m for m in bundle.members if m.material_line_id == line.id), None)
    if member is None:
        raise DomainError(_l("Dit materiaal zit niet in de bundel."))
    if len(bundle.members) <= 2:
        raise DomainError(_l("Een bundel houdt minstens twee materialen. Zet de bundel anders op afgerond."))
    bundle.members.remove(member)
    audit.record(session, AuditAction.BUNDLE_LINE_REMOVED, bundle, line=line.id, material=line.material)
    session.flush()


def addable_lines(session: Session, bundle: SupplyBundle, user: User, today: date) -> list[MaterialLine]:
    """Lines of the bundle's group and province coming free in the next three years, in no active
    bundle, for the add form."""
    taken = bundled_line_ids(session)
    scope = Scope(province=bundle.province)
    return [
        line
        for line, _day in released_lines(session, scope, user, coming_quarters(today))
        if line.id not in taken and material_group(line) == bundle.material_group
    ]


def matching_questions(session: Session, bundle: SupplyBundle, user: User) -> list[tuple[Question, Result]]:
    """Open questions the bundle's materials fit, in subject and in time (as for one passport)."""
    summary = summarise(bundle.lines)
    if summary.first is None or summary.last is None:
        return []
    document = future.lines_document(f"supply-bundle-{bundle.id}", bundle.lines)
    owners = {owner.id for owner in summary.owners}
    return future.questions_for_release(session, document, (summary.first, summary.last), owners, user)
