from __future__ import annotations

from minsheng.areas.models import Division
from minsheng.core.api import ModelSerializer


class DivisionSerializer(ModelSerializer[Division]):
    class Meta:
        model = Division
        fields = ["code", "name", "level", "parent"]
        read_only_fields = fields
