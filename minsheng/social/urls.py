from django.urls import path

from minsheng.social import views

app_name = "social"
urlpatterns = [
    path("", views.organisation_list, name="organisation_list"),
    path("new/", views.organisation_new, name="organisation_new"),
    path("<int:pk>/", views.organisation_detail, name="organisation_detail"),
    path("<int:pk>/grade/", views.organisation_grade, name="organisation_grade"),
    path("<int:pk>/charity/", views.organisation_charity, name="organisation_charity"),
    path("<int:pk>/end/", views.organisation_end, name="organisation_end"),
    path("<int:pk>/reports/", views.report_new, name="report_new"),
    path("reports/<int:pk>/inspect/", views.report_inspect, name="report_inspect"),
    path("stations/", views.station_list, name="station_list"),
    path("stations/coverage/", views.coverage, name="coverage"),
    path("stations/new/", views.station_new, name="station_new"),
    path("stations/<int:pk>/", views.station_detail, name="station_detail"),
    path("stations/<int:pk>/assess/", views.station_assess, name="station_assess"),
    path("workers/", views.worker_list, name="worker_list"),
    path("workers/new/", views.worker_new, name="worker_new"),
    path("workers/<int:pk>/leave/", views.worker_leave, name="worker_leave"),
    path("projects/", views.project_list, name="project_list"),
    path("projects/new/", views.project_new, name="project_new"),
    path("projects/<int:pk>/", views.project_detail, name="project_detail"),
    path("projects/<int:pk>/donations/", views.donation_new, name="donation_new"),
    # Public: the registry of social organisations (their registration is published).
    path("public/", views.public_list, name="public_list"),
    path("public/<int:pk>/", views.public_detail, name="public_detail"),
]
