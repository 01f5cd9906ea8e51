"""Permission-matrix registrations of the desk: every signed-in user has a to-do list and notices of their own."""

from minsheng.testing import ALL_PERSONAS, Endpoint, register

register(
    Endpoint("desk:todo", ALL_PERSONAS),
    Endpoint("desk:notices_read", ALL_PERSONAS, method="post", success=302),
)
