from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "minsheng.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from minsheng.core import schema  # noqa: F401  (registers the OpenAPI authentication extension)
