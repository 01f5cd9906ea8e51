from django.urls import include, path
from django.views.i18n import set_language
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from minsheng.areas.api import DivisionViewSet
from minsheng.core import views as core_views
from minsheng.payments.api import PayrollBatchViewSet
from minsheng.people.api import HouseholdViewSet, PersonViewSet

router = DefaultRouter()
router.register("divisions", DivisionViewSet, basename="division")
router.register("persons", PersonViewSet, basename="person")
router.register("households", HouseholdViewSet, basename="household")
router.register("payroll-batches", PayrollBatchViewSet, basename="payroll-batch")

urlpatterns = [
    path("", core_views.home, name="home"),
    path("accounts/", include("minsheng.accounts.urls")),
    path("areas/", include("minsheng.areas.urls")),
    path("audit/", include("minsheng.audit.urls")),
    path("people/", include("minsheng.people.urls")),
    path("calendar/", include("minsheng.workdays.urls")),
    path("catalog/", include("minsheng.catalog.urls")),
    path("window/", include("minsheng.intake.urls")),
    path("assistance/", include("minsheng.assistance.urls")),
    path("payments/", include("minsheng.payments.urls")),
    path("statistics/", include("minsheng.statistics.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("api/v1/", include((router.urls, "api"))),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
]

handler403 = core_views.error_403
handler404 = core_views.error_404
handler500 = core_views.error_500
