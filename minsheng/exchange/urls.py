from django.urls import path

from minsheng.exchange import views

app_name = "exchange"
urlpatterns = [
    path("sources/", views.source_list, name="source_list"),
    path("feeds/", views.feed_list, name="feed_list"),
    path("feeds/new/", views.feed_new, name="feed_new"),
    path("feeds/<int:pk>/", views.feed_detail, name="feed_detail"),
    path("feeds/refused/<int:pk>/report/", views.rejection_report, name="rejection_report"),
    path("clients/", views.client_list, name="client_list"),
    path("clients/new/", views.client_new, name="client_new"),
    path("clients/<int:pk>/rotate/", views.client_rotate, name="client_rotate"),
    path("clients/<int:pk>/revoke/", views.client_revoke_view, name="client_revoke"),
    path("clients/<int:pk>/verify/", views.client_may_verify, name="client_may_verify"),
    path("households/<int:pk>/authorisations/", views.household_authorisations, name="household_authorisations"),
    path("households/<int:pk>/authorisations/new/", views.authorisation_new, name="authorisation_new"),
    path("authorisations/<int:pk>/", views.authorisation_detail, name="authorisation_detail"),
    path("authorisations/<int:pk>/end/", views.authorisation_end_view, name="authorisation_end"),
    path("persons/<int:pk>/", views.person_records, name="person_records"),
    path("checks/", views.check_list, name="check_list"),
    path("checks/start/", views.check_start, name="check_start"),
    path("findings/", views.finding_list, name="finding_list"),
    path("findings/<int:pk>/close/", views.finding_close_view, name="finding_close"),
    path("households/<int:pk>/verifications/new/", views.verification_new, name="verification_new"),
    path("verifications/", views.verification_list, name="verification_list"),
    path("verifications/<int:pk>/", views.verification_detail, name="verification_detail"),
    path("verifications/<int:pk>/review/", views.verification_review_view, name="verification_review"),
    path("verifications/<int:pk>/object/", views.verification_object_view, name="verification_object"),
    path("verifications/<int:pk>/report.pdf", views.verification_pdf, name="verification_pdf"),
    path(
        "verifications/<int:pk>/queries/<int:query_pk>/file/",
        views.verification_query_file,
        name="verification_query_file",
    ),
    path(
        "verifications/<int:pk>/queries/<int:query_pk>/answer/",
        views.verification_answer,
        name="verification_answer",
    ),
]
