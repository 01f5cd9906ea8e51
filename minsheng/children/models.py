"""Children in difficulty (困境儿童), DOMAIN §6.2: one case file per child (一人一档), modelled on Primero's case
management and fitted to the village-level system (儿童主任 in the village, 儿童督导员 in the township).

- ``Child``: the case file. Its categories are derived from the registry and the programmes (``derived_categories``,
  kept current by ``categories_refresh``) or recorded by the director (``recorded_categories``); guardian, school,
  health, disability, needs; the 事实无人抚养 evidence for each parent; the risk colour of the latest assessment; the
  last visit and the next one due; the stage derived from the facts (``rules.stage_of``); closure and reopening.
- ``Assessment``: the risk factors found on a date and the colour the rules (data: ``children.risk_factors``) give.
- ``CasePlan`` and ``PlanService``: the plan with its services, responsible persons and follow-up dates.
- ``Referral``: to a department, a social organisation or the 未成年人保护工作站, accepted or declined, with outcome.
- ``CaseVisit``: a visit of the child (on time or late for its colour).
- ``MandatoryReport``: a suspected abuse or neglect report (强制报告) on the urgent path.
- ``CarePlace``, ``CareProject``, ``Enrolment``, ``Attendance``: children's homes and practice bases, care projects.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from minsheng.core.keyset import area_index
from minsheng.core.limits import LABEL_MAX, NAME_MAX, REASON_MAX, TEXT_MAX
from minsheng.core.scoping import ScopedManager, ScopedModel


class Category(models.TextChoices):
    """DOMAIN §6.2 categories. The first four are derived from the data; the rest are recorded by the director."""

    ORPHAN = "orphan", _("孤儿")
    DE_FACTO = "de_facto", _("事实无人抚养儿童")
    POOR_FAMILY = "poor_family", _("低保/特困家庭儿童")
    ILL_DISABLED = "ill_disabled", _("重病重残儿童")
    LEFT_BEHIND = "left_behind", _("留守儿童")
    NO_GUARDIANSHIP = "no_guardianship", _("监护缺失儿童")
    RUNAWAY = "runaway", _("流浪儿童")
    OTHER = "other", _("其他需要帮助儿童")


DERIVED_CATEGORIES = frozenset({Category.ORPHAN, Category.DE_FACTO, Category.POOR_FAMILY, Category.ILL_DISABLED})
RECORDED_CATEGORIES = frozenset(set(Category.values) - DERIVED_CATEGORIES)


class Colour(models.TextChoices):
    """The risk colour (四色管理): red is the highest risk."""

    RED = "red", _("红")
    ORANGE = "orange", _("橙")
    YELLOW = "yellow", _("黄")
    GREEN = "green", _("绿")


COLOUR_RANK = {Colour.RED: 4, Colour.ORANGE: 3, Colour.YELLOW: 2, Colour.GREEN: 1}


class ParentSituation(models.TextChoices):
    """A parent's situation for the 事实无人抚养 determination (DOMAIN §6.2, 民发〔2019〕62号)."""

    PRESENT = "present", _("Able to raise the child")
    DECEASED = "deceased", _("Deceased")
    MISSING = "missing", _("Declared missing")
    DISABLED = "disabled", _("Severely disabled")
    ILL = "ill", _("Seriously ill")
    PRISON = "prison", _("In prison")
    REHAB = "rehab", _("In compulsory drug rehabilitation")
    DEPRIVED = "deprived", _("Otherwise deprived of liberty")
    OUT_OF_CONTACT = "out_of_contact", _("Out of contact")


class Stage(models.TextChoices):
    """The stage of a case, derived from its facts (``rules.stage_of``), as Primero does."""

    ASSESSMENT = "assessment", _("To assess")
    PLAN = "plan", _("Case plan")
    SERVICES = "services", _("Services")
    CLOSED = "closed", _("Closed")


