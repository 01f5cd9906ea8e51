"""URLs of the 低保 / 特困 procedure and its notices (included by assistance/urls.py). Every step of the procedure
(``steps.STEPS``) gets its URL, ``programme-cases/<pk>/<the step's path>`` named ``programme_case_<key>``, served by
the one step view."""

from django.urls import URLPattern, path

from minsheng.assistance.procedure import views
from minsheng.assistance.procedure.steps import STEPS

urlpatterns: list[URLPattern] = [
    path("programme-cases/", views.programme_cases, name="programme_cases"),
    path("programme-cases/<int:pk>/", views.programme_case, name="programme_case"),
    *(
        path(f"programme-cases/<int:pk>/{step.path}", views.programme_case_step, {"step": step.key}, name=step.url_name)
        for step in STEPS
    ),
    path("cases/<int:pk>/notice.pdf", views.decision_notice, name="decision_notice"),
    path("programme-cases/<int:pk>/investigation.pdf", views.investigation_form, name="investigation_form"),
    path("publicity.pdf", views.publicity_list, name="publicity_list"),
]
