from django.urls import URLPattern, path

from minsheng.payments import views

app_name = "payments"

urlpatterns: list[URLPattern] = [
    path("", views.batch_list, name="batch_list"),
    path("prepare/", views.batch_prepare, name="batch_prepare"),
    path("<int:pk>/", views.batch_detail, name="batch_detail"),
    path("<int:pk>/prepare/", views.batch_regenerate, name="batch_regenerate"),
    path("<int:pk>/approve/", views.batch_approve, name="batch_approve"),
    path("<int:pk>/export/", views.batch_export, name="batch_export"),
    path("<int:pk>/import/", views.batch_import, name="batch_import"),
    path("jobs/<int:pk>/", views.job_detail, name="job_detail"),
]
