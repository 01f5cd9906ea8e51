from django.urls import path

from minsheng.intake import online_views, views

app_name = "intake"
urlpatterns = [
    path("consultations/", views.consultations, name="consultations"),
    path("applications/new/", views.application_new, name="application_new"),
    path("applications/", views.application_list, name="application_list"),
    path("applications/<int:pk>/", views.application_detail, name="application_detail"),
    path("applications/<int:pk>/receipt.pdf", views.application_receipt, name="application_receipt"),
    path("applications/<int:pk>/materials.pdf", views.application_notice, name="application_notice"),
    path("cases/<int:pk>/notice.pdf", views.case_notice, name="case_notice"),
    path("inbox/", views.inbox, name="inbox"),
    path("cases/<int:pk>/", views.case_detail, name="case_detail"),
    path("cases/<int:pk>/documents/<int:document>/", views.case_document, name="case_document"),
    path("cases/<int:pk>/decide/", views.case_decision, name="case_decide"),
    path("cases/<int:pk>/receive/", views.case_receive_view, name="case_receive"),
    path("cases/<int:pk>/more-materials/", views.case_request_more, name="case_request_materials"),
    path("cases/<int:pk>/transfer/", views.case_hand_over, name="case_transfer"),
    path("cases/<int:pk>/materials-received/", views.case_materials_in, name="case_materials_received"),
    path("overdue/", views.overdue, name="overdue"),
    path("notifications/", views.notifications, name="notifications"),
    path("online/", online_views.online_start, name="online_start"),
    path("online/code/", online_views.online_verify, name="online_verify"),
    path("online/me/", online_views.online_home, name="online_home"),
    path("online/leave/", online_views.online_logout, name="online_logout"),
    path("online/applications/<int:pk>/documents/", online_views.online_upload, name="online_upload"),
    path("applications/<int:pk>/attachments/", views.attachment_upload, name="attachment_upload"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment_download"),
]
