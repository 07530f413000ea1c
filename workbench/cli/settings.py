"""``workbench settings``: every setting, its value and its help."""

from __future__ import annotations

from workbench.cli.options import command, json_option, pass_settings, print_json
from workbench.config import Settings


@command("settings")
@json_option()
@pass_settings
def show_settings(settings: Settings, as_json: bool) -> None:
    """Show every setting, its value and what it does.

    \b
    example:
      WORKBENCH_MAX_FILE_MB=10 workbench settings
    """
    values = {name: str(getattr(settings, name)) for name, _, _ in Settings.describe()}
    if settings.originals_key:
        values["originals_key"] = "(set)"
    values["database (in effect)"] = settings.database
    if as_json:
        print_json(values)
        return
    for name, default, text in Settings.describe():
        print(f"{name} = {values[name]}\n    {text} (default: {default})")
