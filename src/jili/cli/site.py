"""``jili serve`` (the web site), ``jili user add`` (site accounts) and ``jili wallboard`` (TV tokens)."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from jili.cli.app import JsonOpt, WorkspaceOpt, _fail, acting_user, app, open_workspace
from jili.cli.output import console, emit_json, t
from jili.core.problems import Problem

user_app = typer.Typer(help="Site accounts / 网站账号", no_args_is_help=True)
app.add_typer(user_app, name="user")


@user_app.command("add")
def user_add(username: Annotated[str, typer.Argument(help="Login name / 登录名")],
             role: Annotated[str, typer.Option(help="agent, leader, evaluator, qa_manager, payroll, admin / 角色")],
             agent: Annotated[str | None, typer.Option(help="The agent id in the roster / 对应工号")] = None,
             team: Annotated[list[str] | None, typer.Option(help="A team the leader sees (repeat) / 所管班组")] = None,
             workspace: WorkspaceOpt = None, as_json: JsonOpt = False) -> None:
    """Create a login for one person; prints its first password once. / 创建网站账号。"""
    open_workspace(workspace, as_json)
    from jili.registry.accounts import do_create_account

    result = do_create_account(username, role, acting_user=acting_user(), agent_id=agent, teams=team or [],
                               password=os.environ.get("JILI_NEW_PASSWORD") or None)
    if isinstance(result, Problem):
        raise _fail([result], as_json)
    if as_json:
        emit_json({"ok": True, "username": result.username, "role": result.role, "password": result.password})
    else:
        console.print(t(f"✔ {result.username} ({result.role}); first password: {result.password}",
                        f"✔ {result.username}（{result.role}）；初始密码：{result.password}"), style="green", markup=False)


@app.command()
def wallboard(label: Annotated[str, typer.Argument(help="Where the screen hangs / 大屏位置")],
              workspace: WorkspaceOpt = None, as_json: JsonOpt = False) -> None:
    """Make a read-only token for a wallboard screen. / 生成大屏只读令牌。"""
    open_workspace(workspace, as_json)
    from jili.registry.accounts import do_create_wallboard_token

    token = do_create_wallboard_token(label, acting_user=acting_user())
    if as_json:
        emit_json({"ok": True, "token": token, "path": f"/wall/{token}/POLICY/"})
    else:
        console.print(t(f"✔ token for {label}: open /wall/{token}/POLICY/ on the screen",
                        f"✔ {label} 的令牌：在大屏上打开 /wall/{token}/策略名/"), markup=False)


@app.command()
def serve(host: Annotated[str, typer.Option(help="Address to listen on / 监听地址")] = "127.0.0.1",
          port: Annotated[int, typer.Option(help="Port / 端口")] = 8000,
          threads: Annotated[int, typer.Option(help="Worker threads / 线程数")] = 8,
          workspace: WorkspaceOpt = None) -> None:
    """Serve the web site with a production WSGI server (waitress), static files by whitenoise. / 启动网站。"""
    os.environ.pop("JILI_DEBUG", None)  # never DEBUG when serving
    if host not in ("127.0.0.1", "localhost", "0.0.0.0", "::"):
        os.environ["JILI_ALLOWED_HOSTS"] = ",".join(filter(None, [os.environ.get("JILI_ALLOWED_HOSTS", ""), host]))
    ws = open_workspace(workspace, False, site=True)
    from django.core.wsgi import get_wsgi_application
    from waitress import serve as waitress_serve

    application = get_wsgi_application()
    console.print(t(f"Jili · {ws.name} on http://{host}:{port}/ (Ctrl-C stops)",
                    f"Jili · {ws.name}：http://{host}:{port}/（Ctrl-C 停止）"), markup=False)
    waitress_serve(application, host=host, port=port, threads=threads, ident="jili")
