"""URLs of the 低保 / 特困 procedure and its notices (included by assistance/urls.py)."""

from django.urls import URLPattern, path

from minsheng.assistance.procedure import views

urlpatterns: list[URLPattern] = [
    path("programme-cases/", views.programme_cases, name="programme_cases"),
    path("programme-cases/<int:pk>/", views.programme_case, name="programme_case"),
    path("programme-cases/<int:pk>/relative/", views.flag_relative, name="programme_case_relative"),
    path("programme-cases/<int:pk>/investigation/", views.investigation, name="programme_case_investigation"),
    path(
        "programme-cases/<int:pk>/verification/request/",
        views.verification_request,
        name="programme_case_verification_request",
    ),
    path(
        "programme-cases/<int:pk>/verification/result/",
        views.verification_result,
        name="programme_case_verification_result",
    ),
    path("programme-cases/<int:pk>/initial-review/", views.initial_review, name="programme_case_initial_review"),
    path("programme-cases/<int:pk>/publicity/", views.publicity_start, name="programme_case_publicity_start"),
    path("programme-cases/<int:pk>/objection/", views.objection, name="programme_case_objection"),
    path("programme-cases/<int:pk>/publicity/close/", views.publicity_close, name="programme_case_publicity_close"),
    path(
        "programme-cases/<int:pk>/democratic-review/",
        views.democratic_review,
        name="programme_case_democratic_review",
    ),
    path("programme-cases/<int:pk>/county-visit/", views.county_visit, name="programme_case_county_visit"),
    path("programme-cases/<int:pk>/approve/", views.approve, name="programme_case_approve"),
    path("programme-cases/<int:pk>/refuse/", views.refuse, name="programme_case_refuse"),
    path("programme-cases/<int:pk>/reinvestigate/", views.reinvestigate, name="programme_case_reinvestigate"),
    path("cases/<int:pk>/notice.pdf", views.decision_notice, name="decision_notice"),
    path("publicity.pdf", views.publicity_list, name="publicity_list"),
]
