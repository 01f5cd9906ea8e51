from minsheng.accounts.roles import Role
from minsheng.testing import Endpoint, register

register(Endpoint("audit:event_list", frozenset({Role.CITY_ADMIN, Role.AUDITOR})))
