"""URLs of the means pages (included by assistance/urls.py)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
