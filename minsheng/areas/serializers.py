from __future__ import annotations

from rest_framework import serializers

from minsheng.areas.models import Division


class DivisionSerializer(serializers.ModelSerializer[Division]):
    parent = serializers.CharField(source="parent_id", read_only=True, allow_null=True)

    class Meta:
        model = Division
        fields = ["code", "name", "level", "parent"]
