from django.urls import path

from minsheng.intake import views

app_name = "intake"
urlpatterns = [path("consultations/", views.consultations, name="consultations")]
