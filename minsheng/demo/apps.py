from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo city: runs every module's demo step (``Module.demo``) and creates one account per role. The top of
    the layers: it may use every module, and no module uses it."""

    name = "minsheng.demo"
    label = "demo"
    verbose_name = "Demo"
