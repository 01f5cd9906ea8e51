from minsheng.accounts.roles import Role
from minsheng.testing import ALL_ROLES, Endpoint, register


def _edit(p: object) -> dict[str, object]:
    from minsheng.catalog.models import Item

    item = Item.objects.get(number=30)
    return {
        "name": item.name,
        "owners": list(item.owners.values_list("pk", flat=True)),
        "kind": item.kind,
        "time_limit_days": "10",
        "deciding_level": item.deciding_level,
        "active": "on",
        "reason": "承诺时限",
    }


register(
    Endpoint("catalog:item_list", ALL_ROLES),
    Endpoint("catalog:item_detail", ALL_ROLES, kwargs=lambda p: {"number": 30}),
    Endpoint(
        "catalog:item_detail",
        frozenset({Role.CITY_ADMIN}),
        method="post",
        kwargs=lambda p: {"number": 30},
        data=_edit,
        success=302,
    ),
)