class Child(ScopedModel):
    """A child in difficulty and the case file (一人一档); ``area_code``: the child's village (12 digits)."""

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("child case", "Open")
        CLOSED = "closed", _("Closed")

    class Closure(models.TextChoices):
        ADULT = "adult", _("Turned 18")
        ENDED = "ended", _("The situation ended")
        MOVED = "moved", _("Moved away")
        DIED = "died", _("Died")

    person = models.OneToOneField(
        "people.Person", verbose_name=_("child"), on_delete=models.PROTECT, related_name="child_case"
    )
    # db_index: on PostgreSQL also the pattern index the door's prefix match (LIKE '3213…%') uses.
    area_code = models.CharField(_("village"), max_length=12, db_index=True)
    derived_categories = models.JSONField(_("categories from the data"), default=list, blank=True)
    recorded_categories = models.JSONField(_("categories recorded by the director"), default=list, blank=True)
    status = models.CharField(_("status"), max_length=6, choices=Status.choices, default=Status.OPEN)
    stage = models.CharField(_("stage"), max_length=10, choices=Stage.choices, default=Stage.ASSESSMENT)
    colour = models.CharField(_("risk colour"), max_length=6, choices=Colour.choices, blank=True, default="")
    guardian = models.ForeignKey(
        "people.Person", verbose_name=_("guardian"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    guardian_relation = models.CharField(_("guardian's relation"), max_length=40, blank=True, default="")
    school = models.CharField(_("school"), max_length=LABEL_MAX, blank=True, default="")
    health = models.CharField(_("health"), max_length=REASON_MAX, blank=True, default="")
    disability = models.CharField(_("disability"), max_length=REASON_MAX, blank=True, default="")
    needs = models.CharField(_("needs"), max_length=TEXT_MAX, blank=True, default="")
    father_situation = models.CharField(
        _("father's situation"), max_length=16, choices=ParentSituation.choices, blank=True, default=""
    )
    father_evidence = models.CharField(_("evidence (father)"), max_length=REASON_MAX, blank=True, default="")
    mother_situation = models.CharField(
        _("mother's situation"), max_length=16, choices=ParentSituation.choices, blank=True, default=""
    )
    mother_evidence = models.CharField(_("evidence (mother)"), max_length=REASON_MAX, blank=True, default="")
    de_facto_on = models.DateField(_("事实无人抚养 determined on"), null=True, blank=True)
    last_visit_on = models.DateField(_("last visit"), null=True, blank=True)
    next_visit_due = models.DateField(_("next visit due"), null=True, blank=True)
    escalated_due = models.DateField(_("escalated for the visit due on"), null=True, blank=True)
    opened_on = models.DateField(_("opened on"))
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    closure = models.CharField(_("closed because"), max_length=8, choices=Closure.choices, blank=True, default="")
    closure_note = models.CharField(_("closure note"), max_length=REASON_MAX, blank=True, default="")
    handover = models.CharField(_("handed over to"), max_length=LABEL_MAX, blank=True, default="")
    reopened_on = models.DateField(_("reopened on"), null=True, blank=True)
    reopened_at = models.DateTimeField(null=True, blank=True)  # what an assessment must follow to count again
    updated_at = models.DateTimeField(auto_now=True)

    objects: ClassVar[ScopedManager[Child]] = ScopedManager()
    scope_field = "area_code"

    class Meta:
        verbose_name = _("child in difficulty")
        verbose_name_plural = _("children in difficulty")
        ordering = ["area_code", "id"]
        indexes = [
            # The children list and the visits due (docs/architecture.md, "Lists"): the open cases, the area's prefix
            # range, the next visit due.
            area_index("status", "area_code", "next_visit_due", "id", name="children_child_open_area"),
            models.Index(fields=["status", "next_visit_due"], name="children_child_due"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open", closed_on__isnull=True) | Q(status="closed", closed_on__isnull=False),
                name="children_child_closed_dated",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pk}"

    @property
    def categories(self) -> list[str]:
        return sorted(set(self.derived_categories) | set(self.recorded_categories))

    @property
    def category_labels(self) -> list[str]:
        return [str(Category(c).label) for c in self.categories if c in Category.values]


class Assessment(models.Model):
    """An assessment of the child (read through its case): the factors found and the colour the rules give."""

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="assessments")
    assessed_on = models.DateField(_("assessed on"))
    factors = models.JSONField(_("risk factors"), default=list)
    colour = models.CharField(_("risk colour"), max_length=6, choices=Colour.choices)
    rule = models.BigIntegerField(_("rule value used"))  # the Parameter row of children.risk_factors
    note = models.CharField(_("note"), max_length=REASON_MAX, blank=True, default="")
    assessed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-assessed_on", "-id"]

    def __str__(self) -> str:
        return f"{self.child_id} {self.assessed_on}"

    @property
    def factor_labels(self) -> list[str]:
        from minsheng.assistance.rules.specs import CHILD_RISK_FACTORS

        labels = dict(CHILD_RISK_FACTORS)
        return [str(labels.get(f, f)) for f in self.factors]


class CasePlan(models.Model):
    """A case plan (read through its case); one open plan per child."""

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="plans")
    goal = models.CharField(_("goal"), max_length=REASON_MAX)
    made_on = models.DateField(_("made on"))
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    made_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-made_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["child"], condition=Q(closed_on__isnull=True), name="children_one_open_plan"
            )
        ]

    def __str__(self) -> str:
        return f"{self.child_id} {self.made_on}"


