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
    path("imports/", views.imports, name="imports"),
    path("audit/", views.audit, name="audit"),
    path("admin/", admin.site.urls),
]

handler404 = "jili.web.views.not_found"
handler403 = "jili.web.views.forbidden"
