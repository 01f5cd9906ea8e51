from __future__ import annotations

from rest_framework import serializers

from minsheng.areas.models import Division


class DivisionSerializer(serializers.ModelSerializer[Division]):
    class Meta:
        model = Division
        fields = ["code", "name", "level", "parent"]
        read_only_fields = fields