class PlanService(models.Model):
    """A service of a plan: what, who is responsible, the follow-up date, and when it was delivered."""

    plan = models.ForeignKey(CasePlan, on_delete=models.CASCADE, related_name="services")
    service = models.CharField(_("service"), max_length=LABEL_MAX)
    responsible = models.CharField(_("responsible person"), max_length=NAME_MAX)
    follow_up_on = models.DateField(_("follow up on"))
    done_on = models.DateField(_("delivered on"), null=True, blank=True)

    class Meta:
        ordering = ["follow_up_on", "id"]

    def __str__(self) -> str:
        return self.service


class Referral(models.Model):
    """A referral of the child to a department, a social organisation or the 未成年人保护工作站."""

    class To(models.TextChoices):
        DEPARTMENT = "department", _("Department")
        ORGANISATION = "organisation", _("Social organisation")
        STATION = "station", _("未成年人保护工作站")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for an answer")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        DONE = "done", _("Outcome recorded")

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="referrals")
    to_kind = models.CharField(_("referred to"), max_length=12, choices=To.choices)
    to_name = models.CharField(_("name"), max_length=LABEL_MAX)
    reason = models.CharField(_("reason"), max_length=REASON_MAX)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.PENDING)
    referred_on = models.DateField(_("referred on"))
    answered_on = models.DateField(_("answered on"), null=True, blank=True)
    answer_note = models.CharField(_("answer"), max_length=REASON_MAX, blank=True, default="")
    outcome = models.CharField(_("outcome"), max_length=REASON_MAX, blank=True, default="")
    outcome_on = models.DateField(_("outcome on"), null=True, blank=True)
    referred_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-referred_on", "-id"]

    def __str__(self) -> str:
        return f"{self.child_id} → {self.to_name}"


class CaseVisit(models.Model):
    """A visit of the child: on time when made by the due date its colour set (read through its case)."""

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="visits")
    visited_on = models.DateField(_("visited on"))
    colour = models.CharField(_("risk colour"), max_length=6, choices=Colour.choices, blank=True, default="")
    due_on = models.DateField(_("due on"), null=True, blank=True)
    on_time = models.BooleanField(_("on time"))
    note = models.CharField(_("note"), max_length=REASON_MAX, blank=True, default="")
    visit_id = models.BigIntegerField(_("phone visit"), null=True, blank=True, unique=True)  # monitoring.Visit
    area_code = models.CharField(_("village"), max_length=12)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-visited_on", "-id"]
        indexes = [
            models.Index(fields=["visited_on", "area_code"], name="children_visit_month"),
            models.Index(fields=["child", "-visited_on"], name="children_visit_child"),
        ]

    def __str__(self) -> str:
        return f"{self.child_id} {self.visited_on}"


