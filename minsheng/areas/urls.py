from django.urls import path

from minsheng.areas import views

app_name = "areas"
urlpatterns = [
    path("", views.division_index, name="index"),
    path("<str:code>/", views.division_detail, name="detail"),
]
