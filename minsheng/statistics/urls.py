from django.urls import URLPattern, path

from minsheng.statistics import views

app_name = "statistics"

urlpatterns: list[URLPattern] = [
    path("", views.dashboard, name="dashboard"),
    path("screen/", views.big_screen, name="big_screen"),
    path("excel/", views.dashboard_xlsx, name="dashboard_xlsx"),
    path("excel/<slug:table>/", views.table_xlsx, name="table_xlsx"),
]
