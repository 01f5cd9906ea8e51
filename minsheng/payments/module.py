"""The payroll (发放): the payment officer prepares a county's monthly batch, the county approver checks and approves
it (maker-checker: the service refuses the preparer as approver); bank files, reconciliation, re-issue."""

from django.utils.translation import gettext_lazy as _

from minsheng.core.modules import (
    ApiRoute,
    DemoStep,
    DueWork,
    Headline,
    Module,
    NavEntry,
    PersonSection,
    StatisticsFamily,
)
from minsheng.core.roles import Role
from minsheng.payments import figures, selectors
from minsheng.payments.api import PayrollBatchViewSet
from minsheng.payments.demo import demo_step
from minsheng.payments.models import PaymentLine

READ = frozenset({"payments.view_payrollbatch", "payments.view_paymentline"})

MODULE = Module(
    app_label="payments",
    permissions={
        Role.COUNTY_APPROVER: READ | {"payments.approve_payrollbatch"},
        Role.COUNTY_PAYMENT_OFFICER: READ | {"payments.add_payrollbatch"},
    },
    navigation=(NavEntry("payments.view_payrollbatch", "payments:batch_list", _("Payroll"), "assistance", 100),),
    audit_actions={
        "payments.payroll_generated": _("Payroll prepared"),
        "payments.payroll_approved": _("Payroll approved"),
        "payments.payroll_exported": _("Payment file exported"),
        "payments.bank_return_imported": _("Bank return file imported"),
    },
    urls=("payments/", "minsheng.payments.urls"),
    api_routes=(ApiRoute("payroll-batches", PayrollBatchViewSet, "payroll-batch"),),
    statistics=(
        StatisticsFamily(
            "payments",
            figures.INDICATORS,
            changed_by=("payments.bank_return_imported",),
            compute=figures.paid_cells,
            tables=(PaymentLine,),
            months_of=figures.batch_months,
        ),
    ),
    headlines=(Headline("paid_total", _("Assistance paid"), "fen", False, figures.paid_total, 50),),
    demo=(DemoStep(40, demo_step),),
    pays_household=(selectors.household_paid,),
    enrolled_households=(selectors.enrolled_households,),
    due_work=(
        DueWork(
            "payroll_approve",
            _("Payroll to approve"),
            "payments.approve_payrollbatch",
            items=selectors.batches_due,
            count=selectors.batches_due_count,
            order=80,
        ),
    ),
    person_sections=(
        PersonSection("payments", _("Payment ledger"), "payments/_ledger.html", selectors.person_ledger_section, 60),
    ),
)
