from django.urls import path

from minsheng.workdays import views

app_name = "workdays"
urlpatterns = [
    path("", views.calendar_view, name="calendar"),
    path("load/", views.arrangement_load, name="load"),
]
