from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VolunteersConfig(AppConfig):
    name = "minsheng.volunteers"
    label = "volunteers"
    verbose_name = _("Volunteers and needs matched (五社联动)")
