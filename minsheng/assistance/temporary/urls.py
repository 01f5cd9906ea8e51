"""URLs of the temporary pages (included by assistance/urls.py)."""

from django.urls import URLPattern, path

from minsheng.assistance.temporary import views

urlpatterns: list[URLPattern] = [
    path("temporary/", views.temporary_list, name="temporary_list"),
    path("temporary/new/", views.temporary_new, name="temporary_new"),
    path("temporary/<int:pk>/", views.temporary_detail, name="temporary_detail"),
    path("temporary/<int:pk>/receipt.pdf", views.temporary_receipt, name="temporary_receipt"),
    path("temporary/<int:pk>/papers/", views.temporary_papers, name="temporary_papers"),
    path("temporary/<int:pk>/decide/", views.temporary_decide, name="temporary_decide"),
    path("temporary/<int:pk>/refer/", views.temporary_refer, name="temporary_refer"),
    path("temporary/referrals/<int:pk>/outcome/", views.referral_outcome, name="referral_outcome"),
    path("temporary/prompts/", views.assessment_prompts, name="assessment_prompts"),
    path("temporary/prompts/<int:pk>/close/", views.prompt_close, name="prompt_close"),
]
