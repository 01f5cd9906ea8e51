from django.urls import path

from minsheng.assistance import views

app_name = "assistance"
urlpatterns = [path("rules/", views.rules, name="rules")]
