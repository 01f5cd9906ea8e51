from django.urls import path

from minsheng.children import views

app_name = "children"
urlpatterns = [
    path("", views.child_list, name="child_list"),
    path("<int:pk>/", views.child_detail, name="child_detail"),
    path("<int:pk>/work/", views.child_work, name="child_work"),
    path("<int:pk>/file/", views.child_edit, name="child_edit"),
    path("<int:pk>/de-facto/", views.child_de_facto, name="child_de_facto"),
    path("<int:pk>/assess/", views.child_assess, name="child_assess"),
    path("<int:pk>/visit/", views.child_visit, name="child_visit"),
    path("<int:pk>/plan/", views.child_plan, name="child_plan"),
    path("<int:pk>/services/", views.child_service, name="child_service"),
    path("<int:pk>/services/<int:service>/done/", views.child_service_done, name="child_service_done"),
    path("<int:pk>/referrals/", views.child_referral, name="child_referral"),
    path("<int:pk>/referrals/<int:referral>/answer/", views.referral_answer, name="referral_answer"),
    path("<int:pk>/referrals/<int:referral>/outcome/", views.referral_outcome, name="referral_outcome"),
    path("<int:pk>/close/", views.child_close, name="child_close"),
    path("<int:pk>/reopen/", views.child_reopen, name="child_reopen"),
    path("<int:pk>/report/", views.child_report, name="child_report"),
]
# Pages not of one child: before the child's pages would be matched, so they sit under their own prefixes.
urlpatterns = [
    path("reports/", views.report_list, name="report_list"),
    path("reports/<int:pk>/", views.report_detail, name="report_detail"),
    path("reports/<int:pk>/police/", views.report_police, name="report_police"),
    path("reports/<int:pk>/close/", views.report_close, name="report_close"),
    path("workforce/", views.workforce, name="workforce"),
    path("places/", views.place_list, name="place_list"),
    path("places/new/", views.place_new, name="place_new"),
    path("projects/", views.project_list, name="project_list"),
    path("projects/new/", views.project_new, name="project_new"),
    path("projects/<int:pk>/", views.project_detail, name="project_detail"),
    path("projects/<int:pk>/enrol/", views.project_enrol, name="project_enrol"),
    path("projects/<int:pk>/attendance/", views.project_attendance, name="project_attendance"),
    *urlpatterns,
]
