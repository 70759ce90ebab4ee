from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import path

from jili.web import views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("language/<str:code>/", views.language, name="language"),
    path("me/", views.me, name="me"),
    path("agents/<str:agent_id>/", views.agent, name="agent"),
    path("agents/<str:agent_id>/<str:policy>/<str:period>/", views.statement, name="statement"),
    path("teams/", views.teams, name="teams"),
    path("teams/<str:code>/", views.team, name="team"),
    path("boards/", views.boards, name="boards"),
    path("boards/<str:policy>/<str:period>/", views.leaderboard, name="board"),
    path("wall/<str:token>/<str:policy>/", views.wallboard, name="wallboard"),
    path("wall/<str:token>/<str:policy>/rows/", views.wallboard_rows, name="wallboard_rows"),
    path("quality/", views.quality, name="quality"),
    path("periods/", views.periods, name="periods"),
    path("periods/<str:label>/", views.period, name="period"),
    path("periods/<str:label>/run/", views.run_policy, name="run"),
    path("periods/<str:label>/close/", views.close_period, name="close"),
    path("periods/<str:label>/correct/", views.correct, name="correct"),
    path("periods/<str:label>/<str:policy>/payout.xlsx", views.payout, name="payout"),
    path("work/", views.work, name="work"),
    path("work/assign/", views.assign, name="assign"),
    path("work/<int:assignment_id>/", views.evaluate, name="evaluate"),
    path("work/<int:assignment_id>/total/", views.running_total, name="running_total"),
    path("calibration/", views.calibration, name="calibration"),
    path("calibration/open/", views.calibration_open, name="calibration_open"),
    path("calibration/<int:session_id>/", views.calibration_session, name="calibration_session"),
    path("calibration/<int:session_id>/close/", views.calibration_close, name="calibration_close"),
    path("calibration/call/<int:call_id>/", views.calibration_score, name="calibration_score"),
    path("calibration/call/<int:call_id>/total/", views.calibration_total, name="calibration_total"),
    path("calibration/call/<int:call_id>/consensus/", views.calibration_consensus, name="calibration_consensus"),
    path("coaching/", views.coaching, name="coaching"),
    path("coaching/open/", views.coaching_open, name="coaching_open"),
    path("coaching/<int:task_id>/", views.coaching_task, name="coaching_task"),
    path("coaching/<int:task_id>/session/", views.coaching_session, name="coaching_session"),
    path("coaching/<int:task_id>/acknowledge/", views.coaching_acknowledge, name="coaching_acknowledge"),
    path("evaluations/", views.my_evaluations, name="evaluations"),
    path("evaluations/<str:evaluation_id>/", views.evaluation, name="evaluation"),
    path("evaluations/<str:evaluation_id>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("evaluations/<str:evaluation_id>/appeal/", views.appeal, name="appeal_file"),
    path("appeals/", views.appeals, name="appeals"),
    path("appeals/<int:appeal_id>/", views.appeal_detail, name="appeal"),
    path("appeals/<int:appeal_id>/review/", views.appeal_review, name="appeal_review"),
    path("appeals/<int:appeal_id>/decide/", views.appeal_decide, name="appeal_decide"),
    path("imports/", views.imports, name="imports"),
    path("audit/", views.audit, name="audit"),
    path("admin/", admin.site.urls),
]

handler404 = "jili.web.views.not_found"
handler403 = "jili.web.views.forbidden"
