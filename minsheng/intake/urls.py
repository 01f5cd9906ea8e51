from django.urls import path

from minsheng.intake import views

app_name = "intake"
urlpatterns = [
    path("consultations/", views.consultations, name="consultations"),
    path("applications/new/", views.application_new, name="application_new"),
    path("applications/<int:pk>/", views.application_detail, name="application_detail"),
    path("inbox/", views.inbox, name="inbox"),
    path("cases/<int:pk>/decide/", views.case_decision, name="case_decide"),
]
