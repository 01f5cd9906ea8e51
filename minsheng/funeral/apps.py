from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FuneralConfig(AppConfig):
    name = "minsheng.funeral"
    label = "funeral"
    verbose_name = _("Funeral services")
