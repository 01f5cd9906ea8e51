"""The app's pages under one namespace (``assistance:``); each part lists its own."""

from django.urls import URLPattern

from minsheng.assistance.benefits import urls as benefits
from minsheng.assistance.means import urls as means
from minsheng.assistance.procedure import urls as procedure
from minsheng.assistance.rules import urls as rules
from minsheng.assistance.temporary import urls as temporary

app_name = "assistance"
urlpatterns: list[URLPattern] = [
    *rules.urlpatterns,
    *means.urlpatterns,
    *procedure.urlpatterns,
    *temporary.urlpatterns,
    *benefits.urlpatterns,
]
