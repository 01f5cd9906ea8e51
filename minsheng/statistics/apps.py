from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StatisticsConfig(AppConfig):
    name = "minsheng.statistics"
    label = "statistics"
    verbose_name = _("Statistics")

    def ready(self) -> None:
        from minsheng.audit.services import recorded

        recorded.connect(_audited, dispatch_uid="statistics.refresh_soon")


def _audited(sender: Any, action: str, kind: str, **kwargs: Any) -> None:
    """A change that can move a figure (its action under a family's ``changed_by``) queues a refresh after its commit
    (``tasks.refresh_soon``). Every change writes its audit events, so this one place sees them all."""
    from minsheng.statistics import indicators as ind
    from minsheng.statistics.refresh import CHANGE_KINDS
    from minsheng.statistics.tasks import refresh_soon

    if kind not in CHANGE_KINDS:
        return
    if any(action.startswith(family.changed_by) for family in ind.families().values()):
        refresh_soon()
