from __future__ import annotations

from typing import Any

from rest_framework import serializers

from minsheng.core.limits import REASON_MAX
from minsheng.payments.models import PayrollBatch


class PayrollBatchSerializer(serializers.ModelSerializer[PayrollBatch]):
    payable_count = serializers.IntegerField(read_only=True)
    payable_fen = serializers.IntegerField(read_only=True)

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
    county = serializers.RegexField(r"^\d{12}$", help_text="the county's 12-digit division code")
    programme = serializers.CharField(max_length=20)
    period = serializers.RegexField(r"^\d{4}-\d{2}$", help_text="the month paid, YYYY-MM")


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
