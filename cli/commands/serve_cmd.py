"""`councilkit serve [--port N] [--host H --allow-remote]`: the local portal."""

from __future__ import annotations

import click


@click.command()
@click.option("--port", type=click.IntRange(0, 65535), default=8150, show_default=True, help="Port to listen on (0: any free one).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind; another than 127.0.0.1 needs --allow-remote.")
@click.option("--allow-remote", is_flag=True, help="Let another machine reach the portal (it can deploy with this machine's credentials).")
def serve(port, host, allow_remote):
    """Serve the portal: the catalogue with costs, each app's plan, controls and architecture, the
    assurance pack, and trials. Every page needs the access token printed here."""
    from councilkit.blueprints.errors import UserError
    from councilkit.cli.portal.access import LOCAL_HOSTS, Access, new_token

    if host not in LOCAL_HOSTS and not allow_remote:
        raise UserError(f"--host {host!r} would let other machines reach the portal, which can deploy with this "
                        "machine's cloud credentials; pass --allow-remote as well if that is what you want")
    import socket

    import uvicorn

    from councilkit.cli.portal.app import create_app, default_portal

    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        raise UserError(f"cannot listen on {host}:{port} ({exc.strerror or exc}); pass another --port") from None
    port = sock.getsockname()[1]
    hosts = LOCAL_HOSTS if host in LOCAL_HOSTS else (host,)
    access = Access(new_token(), hosts=hosts)
    if host not in LOCAL_HOSTS:
        click.echo(f"warning: serving on {host}: anyone who can reach it and has the token can deploy with this "
                   "machine's credentials", err=True)
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"councilkit portal: http://{shown}:{port}/?token={access.token}")
    click.echo("(the token is needed for every page; stop with Ctrl-C)")
    portal = default_portal(access)
    try:
        uvicorn.Server(uvicorn.Config(create_app(portal), log_level="warning")).run(sockets=[sock])
    finally:
        portal.planner.close()
