from minsheng.testing import ALL_ROLES, Endpoint, register

register(
    Endpoint("areas:index", ALL_ROLES),
    Endpoint("areas:detail", ALL_ROLES, kwargs=lambda p: {"code": p.village.code}, object_level=True),
    Endpoint("api:division-list", ALL_ROLES, api=True),
    Endpoint(
        "api:division-detail",
        ALL_ROLES,
        kwargs=lambda p: {"code": p.village.code},
        api=True,
        object_level=True,
    ),
)
