from __future__ import annotations

from rest_framework import serializers

from minsheng.core.api import ModelSerializer
from minsheng.core.limits import REASON_MAX
from minsheng.people.models import Household, Membership, Person


class PersonSerializer(ModelSerializer[Person]):
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


class MembershipSerializer(ModelSerializer[Membership]):
    person = PersonSerializer(read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "person", "relation", "living_together", "exclusion", "joined_on", "left_on", "left_reason"]
        read_only_fields = fields


class HouseholdSerializer(ModelSerializer[Household]):
    memberships = MembershipSerializer(many=True, read_only=True)

    class Meta:
        model = Household
        fields = ["id", "number", "area", "address", "memberships"]
        read_only_fields = fields


# The search criteria of the lists, checked like the search form's (lengths; no NUL characters).
class PersonQuerySerializer(serializers.Serializer[None]):
    id_number = serializers.CharField(
        required=False, allow_blank=True, max_length=20, help_text="exact ID number (15 or 18 characters)"
    )
    name = serializers.CharField(
        required=False, allow_blank=True, max_length=50, help_text="name prefix, same-sounding name, or pinyin letters"
    )
    area = serializers.CharField(
        required=False, allow_blank=True, max_length=12, help_text="division code prefix (户籍地 or 居住地)"
    )
    status = serializers.ChoiceField(choices=Person.Status.choices, required=False, allow_blank=True)


class HouseholdQuerySerializer(serializers.Serializer[None]):
    number = serializers.CharField(required=False, allow_blank=True, max_length=24, help_text="household number")
    id_number = serializers.CharField(
        required=False, allow_blank=True, max_length=20, help_text="ID number of a current or former member"
    )
    area = serializers.CharField(
        required=False, allow_blank=True, max_length=12, help_text="division code prefix of the household's area"
    )
