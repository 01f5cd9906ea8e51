from django.urls import path

from minsheng.funeral import views

app_name = "funeral"
urlpatterns = [
    path("", views.facility_list, name="facility_list"),
    path("new/", views.facility_new, name="facility_new"),
    path("<int:pk>/", views.facility_detail, name="facility_detail"),
    path("<int:pk>/items/", views.item_new, name="item_new"),
    path("<int:pk>/filings/", views.filing_new, name="filing_new"),
    path("filings/", views.filing_list, name="filing_list"),
    path("filings/<int:pk>/", views.filing_detail, name="filing_detail"),
    path("filings/<int:pk>/review/", views.filing_review_view, name="filing_review"),
    path("cases/", views.case_list, name="case_list"),
    path("cases/new/", views.case_new, name="case_new"),
    path("cases/<int:pk>/", views.case_detail, name="case_detail"),
    path("cases/<int:pk>/cremation/", views.case_cremation, name="case_cremation"),
    path("cases/<int:pk>/waiver/", views.case_waiver, name="case_waiver"),
    path("settlements/", views.settlement_list, name="settlement_list"),
    path("settlements/prepare/", views.settlement_prepare, name="settlement_prepare"),
    path("settlements/<int:pk>/", views.settlement_detail, name="settlement_detail"),
    path("settlements/<int:pk>/approve/", views.settlement_approve_view, name="settlement_approve"),
    path("settlements/<int:pk>/pay/", views.settlement_pay_view, name="settlement_pay"),
    path("reports/", views.complaint_list, name="complaint_list"),
    path("reports/<int:pk>/", views.complaint_detail, name="complaint_detail"),
    path("reports/<int:pk>/answer/", views.complaint_answer_view, name="complaint_answer"),
    # Public: the filed prices of every cemetery and the report form (价格公示, 投诉举报).
    path("public/", views.public_cemeteries, name="public_cemeteries"),
    path("public/<int:pk>/", views.public_cemetery, name="public_cemetery"),
    path("public/report/", views.public_report, name="public_report"),
]
