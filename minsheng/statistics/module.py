"""The statistics (智慧民政): figures of the user's own areas, from the village up to the city.

Every staff role of an area reads them; a partner department's handler does not (the figures cover every programme
and department of an area, while a handler's work is scoped to their department's items). The families of figures
and the headline cards are declared by the modules whose records they count.
"""

from django.utils.translation import gettext_lazy as _

from minsheng.core.modules import DemoStep, Module, NavEntry
from minsheng.core.roles import Role
from minsheng.statistics.demo import demo_step

MODULE = Module(
    app_label="statistics",
    permissions={role: {"statistics.view_dashboard"} for role in Role if role != Role.DEPARTMENT_HANDLER},
    navigation=(NavEntry("statistics.view_dashboard", "statistics:dashboard", _("Statistics"), "", 110),),
    urls=("statistics/", "minsheng.statistics.urls"),
    # Last: after every module's bulk writes.
    demo=(DemoStep(1000, demo_step),),
)
