"""URLs of the workflow pages (included by assistance/urls.py)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
