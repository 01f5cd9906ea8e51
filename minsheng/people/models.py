"""Residents and households (DOMAIN §1.1, §8).

Personal numbers (ID, phone, bank account) are stored encrypted (``EncryptedCharField``); each has a blind
index for exact lookup where one is needed and a masked copy for lists, so that a list page never decrypts.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from minsheng.core.fields import EncryptedCharField
from minsheng.core.jobs import Job
from minsheng.core.keyset import area_index
from minsheng.core.limits import REASON_MAX
from minsheng.core.scoping import ScopedManager, ScopedModel


class IllnessType(models.Model):
    """A serious illness recognised locally (重特大疾病); the list is configuration, edited by administrators."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=60, unique=True)
    active = models.BooleanField(_("in use"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("serious illness")
        verbose_name_plural = _("serious illnesses")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name


class Person(ScopedModel):
    """A resident. Seen by users whose area contains either the 户籍地 or the 居住地."""

    class IdKind(models.TextChoices):
        RESIDENT = "resident", _("Resident identity card")
        HMT_RESIDENCE_PERMIT = "hmt_residence_permit", _("Residence permit for Hong Kong, Macao and Taiwan residents")
        FOREIGN_PERMANENT = "foreign_permanent", _("Foreigner's permanent residence identity card")

    class Gender(models.TextChoices):
        MALE = "M", _("Male")
        FEMALE = "F", _("Female")

    class Status(models.TextChoices):
        LIVING = "living", _("Living")
        DECEASED = "deceased", _("Deceased")
        MOVED_AWAY = "moved_away", _("Moved away")

    class LabourCapacity(models.TextChoices):
        FULL = "full", _("Able to work")
        PARTIAL = "partial", _("Partly unable to work")
        NONE = "none", _("Unable to work")

    name = models.CharField(_("name"), max_length=50)
    name_pinyin = models.CharField(_("name in pinyin"), max_length=200)
    name_initials = models.CharField(_("pinyin initials"), max_length=50)
    id_kind = models.CharField(_("kind of ID"), max_length=24, choices=IdKind.choices, default=IdKind.RESIDENT)
    id_number = EncryptedCharField(_("ID number"))
    id_index = models.CharField(_("ID lookup key"), max_length=32, unique=True)
    id_masked = models.CharField(_("ID number (masked)"), max_length=18)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices)
    birth_date = models.DateField(_("date of birth"))
    phone = EncryptedCharField(_("phone"), blank=True, default="")
    phone_masked = models.CharField(_("phone (masked)"), max_length=20, blank=True, default="")
    # The area foreign keys need no index of their own: (area, status) below leads with them.
    hukou_area = models.ForeignKey(
        "areas.Division",
        verbose_name=_("household registration (户籍地)"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    residence_area = models.ForeignKey(
        "areas.Division",
        verbose_name=_("place of residence (居住地)"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.LIVING)
    status_date = models.DateField(_("date of death or move"), null=True, blank=True)
    labour_capacity = models.CharField(
        _("labour capacity"), max_length=8, choices=LabourCapacity.choices, default=LabourCapacity.FULL
    )
    illnesses = models.ManyToManyField(IllnessType, verbose_name=_("serious illnesses"), blank=True, related_name="+")
    bank_name = models.CharField(_("bank"), max_length=60, blank=True, default="")
    bank_account = EncryptedCharField(_("bank account"), blank=True, default="")
    bank_account_masked = models.CharField(_("bank account (masked)"), max_length=40, blank=True, default="")
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # never searched by; every index costs on a bulk load of millions
        help_text=_("Set when this record was found to be a duplicate and merged into another one."),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects: ClassVar[ScopedManager[Person]] = ScopedManager()

    scope_field = ("hukou_area__code", "residence_area__code")

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        # Reviewed against the queries that use them (docs/modules/registry.md, "Indexes of persons").
        indexes = [
            # The door (a prefix range of the area code, pattern operators) and the name search of an area (one
            # descent per division of the caller, then the pinyin prefix, in order): cost follows the caller's area.
            area_index(
                "hukou_area", "name_pinyin", "birth_date", "id", name="person_hukou_search", area_field="hukou_area"
            ),
            area_index(
                "residence_area",
                "name_pinyin",
                "birth_date",
                "id",
                name="person_residence_search",
                area_field="residence_area",
            ),
            # Probable duplicates by name and birth date.
            models.Index(fields=["name", "birth_date"], name="person_name_birth"),
            # A search without an area (roles of the whole platform) walks it in order, so LIMIT stops early; it also
            # finds same-sounding duplicates. On PostgreSQL the pinyin column uses the "C" collation (migration 0003).
            models.Index(fields=["name_pinyin", "birth_date", "id"], name="person_pinyin_order"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="living", status_date__isnull=True)
                | (~Q(status="living") & Q(status_date__isnull=False)),
                name="person_status_date_iff_not_living",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.id_masked}）"

    @property
    def area_code(self) -> str:
        return self.hukou_area_id


class DisabilityCertificate(ScopedModel):
    """A disability certificate (残疾人证): category 1–7, grade 1–4 (1 is the most severe)."""

    scope_field = ("person__hukou_area__code", "person__residence_area__code")

    class Category(models.IntegerChoices):
        VISUAL = 1, _("Visual")
        HEARING = 2, _("Hearing")
        SPEECH = 3, _("Speech")
        PHYSICAL = 4, _("Physical")
        INTELLECTUAL = 5, _("Intellectual")
        PSYCHIATRIC = 6, _("Psychiatric")
        MULTIPLE = 7, _("Multiple")

    class Grade(models.IntegerChoices):
        ONE = 1, _("Grade 1")
        TWO = 2, _("Grade 2")
        THREE = 3, _("Grade 3")
        FOUR = 4, _("Grade 4")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="disability_certificates")
    number = EncryptedCharField(_("certificate number"))
    category = models.PositiveSmallIntegerField(_("category"), choices=Category.choices)
    grade = models.PositiveSmallIntegerField(_("grade"), choices=Grade.choices)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)

    class Meta:
        verbose_name = _("disability certificate")
        verbose_name_plural = _("disability certificates")
        ordering = ["-valid_from"]
        constraints = [
            models.CheckConstraint(condition=Q(category__gte=1, category__lte=7), name="disability_category_1_7"),
            models.CheckConstraint(condition=Q(grade__gte=1, grade__lte=4), name="disability_grade_1_4"),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("valid_from")),
                name="disability_validity_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()} {self.get_grade_display()}"


class Household(ScopedModel):
    """A household (户): the family whose members' income and assets are assessed together."""

    number = models.CharField(_("household number"), max_length=24, unique=True)
    source_key = models.CharField(
        _("number in the source system"),
        max_length=40,
        null=True,
        blank=True,
        unique=True,
        help_text=_("The household's number in the legacy system it was imported from; re-imports match on it."),
    )
    # No index of its own: (area, number) below leads with it.
    area = models.ForeignKey(
        "areas.Division", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+", db_index=False
    )
    address = models.CharField(_("address"), max_length=200, blank=True, default="")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects: ClassVar[ScopedManager[Household]] = ScopedManager()

    scope_field = "area__code"

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        indexes = [models.Index(fields=["area", "number"], name="household_area_number")]

    def __str__(self) -> str:
        return self.number

    @property
    def area_code(self) -> str:
        return self.area_id


class Membership(ScopedModel):
    """A person's membership of a household, with its dates: the history is kept, never overwritten."""

    scope_field = "household__area__code"

    class Relation(models.TextChoices):
        HEAD = "head", _("Head of household")
        SPOUSE = "spouse", _("Spouse")
        CHILD = "child", _("Child")
        PARENT = "parent", pgettext_lazy("family relation", "Parent")
        GRANDCHILD = "grandchild", _("Grandchild")
        GRANDPARENT = "grandparent", _("Grandparent")
        SIBLING = "sibling", _("Sibling")
        CHILD_IN_LAW = "child_in_law", _("Son- or daughter-in-law")
        OTHER = "other", _("Other relative")

    class Exclusion(models.TextChoices):
        """Why a member does not count as living together (DOMAIN §1.1)."""

        CLERGY = "clergy", _("Clergy living away from the family for 3 years or more")
        DETAINED = "detained", _("In prison or compulsory drug rehabilitation")
        MISSING = "missing", _("Declared missing")
        OTHER = "other", _("Other case defined by the province")

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="memberships")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="memberships")
    relation = models.CharField(_("relation to the head"), max_length=16, choices=Relation.choices)
    living_together = models.BooleanField(_("counts as living together"), default=True)
    exclusion = models.CharField(
        _("why not living together"), max_length=12, choices=Exclusion.choices, blank=True, default=""
    )
    joined_on = models.DateField(_("joined on"))
    left_on = models.DateField(_("left on"), null=True, blank=True)
    left_reason = models.CharField(_("why left"), max_length=200, blank=True, default="")

    class Meta:
        verbose_name = _("household member")
        verbose_name_plural = _("household members")
        ordering = ["household", "left_on", "joined_on", "id"]
        constraints = [
            # At most one current head; "at least one" is kept by the services and the import.
            models.UniqueConstraint(
                fields=["household"],
                condition=Q(relation="head", left_on__isnull=True),
                name="household_one_current_head",
            ),
            # A person belongs to one household at a time.
            models.UniqueConstraint(
                fields=["person"], condition=Q(left_on__isnull=True), name="person_one_current_household"
            ),
            models.CheckConstraint(
                condition=Q(living_together=True, exclusion="") | Q(living_together=False) & ~Q(exclusion=""),
                name="membership_exclusion_iff_not_living_together",
            ),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=models.F("joined_on")),
                name="membership_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.person_id} {self.relation}"

    @property
    def current(self) -> bool:
        return self.left_on is None


