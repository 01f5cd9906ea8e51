"""Reads of the registry, all through the scoping door."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from minsheng.areas.codes import InvalidCode, normalize_code
from minsheng.core.crypto import blind_index, mask_name
from minsheng.core.modules import Label, modules
from minsheng.core.numbers import ids_of, parse_id
from minsheng.people.idnumbers import InvalidIdNumber, normalize_for_index
from minsheng.people.models import ChangeRequest, Household, IllnessType, Membership, Person
from minsheng.people.names import query_pinyin

if TYPE_CHECKING:
    from minsheng.accounts.models import User

SEARCH_LIMIT = 50
ENCRYPTED_FIELDS = ("id_number", "phone", "bank_account")


class SearchNeedsCriterion(ValueError):
    """Village and township roles search; they get no list of everyone."""


@dataclass(frozen=True)
class PersonQuery:
    id_number: str = ""
    name: str = ""
    area: str = ""
    status: str = ""

    @property
    def empty(self) -> bool:
        return not (self.id_number or self.name or self.area)


_VOWELS = set("aeiouv")


def _looks_like_initials(text: str) -> bool:
    """Latin letters without a vowel (``zs``, ``wjg``) are initials; Chinese or ``zhang`` are not."""
    letters = text.strip().lower()
    return letters.isascii() and letters.isalpha() and not (set(letters) & _VOWELS)


_PersonsT = TypeVar("_PersonsT", bound=QuerySet[Person])

# A name search names the caller's divisions one by one when they are at most this many (a city has ~1,560), so that
# the planner descends the (area, pinyin) indexes once per division and reads only the matches of the caller's area.
AREA_LIST_MAX = 3000
# Scopes this deep (a township's 9 digits, a village's 12) need no list: their range in the index is small.
TOWNSHIP_DIGITS = 9


def _area_codes(user: User) -> list[str] | None:
    """The division codes (every level) inside the user's areas for ``people.view_person``; None when too many."""
    from minsheng.areas.models import Division

    prefixes = {scope.prefix for scope in user.scopes_for("people.view_person")}
    if not prefixes or min(len(p) for p in prefixes) >= TOWNSHIP_DIGITS:
        # A township or village: the door's own prefix range of the (area, pinyin) indexes reads its entries only.
        return None
    condition = Q(pk__in=[])
    for prefix in prefixes:
        condition |= Q(code__startswith=prefix)
    codes = list(Division.objects.filter(condition).values_list("code", flat=True)[: AREA_LIST_MAX + 1])
    return codes if 0 < len(codes) <= AREA_LIST_MAX else None


def _in_areas(persons: _PersonsT, user: User) -> _PersonsT:
    """The door's prefix match restated as equality on the user's divisions (the same rows): with it, the search
    ranges over ``person_hukou_search`` / ``person_residence_search`` (area, pinyin, birth date, id) per division, so
    its cost follows the size of the caller's area, not of the platform (docs/modules/registry.md)."""
    codes = _area_codes(user)
    if codes is None:
        return persons
    return persons.filter(Q(hukou_area__code__in=codes) | Q(residence_area__code__in=codes))


def person_search(*, user: User, query: PersonQuery) -> QuerySet[Person]:
    """Persons in the user's areas matching the query, at most SEARCH_LIMIT of them.

    ID: exact, through the blind index (15- or 18-digit forms). Name: Chinese prefix, or the same sound in
    pinyin (张 finds 章), or pinyin letters and initials (``zs`` finds 张三). Area: a division code prefix.
    """
    if query.empty and not user.has_perm("people.browse_person"):
        raise SearchNeedsCriterion
    persons = Person.objects.restrict(user, "view").filter(merged_into__isnull=True)
    if query.id_number:
        try:
            persons = persons.filter(id_index=blind_index(normalize_for_index(query.id_number)))
        except InvalidIdNumber:
            return persons.none()
    order: tuple[str, ...] = ("name_pinyin", "birth_date", "id")
    if query.name:
        name = query.name.strip()
        sound = query_pinyin(name)
        if not sound:
            persons = persons.filter(name__startswith=name)
        elif _looks_like_initials(name):
            # "zs" for 张三: the pinyin starts with the first initial, which bounds the read to the area's entries
            # under that letter; the initials then pick the names.
            persons = persons.filter(name_pinyin__startswith=sound[0], name_initials__startswith=sound)
            order = ("name_initials", "name_pinyin", "birth_date", "id")
        else:
            # Chinese or spelled pinyin: the same sound matches (张 finds 章), which includes the same characters.
            persons = persons.filter(name_pinyin__startswith=sound)
        persons = _in_areas(persons, user)
    if query.area:
        try:
            code = normalize_code(query.area)
        except InvalidCode:
            return persons.none()
        prefix = code.rstrip("0") or code
        persons = persons.filter(Q(hukou_area__code__startswith=prefix) | Q(residence_area__code__startswith=prefix))
    if query.status:
        persons = persons.filter(status=query.status)
    # Lists show masked copies only: the encrypted columns are not even loaded, so nothing is decrypted.
    return (
        persons.defer(*ENCRYPTED_FIELDS).select_related("hukou_area", "residence_area").order_by(*order)[:SEARCH_LIMIT]
    )


