from django.urls import path

from minsheng.people import views

app_name = "people"
urlpatterns = [
    path("", views.person_search, name="search"),
    path("new/", views.person_create, name="person_create"),
    path("<int:pk>/", views.person_detail, name="person_detail"),
    path("<int:pk>/reveal/", views.person_reveal, name="person_reveal"),
    path("<int:pk>/change/", views.person_change, name="person_change"),
    path("households/new/", views.household_create, name="household_create"),
    path("households/<int:pk>/", views.household_detail, name="household_detail"),
    path("households/<int:pk>/members/", views.member_add, name="member_add"),
    path("households/<int:pk>/members/<int:membership_pk>/remove/", views.member_remove, name="member_remove"),
    path("households/<int:pk>/head/", views.head_change, name="head_change"),
    path("imports/", views.import_list, name="imports"),
    path("imports/template/", views.import_template, name="import_template"),
    path("imports/<int:pk>/", views.import_detail, name="import_detail"),
    path("imports/<int:pk>/errors/", views.import_errors, name="import_errors"),
    path("duplicates/", views.duplicates, name="duplicates"),
    path("duplicates/merge/", views.merge, name="merge"),
    path("changes/", views.change_request_list, name="change_requests"),
    path("changes/<int:pk>/decide/", views.change_request_decide, name="change_request_decide"),
]
