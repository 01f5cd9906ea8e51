"""Forms of the data exchange pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from minsheng.core.forms import MonthField, StyledForm
from minsheng.core.limits import REASON_MAX
from minsheng.exchange.authorisations import Signer
from minsheng.exchange.models import Authorisation, DataSource, Verification
from minsheng.exchange.verification import PURPOSES


class FeedUploadForm(StyledForm):
    source = forms.ModelChoiceField(label=_("Data source"), queryset=DataSource.objects.all())
    batch = forms.CharField(label=_("Batch number"), max_length=40)
    file = forms.FileField(label=_("File (CSV in UTF-8, or Excel .xlsx)"))


class ClientForm(StyledForm):
    name = forms.CharField(label=_("Name of the department's system"), max_length=100)
    area = forms.CharField(label=_("Area code (city)"), max_length=12)
    sources = forms.ModelMultipleChoiceField(
        label=_("Data sources it sends"), queryset=DataSource.objects.all(), widget=forms.CheckboxSelectMultiple
    )
    may_verify = forms.BooleanField(
        label=_("May request verifications of its applicants' households (shared service)"), required=False
    )


class RevokeForm(StyledForm):
    reason = forms.CharField(label=_("Reason"), max_length=REASON_MAX)


class AuthorisationForm(StyledForm):
    """A signed 授权书, with a line for every adult member: signed themself, or by a guardian (name and ID)."""

    serial = forms.CharField(label=_("Serial number"), max_length=30)
    channel = forms.ChoiceField(label=_("Signed"), choices=Authorisation.Channel.choices)
    signed_on = forms.DateField(label=_("Signed on"), widget=forms.DateInput(attrs={"type": "date"}))
    valid_until = forms.DateField(
        label=_("Valid until (empty: while the household receives assistance, including monitoring)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    sources = forms.ModelMultipleChoiceField(
        label=_("Data sources covered"), queryset=DataSource.objects.all(), widget=forms.CheckboxSelectMultiple
    )
    scan = forms.FileField(label=_("Scan of the signed paper (PDF, JPG or PNG)"), required=False)

    def __init__(self, *args: Any, members: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.members = members
        self.fields["sources"].initial = list(DataSource.objects.values_list("pk", flat=True))
        for person in members:
            self.fields[f"signed_{person.pk}"] = forms.BooleanField(
                label=_("%(name)s (%(id)s) signed") % {"name": person.name, "id": person.id_masked},
                required=False,
                initial=True,
                widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
            )
            self.fields[f"guardian_name_{person.pk}"] = forms.CharField(
                label=_("or their guardian's name"),
                max_length=50,
                required=False,
                widget=forms.TextInput(attrs={"class": "form-control"}),
            )
            self.fields[f"guardian_id_{person.pk}"] = forms.CharField(
                label=_("and the guardian's ID number"),
                max_length=18,
                required=False,
                widget=forms.TextInput(attrs={"class": "form-control"}),
            )

    def signers(self) -> list[Signer]:
        data = self.cleaned_data
        return [
            Signer(p, data.get(f"guardian_name_{p.pk}", ""), data.get(f"guardian_id_{p.pk}", ""))
            for p in self.members
            if data.get(f"signed_{p.pk}") or data.get(f"guardian_name_{p.pk}")
        ]


class EndForm(StyledForm):
    on = forms.DateField(label=_("Ends on"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("Reason"), max_length=200)


# --- 核对 for one household ---------------------------------------------------------------------------------------


def _purposes() -> list[tuple[str, Any]]:
    return list(PURPOSES.items())


class VerificationRequestForm(StyledForm):
    """The township's 核对申请: what the verification is for (the household is the page's)."""

    purpose = forms.ChoiceField(label=_("Purpose of the verification"), choices=_purposes)


class VerificationReviewForm(StyledForm):
    """The verification centre's review: dispatch the queries, or return the request with a reason."""

    DISPATCH = "dispatch"
    RETURN = "return"

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[(DISPATCH, _("Dispatch the queries")), (RETURN, _("Return the request"))],
        widget=forms.HiddenInput,
    )
    reason = forms.CharField(
        label=_("Reason (required when returned)"), max_length=REASON_MAX, required=False, widget=forms.Textarea
    )


class AnswerUploadForm(StyledForm):
    file = forms.FileField(label=_("The department's answer file (CSV in UTF-8, or Excel .xlsx)"))


class ObjectionForm(StyledForm):
    objection = forms.CharField(label=_("The family's objection"), max_length=REASON_MAX, widget=forms.Textarea)


class VerificationFilterForm(StyledForm):
    """The filters of the verification list (GET): each empty by default."""

    REQUESTERS = [("", _("Anyone")), ("staff", _("Township staff")), ("client", _("A department's system"))]

    status = forms.ChoiceField(label=_("Status"), required=False)
    conclusion = forms.ChoiceField(label=_("Conclusion"), required=False)
    purpose = forms.ChoiceField(label=_("Purpose"), required=False)
    requester = forms.ChoiceField(label=_("Requested by"), required=False, choices=REQUESTERS)
    since = forms.DateField(
        label=_("Reported ones requested since"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        anything: list[tuple[str, Any]] = [("", _("Any"))]
        choices = {
            "status": anything + list(Verification.Status.choices),
            "conclusion": anything + list(Verification.Conclusion.choices),
            "purpose": anything + _purposes(),
        }
        for name, options in choices.items():
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = options


class FeedFilterForm(StyledForm):
    """The feeds list's window (GET): the feeds received since this day."""

    since = forms.DateField(label=_("Received since"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


class FindingFilterForm(StyledForm):
    """The findings list's check (GET): the month of a monthly verification; empty: the latest."""

    month = MonthField(label=_("Month of the verification"), required=False, months_ahead=0)