class MandatoryReport(ScopedModel):
    """A mandatory report (强制报告) of suspected abuse or neglect: the urgent path. ``area_code``: the village."""

    class Kind(models.TextChoices):
        ABUSE = "abuse", _("Suspected abuse")
        NEGLECT = "neglect", _("Suspected neglect")

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("child case", "Open")
        CLOSED = "closed", _("Closed after the supervisor's review")

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="reports")
    area_code = models.CharField(_("village"), max_length=12)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    description = models.CharField(_("what was seen or heard"), max_length=TEXT_MAX)
    reported_at = models.DateTimeField(_("reported at"))
    deadline_at = models.DateTimeField(_("to be handled by"))
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    police_referred_at = models.DateTimeField(_("referred to the police at"), null=True, blank=True)
    police_unit = models.CharField(_("police station"), max_length=LABEL_MAX, blank=True, default="")
    police_reference = models.CharField(_("police reference"), max_length=60, blank=True, default="")
    status = models.CharField(_("status"), max_length=6, choices=Status.choices, default=Status.OPEN)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    review_note = models.CharField(_("supervisor's review"), max_length=REASON_MAX, blank=True, default="")
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    objects: ClassVar[ScopedManager[MandatoryReport]] = ScopedManager()
    scope_field = "area_code"

    class Meta:
        verbose_name = _("mandatory report")
        verbose_name_plural = _("mandatory reports")
        ordering = ["-reported_at"]
        indexes = [
            # The reports list (docs/architecture.md, "Lists"): the open ones by deadline, those closed by report
            # time (the window); their area as a prefix range.
            area_index("status", "area_code", "deadline_at", "id", name="children_report_open_area"),
            area_index("area_code", "reported_at", name="children_report_area_time"),
        ]
        constraints = [
            # Never closed without a supervisor's review.
            models.CheckConstraint(
                condition=Q(status="open") | (Q(reviewed_by__isnull=False) & ~Q(review_note="")),
                name="children_report_closed_reviewed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pk}"


class CarePlace(ScopedModel):
    """A children's home (儿童之家) or a practice base (实践基地); ``area_code``: where it is (12 digits)."""

    class Kind(models.TextChoices):
        HOME = "home", _("儿童之家")
        BASE = "base", _("实践基地")

    kind = models.CharField(_("kind"), max_length=4, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=LABEL_MAX)
    area_code = models.CharField(_("area"), max_length=12, db_index=True)
    opened_on = models.DateField(_("opened on"))
    closed_on = models.DateField(_("closed on"), null=True, blank=True)

    objects: ClassVar[ScopedManager[CarePlace]] = ScopedManager()
    scope_field = "area_code"

    class Meta:
        verbose_name = _("care place")
        verbose_name_plural = _("care places")
        ordering = ["area_code", "name"]

    def __str__(self) -> str:
        return self.name


class CareProject(ScopedModel):
    """A care project (e.g. 爱心暑托班) with its capacity; ``area_code``: the area that runs it."""

    name = models.CharField(_("name"), max_length=LABEL_MAX)
    area_code = models.CharField(_("area"), max_length=12)
    place = models.ForeignKey(
        CarePlace, verbose_name=_("place"), null=True, blank=True, on_delete=models.PROTECT, related_name="projects"
    )
    capacity = models.PositiveIntegerField(_("capacity"))
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))

    objects: ClassVar[ScopedManager[CareProject]] = ScopedManager()
    scope_field = "area_code"

    class Meta:
        verbose_name = _("care project")
        verbose_name_plural = _("care projects")
        ordering = ["-starts_on", "name"]
        # The projects list (docs/architecture.md, "Lists"): the area's prefix range, those ending in the window.
        indexes = [area_index("area_code", "ends_on", name="children_project_area_end")]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="children_project_dates"),
            models.CheckConstraint(condition=Q(capacity__gte=1, capacity__lte=10000), name="children_capacity"),
        ]

    def __str__(self) -> str:
        return self.name


class Enrolment(models.Model):
    """A child in a project: once per project (read through the project)."""

    project = models.ForeignKey(CareProject, on_delete=models.PROTECT, related_name="enrolments")
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="enrolments")
    enrolled_on = models.DateField(_("enrolled on"))

    class Meta:
        ordering = ["project", "id"]
        constraints = [models.UniqueConstraint(fields=["project", "child"], name="children_enrolled_once")]

    def __str__(self) -> str:
        return f"{self.project_id} {self.child_id}"


class Attendance(models.Model):
    """A day a child attended a project (once per day)."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="attendance")
    on = models.DateField(_("date"))

    class Meta:
        ordering = ["enrolment", "on"]
        constraints = [models.UniqueConstraint(fields=["enrolment", "on"], name="children_attended_once")]

    def __str__(self) -> str:
        return f"{self.enrolment_id} {self.on}"
