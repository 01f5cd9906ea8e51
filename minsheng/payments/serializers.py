from __future__ import annotations

import datetime as dt
from typing import Any

from rest_framework import serializers

from minsheng.core.api import ModelSerializer
from minsheng.core.forms import MonthField
from minsheng.core.limits import REASON_MAX
from minsheng.payments.models import PayrollBatch


class HeldFiguresSerializer(serializers.Serializer[dict[str, int]]):
    count = serializers.IntegerField(help_text="lines held back for the reason")
    fen = serializers.IntegerField(help_text="their total in fen")


class PayrollBatchSerializer(ModelSerializer[PayrollBatch]):
    payable_count = serializers.IntegerField(read_only=True)
    payable_fen = serializers.IntegerField(read_only=True)
    held_by_reason = serializers.DictField(
        child=HeldFiguresSerializer(),
        read_only=True,
        help_text="the lines held back per hold reason (deceased, moved_away, duplicate, no_account), the reasons "
        "with a line only",
    )

    class Meta:
        model = PayrollBatch
        fields = [
            "id",
            "area_code",
            "programme",
            "period",
            "status",
            "line_count",
            "total_fen",
            "held_count",
            "held_fen",
            "held_by_reason",
            "pending_count",
            "pending_fen",
            "paid_count",
            "paid_fen",
            "failed_count",
            "failed_fen",
            "payable_count",
            "payable_fen",
            "prepared_by",
            "prepared_at",
            "approved_by",
            "approved_at",
            "approval_opinion",
        ]
        read_only_fields = fields


class GenerateSerializer(serializers.Serializer[None]):
    county = serializers.RegexField(r"^[0-9]{12}$", help_text="the county's 12-digit division code")
    programme = serializers.CharField(max_length=20)
    period = serializers.RegexField(r"^[0-9]{4}-[0-9]{2}$", help_text="the month paid, YYYY-MM")

    def validate_period(self, value: str) -> dt.date:
        """The month's first day, read as the pages read a month (a refused month is a 400, never a 500)."""
        month: dt.date = MonthField().clean(value)
        return month


class ReturnFileSerializer(serializers.Serializer[None]):
    file = serializers.FileField(help_text="the bank's return file (CSV or Excel, layout in docs/payments.md)")


class ReturnResultSerializer(serializers.Serializer[dict[str, Any]]):
    paid = serializers.IntegerField()
    failed = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    reconciled = serializers.BooleanField()


class ApproveSerializer(serializers.Serializer[None]):
    opinion = serializers.CharField(max_length=REASON_MAX, help_text="the approval opinion (审核意见)")
    payable_count = serializers.IntegerField(min_value=0, help_text="the lines to be paid, as read from the batch")
    payable_fen = serializers.IntegerField(min_value=0, help_text="their total in fen, as read from the batch")