class SupportingRelative(ScopedModel):
    """A relative with a legal duty of support who lives elsewhere (非共同生活赡抚扶养人)."""

    scope_field = "household__area__code"

    class Relation(models.TextChoices):
        CHILD = "child", _("Child")
        PARENT = "parent", pgettext_lazy("family relation", "Parent")
        SPOUSE = "spouse", _("Spouse")
        GRANDCHILD = "grandchild", _("Grandchild")
        SIBLING = "sibling", _("Sibling")
        OTHER = "other", _("Other")

    class Inability(models.TextChoices):
        """Why an obligated relative cannot support (DOMAIN §2, 特困人员认定办法): recorded, not ticked."""

        ABLE = "", _("Able to support")
        TEKUN = "tekun", _("Is 特困 themselves")
        DIBAO_ELDERLY_OR_DISABLED = "dibao_old_disabled", _("低保 recipient aged 60 or more or severely disabled")
        NO_CAPACITY = "no_capacity", _("Lacks legal capacity")
        MISSING = "missing", _("Declared missing")
        PRISON = "prison", _("In prison")

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="supporting_relatives")
    supported = models.ForeignKey(
        Person, verbose_name=_("supported member"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("name"), max_length=50)
    relation = models.CharField(_("relation to the supported member"), max_length=16, choices=Relation.choices)
    id_number = EncryptedCharField(_("ID number"), blank=True, default="")
    area_description = models.CharField(_("where they live"), max_length=200, blank=True, default="")
    monthly_support_fen = models.PositiveIntegerField(_("monthly support (fen)"), default=0)
    inability = models.CharField(
        _("unable to support because"), max_length=20, choices=Inability.choices, blank=True, default=""
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("supporting relative")
        verbose_name_plural = _("supporting relatives")

    def __str__(self) -> str:
        return self.name


class ChangeRequest(ScopedModel):
    """A change that affects benefits, waiting for a second user to confirm it (maker-checker)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for confirmation")
        CONFIRMED = "confirmed", _("Confirmed and applied")
        REJECTED = "rejected", _("Rejected")

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="change_requests")
    area_code = models.CharField(_("area code"), max_length=12, db_index=True)
    changes = models.JSONField(_("changes"), encoder=DjangoJSONEncoder)
    reason = models.TextField(_("reason"), max_length=REASON_MAX)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("note"), max_length=REASON_MAX, blank=True, default="")

    objects: ClassVar[ScopedManager[ChangeRequest]] = ScopedManager()

    scope_field = "area_code"

    class Meta:
        verbose_name = _("change request")
        verbose_name_plural = _("change requests")
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=Q(status="pending"), name="one_pending_change_per_person"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.status}"


class ImportJob(Job, ScopedModel):
    """One upload of residents from a legacy system: its progress (rows), its counts and its error report. A file
    that cannot be read is ``rejected`` (with the reason in ``error``), nothing imported."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting")
        RUNNING = "running", pgettext_lazy("import", "Running")
        DONE = "done", _("Finished")
        REJECTED = "rejected", _("Rejected: nothing imported")
        FAILED = "failed", _("Failed: nothing imported")

    area_code = models.CharField(_("area code"), max_length=12, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+"
    )
    original_name = models.CharField(_("file"), max_length=200)
    stored_file = models.CharField(max_length=300)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    phase = models.CharField(_("step"), max_length=40, blank=True, default="")
    created_persons = models.PositiveIntegerField(_("new persons"), default=0)
    updated_persons = models.PositiveIntegerField(_("updated persons"), default=0)
    created_households = models.PositiveIntegerField(_("new households"), default=0)
    error_rows = models.PositiveIntegerField(_("rows with errors"), default=0)
    error_report = models.CharField(max_length=300, blank=True, default="")
    created_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    objects: ClassVar[ScopedManager[ImportJob]] = ScopedManager()

    scope_field = "area_code"

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.original_name
