"""URLs of the household economic status, the means test and policy simulation."""

from django.urls import URLPattern, path

from minsheng.assistance.means import views

urlpatterns: list[URLPattern] = [
    path("households/<int:pk>/means/", views.household_means, name="household_means"),
    path("households/<int:pk>/means/new/", views.status_new, name="status_new"),
    path("households/<int:pk>/means/assess/", views.assessment_run, name="assessment_run"),
    path("statuses/<int:pk>/<str:line>/add/", views.status_line_add, name="status_line_add"),
    path("statuses/<int:pk>/<str:line>/<int:line_id>/remove/", views.status_line_remove, name="status_line_remove"),
    path("statuses/<int:pk>/authorisation/", views.authorisation_record, name="authorisation_record"),
    path("assessments/<int:pk>/", views.assessment_detail, name="assessment_detail"),
    path("simulations/", views.simulations, name="simulations"),
    path("simulations/<int:pk>/", views.simulation_detail, name="simulation_detail"),
]
