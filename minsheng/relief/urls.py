from django.urls import path

from minsheng.relief import views

app_name = "relief"
urlpatterns = [
    path("", views.admission_list, name="admission_list"),
    path("new/", views.admission_new, name="admission_new"),
    path("<int:pk>/", views.admission_detail, name="admission_detail"),
    path("<int:pk>/depart/", views.admission_depart, name="admission_depart"),
    path("<int:pk>/extend/", views.admission_extend, name="admission_extend"),
    path("<int:pk>/services/", views.admission_services_view, name="admission_services"),
    path("<int:pk>/belongings/", views.belonging_new, name="belonging_new"),
    path("tracing/<int:pk>/checks/", views.tracing_check, name="tracing_check"),
    path("tracing/checks/<int:pk>/result/", views.tracing_check_done, name="tracing_check_result"),
    path("tracing/<int:pk>/announce/", views.tracing_announce, name="tracing_announce"),
    path("tracing/<int:pk>/reunite/", views.tracing_reunite_view, name="tracing_reunite"),
    path("tracing/<int:pk>/resettle/", views.tracing_resettle_view, name="tracing_resettle"),
    path("patrols/", views.patrol_list, name="patrol_list"),
    path("patrols/new/", views.patrol_new, name="patrol_new"),
    path("stations/", views.station_list, name="station_list"),
    path("stations/new/", views.station_new, name="station_new"),
    # Public: the tracing announcements anyone may open (寻亲公告).
    path("public/", views.public_announcements, name="public_announcements"),
    path("public/<str:public_id>/", views.public_announcement, name="public_announcement"),
    path("public/<str:public_id>/photo/", views.public_photo, name="public_photo"),
]
