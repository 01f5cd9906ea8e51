from django.urls import path

from minsheng.eldercare import views

app_name = "eldercare"
urlpatterns = [
    path("", views.facility_list, name="facility_list"),
    path("facilities/new/", views.facility_new, name="facility_new"),
    path("facilities/<str:pk>/", views.facility_detail, name="facility_detail"),
    path("facilities/<str:pk>/inspections/", views.inspection_new, name="inspection_new"),
    path("facilities/<str:pk>/residents/", views.resident_new, name="resident_new"),
    path("elders/", views.elder_list, name="elder_list"),
    path("elders/circumstances/", views.circumstance_new, name="circumstance_new"),
    path("elders/<str:pk>/", views.elder_detail, name="elder_detail"),
    path("providers/", views.provider_list, name="provider_list"),
    path("providers/new/", views.provider_new, name="provider_new"),
    path("providers/<str:pk>/", views.provider_detail, name="provider_detail"),
    path("providers/<str:pk>/contracts/", views.contract_new, name="contract_new"),
    path("orders/generate/", views.orders_generate, name="orders_generate"),
    path("visits/", views.my_visits, name="my_visits"),
    path("visits/lines/<str:pk>/", views.visit_new, name="visit_new"),
    path("compliance/", views.compliance, name="compliance"),
    path("compliance/missed/<str:pk>/", views.missed_ack, name="missed_ack"),
    path("needs/", views.need_list, name="need_list"),
    path("verify/", views.verify_list, name="verify_list"),
    path("verify/<str:pk>/", views.visit_verify, name="visit_verify"),
    path("settlements/", views.settlement_list, name="settlement_list"),
    path("settlements/prepare/", views.settlement_prepare, name="settlement_prepare"),
    path("settlements/<str:pk>/", views.settlement_detail, name="settlement_detail"),
    path("settlements/<str:pk>/approve/", views.settlement_approve, name="settlement_approve"),
    path("settlements/<str:pk>/pay/", views.settlement_pay, name="settlement_pay"),
    path("old-age/liveness/", views.liveness_list, name="liveness_list"),
    path("old-age/liveness/<str:pk>/", views.liveness_confirm, name="liveness_confirm"),
    path("old-age/deaths/", views.death_list, name="death_list"),
    path("old-age/deaths/<str:pk>/", views.death_handle, name="death_handle"),
]
