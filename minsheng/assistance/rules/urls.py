"""URLs of the rules page (included by assistance/urls.py)."""

from django.urls import URLPattern, path

from minsheng.assistance.rules import views

urlpatterns: list[URLPattern] = [
    path("rules/", views.rules, name="rules"),
]
