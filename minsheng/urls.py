"""The project's URLs: each module's pages under its own prefix and its API routes on the router, as the modules
declare them (``core.modules``); nothing here names a domain app."""

from django.urls import URLPattern, URLResolver, include, path
from django.views.i18n import set_language
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from minsheng.core import views as core_views
from minsheng.core.modules import modules, url_patterns


def api_router() -> DefaultRouter:
    router = DefaultRouter()
    for module in modules():
        for route in module.api_routes:
            router.register(route.prefix, route.viewset, basename=route.basename)
    return router


def build_urlpatterns() -> list[URLPattern | URLResolver]:
    return [
        path("", core_views.home, name="home"),
        *url_patterns(),
        path("i18n/setlang/", set_language, name="set_language"),
        path("api/v1/", include((api_router().urls, "api"))),
        path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    ]


urlpatterns = build_urlpatterns()

handler400 = core_views.error_400
handler403 = core_views.error_403
handler404 = core_views.error_404
handler500 = core_views.error_500
