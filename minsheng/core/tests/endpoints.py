from minsheng.testing import ALL_PERSONAS, ALL_ROLES, Endpoint, register

register(
    Endpoint("home", ALL_PERSONAS),
    Endpoint("api:api-root", ALL_PERSONAS, api=True),
    Endpoint("api-schema", ALL_PERSONAS, api=True),
    Endpoint("accounts:scope_select", ALL_PERSONAS, method="post", data=lambda p: {"assignment": ""}, success=302),
)
assert ALL_ROLES <= ALL_PERSONAS
