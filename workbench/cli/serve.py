"""``workbench serve``: the Streamlit app."""

from __future__ import annotations

import os
import sys

import click

from workbench.cli.options import command, pass_settings
from workbench.config import PROJECT_ROOT, Settings
from workbench.errors import NotFound, PermissionDenied

APP = PROJECT_ROOT / "app.py"


@command()
@click.option("--host", metavar="HOST", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
@click.option("--port", metavar="PORT", type=int, default=8501, help="port (default 8501)")
@pass_settings
def serve(settings: Settings, host: str, port: int) -> None:
    """Start the Streamlit app (on 127.0.0.1 by default).

    \b
    example:
      workbench serve --port 8501
    """
    from workbench.store import open_store
    from workbench.users import count_users, is_loopback

    if not is_loopback(host) and count_users(open_store(settings)) == 0:
        raise PermissionDenied(
            f"refusing to serve on {host}: serving beyond 127.0.0.1 requires sign-in, and no users "
            "exist; add one with `workbench user add NAME --role admin`, or serve on 127.0.0.1")
    if not APP.exists():
        raise NotFound(f"{APP} not found; run `workbench serve` from a source checkout")
    env = {**os.environ, "WORKBENCH_HOME": str(settings.home.resolve()), "WORKBENCH_SERVER_ADDRESS": host}
    command_line = [
        sys.executable, "-m", "streamlit", "run", str(APP),
        "--server.address", host, "--server.port", str(port),
        "--server.headless", "true", "--browser.gatherUsageStats", "false",
        "--client.toolbarMode", "minimal",
    ]
    print(f"Serving the workbench on http://{host}:{port} (Ctrl+C to stop)", file=sys.stderr, flush=True)
    # Become the server, so that a stop signal (Ctrl+C, or a supervisor's SIGTERM) reaches it
    # rather than leaving it running without a parent.
    os.execve(sys.executable, command_line, env)
