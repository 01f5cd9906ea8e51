"""The module contract: what each domain app adds to the platform, declared once in its own ``module.py``.

Every app of Minsheng (``minsheng.<app>``) may hold a ``module.py`` with one ``MODULE = Module(...)``. The core reads
those declarations (``modules()``) and builds from them what used to be central lists edited by every new module:

- the **roles** a module brings and the **permissions** it grants to any role (``accounts.roles``);
- the **navigation** entries and their groups (``accounts.context_processors``);
- the **audit actions** with their Chinese labels (``audit.actions``; recording an undeclared action fails outside
  production, so a test fails when a module forgets one);
- the **URLs** of its pages and its **API routes** (``minsheng/urls.py``);
- its **statistics families** (the stored indicators, how to compute them from its records, which of its audit
  actions change them), **headline figures** and **tables** of the dashboard (``statistics``);
- its **demo step** (``manage.py demo_city``);
- its kinds of **due work** for a worker's to-do list;
- its kinds of **home visit** (``VisitKind``), recorded on monitoring's phone page (``visit_kind``);
- for procedure modules, its **one-window item handlers** (``intake`` dispatches accepted items through them instead of
  importing the programme that runs them);
- its **subscriptions** to domain events: a change of the registry (a person dies, moves away, leaves a household)
  or another module's event (a verification finding) reaches the modules that subscribe, explicitly and inside the
  publisher's transaction (``publish`` / ``registry_changed``; no Django signals for business logic).

A new module is a new app with a ``module.py``: it edits no central file. ``docs/architecture.md`` ("The module
contract") has a worked example. The core imports no domain app: declarations are found by name after the app
registry is ready, and the types below are all a module needs from the core.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import importlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

from django.apps import apps
from django.core.signals import setting_changed
from django.db.models import Model, Q, QuerySet
from django.dispatch import receiver
from django.utils.functional import Promise

from minsheng.core.questions import Question

if TYPE_CHECKING:
    from django.urls import URLPattern, URLResolver

Label = str | Promise


# --- Roles and navigation ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RoleSpec:
    """A role a module brings. ``levels``: the division levels an assignment of it may be bound to;
    ``department``: bound to a department as well (a partner department's handler); ``organisation``: bound to one
    row of that model as well (``"funeral.facility"``: a funeral home's staff see their own home's records only; the
    door keeps rows whose ``scope_organisation_field`` is that row); ``sensitive``: it moves money or approves, so a
    grant needs a second administrator (separation of duties)."""

    code: str
    label: Label
    levels: frozenset[str]
    department: bool = False
    organisation: str | None = None
    sensitive: bool = False
    order: int = 100


@dataclass(frozen=True)
class NavGroup:
    """A group of navigation entries, shown as one menu when the bar is long."""

    key: str
    label: Label
    order: int


@dataclass(frozen=True)
class NavEntry:
    """A top-level page: shown to users holding ``permission`` anywhere. ``group``: a ``NavGroup`` key or "" for an
    entry of its own on the bar. ``order`` places it among all modules' entries (low first)."""

    permission: str
    url_name: str
    label: Label
    group: str = ""
    order: int = 500
    # The number shown beside the entry (e.g. unread notices, items due): a function of the user, or None.
    badge: Callable[[Any], int] | None = None


@dataclass(frozen=True)
class ApiRoute:
    """A DRF viewset mounted on the API router under ``/api/v1/<prefix>/``."""

    prefix: str
    viewset: type
    basename: str


# --- Statistics ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Indicator:
    """A figure kept per area code and month in the statistics summary (``statistics.Cell``). ``stock``: a count
    as at the month (read at the end of a period); otherwise a flow (summed over the months of a period). The
    words say what ``value``, ``value2`` and ``dimension`` hold (docs/indicators.md)."""

    key: str
    stock: bool
    value: str
    value2: str
    dimension: str


class CellWindow(Protocol):
    """What a family's computation is given: the months to compute and the areas (statistics builds it)."""

    first: dt.date  # first month held
    last: dt.date  # last month held
    months: frozenset[dt.date] | None  # only these months, when the change names them (else every month held)

    @property
    def start(self) -> dt.datetime: ...  # aware start of ``first`` in local time

    @property
    def end(self) -> dt.datetime: ...  # aware start of the month after ``last``

    def area_filter(self, field_name: str = "area_code") -> Q: ...

    def sql_area_filter(self, column: str) -> tuple[str, list[Any]]: ...

    def every_month(self) -> list[dt.date]: ...


@dataclass(frozen=True)
class FlowCells:
    """Village cells of ``indicator`` from a grouped SELECT whose columns are ``a`` (the 12-digit area code), ``m``
    (the month: a date or a timestamp truncated to its month), ``d`` (the dimension, may be NULL), ``v`` and ``v2``."""

    indicator: str
    grouped: QuerySet[Any, Any]


@dataclass(frozen=True)
class SqlCells:
    """Village cells of ``indicator`` from plain SQL selecting ``area code, month, dimension, value, value2`` in that
    order (``params`` fill its placeholders). For stocks computed over a list of months (a ``WITH`` of ``VALUES``)."""

    indicator: str
    sql: str
    params: Sequence[Any]


CellSource = FlowCells | SqlCells


@dataclass(frozen=True)
class StatisticsFamily:
    """The indicators computed from one kind of record, recomputed together for the areas a change touched.

    ``changed_by``: prefixes of the audit actions that change these figures (an action of another module may change
    them too: a temporary-assistance payment decides a window item). ``compute``: the village cells of every
    indicator of the family for a window. ``tables``: the models whose highest id tells the statistics that rows came
    in without an audit event (a bulk load). ``months_of``: for a change event (object type, object id), the months
    it can change, or None for every month held.
    """

    key: str
    indicators: tuple[Indicator, ...]
    changed_by: tuple[str, ...]
    compute: Callable[[CellWindow], Iterable[CellSource]]
    tables: tuple[type[Model], ...] = ()
    months_of: Callable[[str, str], frozenset[dt.date] | None] | None = None


class CellReader(Protocol):
    """The figures read for a dashboard, as a headline's value function sees them."""

    def flow(self, indicator: str, *, dimension: str | None = None, child: str | None = None) -> tuple[int, int]: ...

    def at(
        self, indicator: str, month: dt.date, *, dimension: str | None = None, child: str | None = None
    ) -> tuple[int, int]: ...

    def dimensions(self, indicator: str) -> set[str]: ...


@dataclass(frozen=True)
class Headline:
    """A card of the dashboard. ``key`` is stable (tests, Excel, calibration) and names a row of the bureau's
    published figures; ``value`` computes (number, note) from the cells of the period, whose last month is given."""

    key: str
    label: Label
    unit: str
    stock: bool
    value: Callable[[CellReader, dt.date, str], tuple[int | None, str]]
    order: int = 500


@dataclass(frozen=True)
class TableColumn:
    """A column of a module's dashboard table. ``value(rows, end, row)`` reads the row's number from the cells of
    the period (``end``: its last month; ``row``: the child area's 12-digit code in a table by area, the dimension in
    a table by dimension), or None for no number (a rate with nothing to divide). ``unit`` as a headline's."""

    label: Label
    unit: str
    value: Callable[[CellReader, dt.date, str], int | None]


@dataclass(frozen=True)
class StatisticsTable:
    """A table a module adds to the dashboard, after the statistics' own (with its chart and its Excel sheet).

    ``by_dimension`` empty: a row per child area of the area shown, each drilling down to it, like "By area". Else a
    row per dimension that any of those indicators holds in the area and period, named by ``labels`` (the dimensions
    → their names, one call per page; a dimension it does not name shows as it is stored). ``heading``: the first
    column's (default "Area")."""

    key: str
    title: Label
    columns: tuple[TableColumn, ...]
    heading: Label = ""
    by_dimension: tuple[str, ...] = ()
    labels: Callable[[Sequence[str]], Mapping[str, str]] | None = None
    chart: str | None = "bar"
    order: int = 500


# --- Due work, the one window, the registry ---------------------------------------------------------------------


@dataclass(frozen=True)
class DuePosition:
    """Where one kind of due work stands on a worker's to-do list: the value its provider sorts by (the deadline, or
    a column the deadline grows with: a filing's effective day, the day materials were first awaited; None sorts
    last) and the row's id. The next page of that kind starts after it."""

    at: dt.date | dt.datetime | None
    id: int


@dataclass(frozen=True)
class DueItem:
    """One thing due for a user: what, for whom (masked), where, by when, and the page to do it on; ``position``
    places it in its kind's order (``due_rows`` sets it)."""

    kind: str
    title: str
    url: str
    area_code: str
    deadline: dt.date | None = None
    subject: str = ""
    overdue: bool = False
    phone_url: str = ""  # the same work on a page made for a phone (a village worker's visit), when there is one
    position: DuePosition | None = None


# A provider of due work: ``(user, today, limit, after)`` → at most ``limit`` items after the position ``after`` (None:
# from the first), in its order: the deadline never decreasing (empty deadlines last), each with its ``position``.
DueItems = Callable[[Any, dt.date, int, DuePosition | None], list[DueItem]]


@dataclass(frozen=True)
class DueWork:
    """A kind of due work a module puts on a worker's to-do list: shown to users holding ``permission``; ``items``
    lists at most ``limit`` of them for the user after a position, soonest deadline first (``DueItems``; a query's
    rows through ``due_rows``), and ``count`` counts them up to a cap (``count_due``). The desk merges the kinds'
    sorted, limited lists."""

    key: str
    label: Label
    permission: str
    items: DueItems
    count: Callable[[Any, dt.date], int]
    order: int = 500


# The to-do list counts each kind's due work exactly up to this many; above it the badge says "99+". A kind's count
# reads at most this many rows and one more, whatever the size of the village or county.
DUE_COUNT_CAP = 99


def count_due(rows: QuerySet[Any]) -> int:
    """A due-work provider's ``count``: the rows, exact up to ``DUE_COUNT_CAP``; ``DUE_COUNT_CAP + 1`` stands for
    "more than the cap" (one ``COUNT`` over a ``LIMIT``: the index that serves the kind's page serves it too)."""
    return int(rows.order_by()[: DUE_COUNT_CAP + 1].count())


def badge_text(count: int) -> str:
    """A count as a badge shows it: the number, or "99+" above ``DUE_COUNT_CAP`` (navigation and to-do badges)."""
    return f"{DUE_COUNT_CAP}+" if count > DUE_COUNT_CAP else str(count)


def due_rows(
    rows: QuerySet[Any],
    at: str,
    after: DuePosition | None,
    limit: int,
    *,
    nullable: bool = False,
    related: tuple[str, ...] = (),
) -> list[tuple[Any, DuePosition]]:
    """At most ``limit`` rows of ``rows`` after the position ``after`` in the order (``at``, ``id``), each with its
    position: a due-work provider's query reads only the rows the page can show (an index on the filter and ``at``
    serves it). ``at`` may name a related column (``case__deadline``); ``nullable`` ones sort their empty values
    last. ``related``: the relations the items show, read for the page's rows only — the page's ids are found
    first on the table alone, then the rows with those relations (on PostgreSQL the planner joined every open row of
    a county to four tables before sorting them, when it saw the joins in the same query)."""
    from minsheng.core.keyset import Key, rows_after

    keys = (Key(at, nullable=nullable), Key("id"))
    values = [after.at, after.id] if after is not None else []
    if related:
        ids = [row.pk for row in rows_after(rows.select_related(None).only("id", at), keys, values, limit)]
        by_id = rows.select_related(*related).in_bulk(ids) if ids else {}
        found = [by_id[pk] for pk in ids]
    else:
        found = rows_after(rows, keys, values, limit)
    return [(row, DuePosition(_attribute(row, at), row.pk)) for row in found]


def _attribute(row: Any, path: str) -> Any:
    value = row
    for part in path.split("__"):
        value = getattr(value, part, None) if value is not None else None
    return value


# A provider written before positions (it lists its first ``limit`` items) is read this far at most.
FROM_START_ROWS = 500


def _by_deadline(item: DueItem) -> tuple[bool, dt.date]:
    return (item.deadline is None, item.deadline or dt.date.max)


def from_start(items: Callable[[Any, dt.date, int], list[DueItem]]) -> DueItems:
    """A provider without positions made one: it reads its first ``FROM_START_ROWS`` items, sorted by deadline, and
    the page is taken from them by offset (``position.id`` is the item's place). Deeper pages cost more reads, so a
    module converts its providers to ``due_rows``; this keeps a module working meanwhile."""

    def provider(user: Any, today: dt.date, limit: int, after: DuePosition | None) -> list[DueItem]:
        listed = sorted(
            items(user, today, FROM_START_ROWS), key=lambda i: (i.deadline is None, i.deadline or dt.date.max)
        )
        start = after.id if after is not None else 0
        return [
            replace(item, position=DuePosition(None, start + n + 1))
            for n, item in enumerate(listed[start : start + limit])
        ]

    return provider


class ItemHandler(Protocol):
    """A procedure module's handler of one-window items (catalog item numbers in ``items``)."""

    items: frozenset[int]

    # ``actor`` is an ``accounts.User``: the core sits below accounts and cannot name it, and a handler typing it so
    # must still match this protocol (core.typing.Actor here would refuse that narrower parameter).
    def cases_accepted(self, cases: Sequence[Any], *, actor: Any) -> None:
        """Items of these numbers were accepted with their materials complete (受理): open what follows."""

    def decides(self, case: Any) -> bool:
        """Whether the item is decided through the module's own procedure rather than from a department's inbox."""


class RegistryEvent(enum.StrEnum):
    """Changes of the registry other modules may need to act on, inside the registry's transaction."""

    HOUSEHOLD_CHANGED = "household_changed"  # a member joined or left, or a member's status changed
    PERSON_DIED = "person_died"
    PERSON_MOVED_AWAY = "person_moved_away"


@dataclass(frozen=True)
class RegistryChange:
    event: RegistryEvent
    actor: Any  # an accounts.User (or None for a system job), passed on to the subscribers' services, which type it
    on: dt.date
    household: Any = None
    person: Any = None
    reason: str = ""


# --- A person's file and the audit log ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonSection:
    """A section a module adds to a person's file (一人一档): ``context(user, person)`` gives the template's context, or
    None when the module has nothing about this person (or nothing this user may see: the section reads through the
    scoping door like any page). Sections appear by ``order``."""

    key: str
    label: Label
    template: str
    context: Callable[[Any, Any], dict[str, Any] | None]
    order: int = 500


# --- Home visits ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VisitSubject:
    """What a visit is about, as the phone page shows it and the visit records it."""

    person_id: int  # the person visited
    area_code: str  # their village code (the visit's scope)
    title: str  # shown at the top of the phone page, e.g. "助餐 · 12月第2次"
    details: tuple[tuple[str, str], ...] = ()  # (label, value) lines shown under the title (no full ID numbers)
    expected_at: tuple[Decimal, Decimal] | None = None  # (latitude, longitude) the visit is expected at, if known
    back_url: str = ""  # where the page's 返回 link goes


@dataclass(frozen=True)
class VisitKind:
    """A kind of home visit a module records on the phone page of ``monitoring`` (``Visit.kind`` holds ``code``).

    ``subject(user, id)``: the subject by id in the user's scope, or None (404). ``questions(subject)``: the page's
    questions. ``photo_stages``: photos asked per stage (e.g. before/after), () one set. ``timed``: check-out is
    recorded as well. ``outcomes``: the warning's apply/refer/close block (the warning kind only). ``receive(visit,
    user)``: called in the visit's transaction after a new visit is saved; returns a message for the page or None;
    a ``ValidationError({field: [message]})`` it raises rolls the whole visit back and the endpoint answers 400.
    ``Visit`` and ``User`` are typed ``Any`` here: the core names no app above it."""

    code: str  # stored in Visit.kind, e.g. "eldercare.service", "children.visit" (≤ 30 chars)
    label: Promise  # lazy gettext
    permission: str  # needed to record it, e.g. "eldercare.add_servicevisit"
    subject: Callable[[Any, int], VisitSubject | None]  # (User, id) → the subject in the user's scope; None → 404
    questions: Callable[[VisitSubject], Sequence[Question]]  # the questions of the page
    photo_stages: tuple[str, ...] = ()  # e.g. ("before", "after"): the page asks for photos per stage; () = one set
    timed: bool = False  # True: the page records check-out as well (duration = check-out − check-in)
    outcomes: bool = False  # True only for warnings (apply/refer/close block)
    receive: Callable[[Any, Any], str | None] | None = None  # (Visit, User) → a message, in the visit's transaction


# --- Demo ----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoStep:
    """A module's part of ``manage.py demo_city``: ``run(scale, seed, say)`` adds its records (idempotently: a
    second run adds nothing) and returns a line for the log. Steps run by ``order``."""

    order: int
    run: Callable[[float, int, Callable[[str], None]], str | None]


# --- The declaration ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Module:
    """Everything one app adds to the platform. Only ``app_label`` is required."""

    app_label: str
    roles: tuple[RoleSpec, ...] = ()
    permissions: Mapping[str, Iterable[str]] = field(default_factory=dict)  # role code → permissions granted
    nav_groups: tuple[NavGroup, ...] = ()
    navigation: tuple[NavEntry, ...] = ()
    audit_actions: Mapping[str, Label] = field(default_factory=dict)
    urls: tuple[str, str] | None = None  # (path prefix, urls module)
    # URL names anyone may open without signing in (a public announcement, the online channel's own pages, which
    # keep their own gate); the permission matrix leaves them to the module's own tests.
    public_urls: tuple[str, ...] = ()
    api_routes: tuple[ApiRoute, ...] = ()
    statistics: tuple[StatisticsFamily, ...] = ()
    headlines: tuple[Headline, ...] = ()
    statistics_tables: tuple[StatisticsTable, ...] = ()
    demo: tuple[DemoStep, ...] = ()
    due_work: tuple[DueWork, ...] = ()
    # Counts shown in the page header by key (e.g. "notices": the user's unread notices), each a function of the user.
    badges: Mapping[str, Callable[[Any], int]] = field(default_factory=dict)
    person_sections: tuple[PersonSection, ...] = ()
    # The auditor's page: object type (``app.model``) → a function describing objects by id as a person would read
    # them (receipt number, programme, masked name), ids → text; and functions listing the (object type, object id)
    # of everything of this module about a person, so that a search by person finds their events.
    audit_objects: Mapping[str, Callable[[Sequence[str]], Mapping[str, str]]] = field(default_factory=dict)
    person_objects: tuple[Callable[[Any], Iterable[tuple[str, str]]], ...] = ()
    # The registry's: the person a search names (an ID number or a person id), in the user's areas, or None; lets
    # the auditor search by person without the audit log knowing the registry.
    find_person: Callable[[Any, str], Any] | None = None
    item_handlers: tuple[ItemHandler, ...] = ()
    # Event name (a RegistryEvent, or "<app>.<event>" published by another module) → the handlers it runs.
    subscribers: Mapping[str, tuple[Callable[[Any], None], ...]] = field(default_factory=dict)
    # Checks the registry asks before a household's members change: true when the module pays the household (a
    # running benefit). A change of members of such a household waits for a second user (people.services).
    pays_household: tuple[Callable[[Any], bool], ...] = ()
    # The households the module pays now, for set-based readers (the monthly verification): each a function giving a
    # queryset of one column, ``household_id`` (e.g. ``Benefit.objects.unscoped().filter(...).values("household_id")``).
    enrolled_households: tuple[Callable[[], Any], ...] = ()
    # The kinds of home visit the module records on the phone page (monitoring's ``Visit``; ``visit_kind(code)``).
    visit_kinds: tuple[VisitKind, ...] = ()


@functools.cache
def modules() -> tuple[Module, ...]:
    """The declarations of the installed apps, in ``INSTALLED_APPS`` order."""
    found = []
    for config in apps.get_app_configs():
        name = f"{config.name}.module"
        try:
            declaration = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        module = declaration.MODULE
        if module.app_label != config.label:
            raise ValueError(f"{name} declares app_label {module.app_label!r}, not {config.label!r}")
        found.append(module)
    return tuple(found)


@receiver(setting_changed)
def _forget_modules(*, setting: str, **kwargs: Any) -> None:
    if setting == "INSTALLED_APPS":
        modules.cache_clear()
        for cached in _CACHES:
            cached.cache_clear()


_CACHES: list[Any] = []


def derived(function: Callable[[], Any]) -> Any:
    """Cache a value built from the declarations; forgotten when the installed apps change (tests)."""
    cached = functools.cache(function)
    _CACHES.append(cached)
    return cached


@derived
def audit_action_labels() -> dict[str, Label]:
    labels: dict[str, Label] = {}
    for module in modules():
        for code, label in module.audit_actions.items():
            if code in labels:
                raise ValueError(f"audit action {code!r} is declared twice")
            labels[code] = label
    return labels


@derived
def item_handlers() -> dict[int, ItemHandler]:
    """Catalog item number → the handler of the module that runs its procedure."""
    handlers: dict[int, ItemHandler] = {}
    for module in modules():
        for handler in module.item_handlers:
            for number in handler.items:
                if number in handlers:
                    raise ValueError(f"item {number} has two handlers")
                handlers[number] = handler
    return handlers


@derived
def role_labels() -> dict[str, Label]:
    """Role code → its label, for every role any module brings (the audit log names roles with these)."""
    return {spec.code: spec.label for module in modules() for spec in module.roles}


@derived
def audit_describers() -> dict[str, Callable[[Sequence[str]], Mapping[str, str]]]:
    """Object type → the function that describes objects of that type for the auditor (``Module.audit_objects``)."""
    describers: dict[str, Callable[[Sequence[str]], Mapping[str, str]]] = {}
    for module in modules():
        for object_type, describe in module.audit_objects.items():
            if object_type in describers:
                raise ValueError(f"audit objects of {object_type!r} are described twice")
            describers[object_type] = describe
    return describers


@derived
def visit_kinds() -> dict[str, VisitKind]:
    """Visit kind code → its declaration, for every kind any module declares (``Module.visit_kinds``)."""
    kinds: dict[str, VisitKind] = {}
    for module in modules():
        for kind in module.visit_kinds:
            if kind.code in kinds:
                raise ValueError(f"visit kind {kind.code!r} is declared twice")
            if len(kind.code) > 30:
                raise ValueError(f"visit kind {kind.code!r} is longer than 30 characters")
            kinds[kind.code] = kind
    return kinds


def visit_kind(code: str) -> VisitKind:
    """The declared visit kind ``code``; KeyError when no module declares it (a view answers 404)."""
    return visit_kinds()[code]  # type: ignore[no-any-return]


def person_named(user: Any, text: str) -> Any:
    """The person ``text`` names for ``user`` (an ID number or a person id, asked of the module that declares
    ``find_person``), or None."""
    for module in modules():
        if module.find_person is not None:
            person = module.find_person(user, text)
            if person is not None:
                return person
    return None


def objects_about(person: Any) -> dict[str, set[str]]:
    """Object type → the ids of every object any module declares to be about ``person`` (``person_objects``)."""
    found: dict[str, set[str]] = {}
    for module in modules():
        for listing in module.person_objects:
            for object_type, object_id in listing(person):
                found.setdefault(object_type, set()).add(object_id)
    return found


def publish(event: str, payload: Any) -> int:
    """Run every handler subscribed to ``event`` with ``payload``, in the caller's transaction (a handler's failure
    rolls the caller's change back, unless the handler catches it itself). Returns how many handlers ran. A module
    publishing an event documents its payload type next to the event's name."""
    ran = 0
    for module in modules():
        for subscriber in module.subscribers.get(event, ()):
            subscriber(payload)
            ran += 1
    return ran


def household_paid(household: Any) -> bool:
    """Whether any module pays ``household`` (``Module.pays_household``); read by the registry, which knows no
    programme, before it lets members join or leave at once."""
    return any(check(household) for module in modules() for check in module.pays_household)


def enrolled_households_sql() -> tuple[str, list[Any]] | None:
    """The SQL (and its parameters) selecting the ids of the households any module pays now — the union of the
    modules' ``enrolled_households`` — for a set-based reader to join or filter by; None when no module declares
    any (then no household is enrolled)."""
    parts: list[str] = []
    params: list[Any] = []
    for number, query in enumerate(q() for module in modules() for q in module.enrolled_households):
        sql, values = query.query.sql_with_params()
        parts.append(f"SELECT e{number}.household_id FROM ({sql}) e{number}")
        params.extend(values)
    return (" UNION ".join(parts), params) if parts else None


def registry_changed(change: RegistryChange) -> None:
    """Tell every module subscribed to ``change.event``; called by the registry's services inside their transaction."""
    publish(change.event, change)


def url_patterns() -> list[URLPattern | URLResolver]:
    """The pages of every module, each under its own prefix."""
    from django.urls import include, path

    return [path(prefix, include(urls)) for module in modules() if module.urls for prefix, urls in [module.urls]]
