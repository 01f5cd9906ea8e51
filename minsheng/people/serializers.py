from __future__ import annotations

from rest_framework import serializers

from minsheng.core.limits import REASON_MAX
from minsheng.people.models import Household, Membership, Person


class PersonSerializer(serializers.ModelSerializer[Person]):
    """A person with personal numbers masked; full values only through the audited ``reveal`` action."""

    class Meta:
        model = Person
        fields = [
            "id",
            "name",
            "id_kind",
            "id_masked",
            "gender",
            "birth_date",
            "phone_masked",
            "hukou_area",
            "residence_area",
            "status",
            "status_date",
            "labour_capacity",
            "bank_name",
            "bank_account_masked",
        ]
        read_only_fields = fields


class RevealRequestSerializer(serializers.Serializer[dict[str, str]]):
    reason = serializers.CharField(max_length=REASON_MAX, help_text="why the full numbers are needed (audited)")


class RevealedSerializer(serializers.Serializer[dict[str, str]]):
    id_number = serializers.CharField()
    phone = serializers.CharField()
    bank_account = serializers.CharField()


class MembershipSerializer(serializers.ModelSerializer[Membership]):
    person = PersonSerializer(read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "person", "relation", "living_together", "exclusion", "joined_on", "left_on", "left_reason"]
        read_only_fields = fields


class HouseholdSerializer(serializers.ModelSerializer[Household]):
    memberships = MembershipSerializer(many=True, read_only=True)

    class Meta:
        model = Household
        fields = ["id", "number", "area", "address", "memberships"]
        read_only_fields = fields
