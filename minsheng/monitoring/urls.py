from django.urls import path

from minsheng.monitoring import phone, views

app_name = "monitoring"
urlpatterns = [
    path("warnings/", views.alert_list, name="alert_list"),
    path("warnings/<int:pk>/", views.alert_detail, name="alert_detail"),
    path("warnings/<int:pk>/visit/", views.visit_desk, name="visit_desk"),
    path("warnings/<int:pk>/confirm/", views.alert_confirm_view, name="alert_confirm"),
    path("population/", views.population, name="population"),
    path("population/<int:pk>/", views.household_file, name="household_file"),
    path("rules/", views.rule_list, name="rule_list"),
    path("rules/new/", views.rule_edit, name="rule_new"),
    path("rules/<int:pk>/", views.rule_edit, name="rule_edit"),
]

# The visit on a phone (phone.py): the page, its endpoint, the queue kept on the phone, the service worker and the
# web app manifest (the worker's scope is /monitoring/, where it is served).
urlpatterns += [
    path("warnings/<int:pk>/phone/", phone.visit_phone, name="visit_phone"),
    path("warnings/<int:pk>/phone/submit/", phone.visit_submit, name="visit_submit"),
    path("visits/<str:kind>/<int:subject>/phone/", phone.visit_kind_phone, name="visit_kind_phone"),
    path("visits/<str:kind>/<int:subject>/phone/submit/", phone.visit_kind_submit, name="visit_kind_submit"),
    path("phone/", phone.visit_queue, name="visit_queue"),
    path("sw.js", phone.service_worker, name="service_worker"),
    path("manifest.webmanifest", phone.manifest, name="manifest"),
]
