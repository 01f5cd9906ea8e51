from django.urls import path

from minsheng.assistance import urls_benefits, urls_means, urls_temporary, urls_workflow, views

app_name = "assistance"
urlpatterns = [
    path("rules/", views.rules, name="rules"),
    *urls_means.urlpatterns,
    *urls_workflow.urlpatterns,
    *urls_temporary.urlpatterns,
    *urls_benefits.urlpatterns,
]