def person_get(*, user: User, pk: int) -> Person:
    """A person in the user's areas, else 404."""
    return get_object_or_404(
        Person.objects.restrict(user, "view").select_related("hukou_area", "residence_area"), pk=pk
    )


# Where ``person_memberships`` keeps what it read, on the person object itself (so for one request, never longer).
_MEMBERSHIPS_READ = "_memberships_read"


def person_memberships(person: Person) -> list[Membership]:
    """Every household the person belongs or belonged to, newest first, with the household and its village (through
    the person: in scope). Read once per person object: the person's page and the parts of their file that show the
    household's programmes, warnings or 授权书 share the one read; the object lives for the request only."""
    read: list[Membership] | None = person.__dict__.get(_MEMBERSHIPS_READ)
    if read is None:
        read = list(person.memberships.select_related("household", "household__area").order_by("-joined_on", "-id"))
        person.__dict__[_MEMBERSHIPS_READ] = read
    return read


def person_current_membership(person: Person) -> Membership | None:
    """The person's membership of the household they belong to now (one at a time), from ``person_memberships``."""
    return next((m for m in person_memberships(person) if m.left_on is None), None)


@dataclass(frozen=True)
class PersonIllnesses:
    held: list[IllnessType]  # the person's serious illnesses, in the list's order
    in_use: list[IllnessType]  # the illnesses a clerk may choose (the change form's choices)


def person_illnesses(person: Person) -> PersonIllnesses:
    """The person's serious illnesses and the illnesses in use, in one read of the list (each type marked whether
    the person has it): the page shows the first, its change form starts from them and offers the second."""
    has = Person.illnesses.through.objects.filter(person_id=person.pk, illnesstype_id=OuterRef("pk"))
    types = list(IllnessType.objects.annotate(held=Exists(has)).filter(Q(active=True) | Q(held=True)))
    return PersonIllnesses(held=[t for t in types if t.held], in_use=[t for t in types if t.active])


@dataclass(frozen=True)
class FileSection:
    """One section of a person's file as the page shows it: what a module declared and what it found."""

    key: str
    label: Label
    template: str
    data: dict[str, Any]


def person_file(*, user: User, person: Person) -> list[FileSection]:
    """The sections of a person's file (一人一档) the modules declare (``Module.person_sections``), in their order;
    a module with nothing about the person, or nothing this user may see, adds none."""
    declared = sorted((s for module in modules() for s in module.person_sections), key=lambda s: (s.order, s.key))
    found = []
    for section in declared:
        data = section.context(user, person)
        if data is not None:
            found.append(FileSection(section.key, section.label, section.template, data))
    return found


def person_lookup(user: User, text: str) -> Person | None:
    """The person a search names, in the user's areas: an ID number (through the blind index) or a person id."""
    text = text.strip()
    persons = Person.objects.restrict(user, "view")
    if len(text) < 15:  # an ID number has 15 or 18 characters
        pk = parse_id(text)
        return persons.filter(pk=pk).first() if pk is not None else None
    try:
        return persons.filter(id_index=blind_index(normalize_for_index(text))).first()
    except InvalidIdNumber:
        return None


def household_get(*, user: User, pk: int) -> Household:
    return get_object_or_404(Household.objects.restrict(user, "view").select_related("area"), pk=pk)


@dataclass(frozen=True)
class HouseholdQuery:
    number: str = ""
    id_number: str = ""
    area: str = ""

    @property
    def empty(self) -> bool:
        return not (self.number or self.id_number or self.area)


def household_search(*, user: User, query: HouseholdQuery) -> QuerySet[Household]:
    """Households in the user's areas matching the query, by number: the household number exactly, a member's
    (current or former) ID number, or an area code prefix. Like person search, roles without
    ``people.browse_person`` must give a criterion (SearchNeedsCriterion): no list of every household."""
    if query.empty and not user.has_perm("people.browse_person"):
        raise SearchNeedsCriterion
    households = Household.objects.restrict(user, "view")
    if query.number:
        households = households.filter(number=query.number.strip())
    if query.id_number:
        try:
            index = blind_index(normalize_for_index(query.id_number))
        except InvalidIdNumber:
            return households.none()
        # unscoped: only names one person's households; restrict() above keeps those of the user
        members = Membership.objects.unscoped().filter(person__id_index=index).values("household_id")
        households = households.filter(pk__in=members)
    prefixes = [scope.prefix for scope in user.scopes_for("people.view_household")]
    if query.area:
        try:
            code = normalize_code(query.area)
        except InvalidCode:
            return households.none()
        prefix = code.rstrip("0") or code
        households = households.filter(area__code__startswith=prefix)
        prefixes = [prefix]
    if len(prefixes) == 1 and prefixes[0]:
        households = households.filter(_code_range("area_id", prefixes[0]))
    return households.order_by("number")


