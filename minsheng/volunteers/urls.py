from django.urls import path

from minsheng.volunteers import views

app_name = "volunteers"

urlpatterns = [
    path("", views.volunteer_list, name="volunteer_list"),
    path("new/", views.volunteer_new, name="volunteer_new"),
    path("certificates/<str:pk>/pdf/", views.certificate_print, name="certificate_print"),
    path("verify/", views.verify, name="verify"),
    path("teams/", views.team_list, name="team_list"),
    path("teams/new/", views.team_new, name="team_new"),
    path("teams/<str:pk>/", views.team_detail, name="team_detail"),
    path("teams/<str:pk>/join/", views.team_join, name="team_join"),
    path("teams/<str:pk>/activities/", views.activity_new, name="activity_new"),
    path("activities/<str:pk>/", views.activity_detail, name="activity_detail"),
    path("tasks/", views.task_board, name="task_board"),
    path("tasks/<str:pk>/", views.task_detail, name="task_detail"),
    path("tasks/<str:pk>/take/", views.task_take, name="task_take"),
    path("tasks/<str:pk>/done/", views.task_complete, name="task_complete"),
    path("<str:pk>/", views.volunteer_detail, name="volunteer_detail"),
    path("<str:pk>/certificate/", views.certificate_issue, name="certificate_issue"),
]
