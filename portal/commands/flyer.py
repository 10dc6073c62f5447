"""`flask flyer link --location Odense` — the flyer's link with a signed campaign token, and its QR code."""
from __future__ import annotations

from pathlib import Path

import click
from flask import current_app

from portal.commands.errors import PortalGroup
from portal.extensions import db

cli = PortalGroup("flyer", help="Flyer for dismissed members (Bilag 6): link and QR code.")


@cli.command("link")
@click.option("--location", required=True, help="The union department / service location, e.g. Odense.")
@click.option("--lang", type=click.Choice(["da", "en"]), default="da", show_default=True)
@click.option("--campaign", default="opsagt", show_default=True, help="Campaign name stored in the token.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("flyer"),
              show_default=True, help="Folder for the QR code PNG and SVG.")
@click.option("--base-url", default=None, help="Public address of the portal (default PORTAL_BASE_URL).")
def link(location: str, lang: str, campaign: str, out_dir: Path, base_url: str | None):
    """Print the link and write <out>/opsagt-<location>.png and .svg."""
    from portal.services.chat.flyer import campaign_token, flyer_link, location_by_name, write_qr
    from portal.services.errors import ValidationFailed

    try:
        place = location_by_name(db.session, location)
    except ValidationFailed as err:
        raise click.ClickException(err.message) from None
    token = campaign_token(current_app.config["SECRET_KEY"], place, campaign)
    url = flyer_link(base_url or current_app.config["BASE_URL"], token, lang)
    stem = "opsagt-" + "".join(ch if ch.isalnum() else "-" for ch in place.name.lower()) + ("-en" if lang == "en" else "")
    png, svg = write_qr(url, out_dir, stem)
    click.echo(url)
    click.echo(f"QR-kode: {png} og {svg}", err=True)