def _code_range(column: str, prefix: str) -> Q:
    """The codes starting with ``prefix`` as a range of the column (``>= prefix``, ``< the next prefix``): the same
    rows as the scoping door's ``LIKE 'prefix%'``, which a btree of the default operator class cannot range over; the
    range lets the (area, number) index give an area's households in order from the first."""
    return Q(**{f"{column}__gte": prefix, f"{column}__lt": prefix[:-1] + chr(ord(prefix[-1]) + 1)})


def household_memberships(household: Household) -> list[Membership]:
    """Current members first (head first), then former ones."""
    memberships = household.memberships.select_related("person")
    return sorted(
        memberships,
        key=lambda m: (m.left_on is not None, m.relation != Membership.Relation.HEAD, m.joined_on, m.id),
    )


def change_requests_pending(*, user: User) -> QuerySet[ChangeRequest]:
    return (
        ChangeRequest.objects.restrict(user, "view")
        .filter(status=ChangeRequest.Status.PENDING)
        .select_related("person", "requested_by")
        .order_by("requested_at")
    )


def change_request_get(*, user: User, pk: int) -> ChangeRequest:
    return get_object_or_404(ChangeRequest.objects.restrict(user, "view").select_related("person"), pk=pk)


def probable_duplicates(*, user: User, limit: int = 100) -> list[list[Person]]:
    """Groups of persons in the user's areas who are probably one person registered twice.

    Same name and birth date; or the same name in pinyin (张伟 and 章伟) with the same birth date in the same
    county. The grouping runs in the database; only the groups found are loaded.
    """
    from django.db.models import Count
    from django.db.models.functions import Substr

    persons = Person.objects.restrict(user, "view").filter(merged_into__isnull=True)
    by_name = (
        persons.values("name", "birth_date")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .order_by("name", "birth_date")[:limit]
    )
    by_sound = (
        persons.annotate(county=Substr("hukou_area", 1, 6))
        .values("name_pinyin", "birth_date", "county")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .order_by("name_pinyin", "birth_date")[:limit]
    )
    name_keys = [(g["name"], g["birth_date"]) for g in by_name]
    sound_keys = [(g["name_pinyin"], g["birth_date"], g["county"]) for g in by_sound]
    if not name_keys and not sound_keys:
        return []
    # Every member of every group in one query, then grouped here (one query per group would be N+1).
    condition = Q(pk__in=[])
    for name, birth in name_keys:
        condition |= Q(name=name, birth_date=birth)
    for pinyin, birth, county in sound_keys:
        condition |= Q(name_pinyin=pinyin, birth_date=birth, hukou_area__code__startswith=county)
    members = list(persons.filter(condition).defer(*ENCRYPTED_FIELDS).select_related("hukou_area").order_by("id"))
    found: list[list[Person]] = [[p for p in members if (p.name, p.birth_date) == key] for key in name_keys]
    found += [[p for p in members if (p.name_pinyin, p.birth_date, p.hukou_area_id[:6]) == key] for key in sound_keys]
    groups: dict[tuple[int, ...], list[Person]] = {}
    for group in found:
        groups.setdefault(tuple(p.pk for p in group), group)
    return list(groups.values())[:limit]


# --- The audit log ---------------------------------------------------------------------------------------------


def describe_persons(ids: Sequence[str]) -> Mapping[str, str]:
    """Audit objects ``people.person``: the masked name and masked ID number."""
    # unscoped: words for events the auditor may already see (the events are filtered by scope).
    rows = Person.objects.unscoped().filter(pk__in=ids_of(ids)).only("name", "id_masked")
    return {str(p.pk): f"{mask_name(p.name)}（{p.id_masked}）" for p in rows}


def describe_households(ids: Sequence[str]) -> Mapping[str, str]:
    """Audit objects ``people.household``: the household number and its village."""
    # unscoped: words for events the auditor may already see (the events are filtered by scope).
    rows = Household.objects.unscoped().filter(pk__in=ids_of(ids)).select_related("area")
    return {str(h.pk): _("Household %(number)s · %(area)s") % {"number": h.number, "area": h.area.name} for h in rows}


def person_objects(person: Person) -> Iterable[tuple[str, str]]:
    """The registry's objects about a person: the person's record and the households they belong or belonged to."""
    yield ("people.person", str(person.pk))
    for household_id in person.memberships.values_list("household_id", flat=True):
        yield ("people.household", str(household_id))
