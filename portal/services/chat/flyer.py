"""The flyer (Bilag 6): a link with a signed campaign token naming the union department, and its QR code."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import ServiceLocation
from portal.services.errors import ValidationFailed

SALT = "flyer-campaign"


def _serializer(secret_key: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key, salt=SALT)


def campaign_token(secret_key: str, location: ServiceLocation, campaign: str = "opsagt") -> str:
    """Signed (not encrypted) token: which department handed out the flyer. Never expires: flyers live long."""
    return _serializer(secret_key).dumps({"l": location.id, "c": campaign[:40]})


def read_campaign_token(session: Session, secret_key: str, token: str | None) -> tuple[ServiceLocation | None, str]:
    """(location, campaign) from a token; (None, "") for a missing, tampered or unknown one."""
    if not token or len(token) > 300:
        return None, ""
    try:
        data = _serializer(secret_key).loads(token)
    except BadSignature:
        return None, ""
    if not isinstance(data, dict):
        return None, ""
    location = session.get(ServiceLocation, data.get("l")) if isinstance(data.get("l"), int) else None
    return location, str(data.get("c", ""))


def location_by_name(session: Session, name: str) -> ServiceLocation:
    from portal.services.chat.chat import find_location

    location = find_location(session, name)
    if location is None:
        names = ", ".join(session.scalars(select(ServiceLocation.name).order_by(ServiceLocation.name).limit(6)))
        raise ValidationFailed(f"Ukendt afdeling: {name!r}. Brug et af de 47 betjeningssteder, fx {names} …",
                               field="location")
    return location


def flyer_link(base_url: str, token: str, language: str = "da") -> str:
    query = {"k": token}
    if language == "en":
        query["lang"] = "en"
    return f"{base_url.rstrip('/')}/opsagt?{urlencode(query)}"


def write_qr(link: str, out_dir: Path, stem: str) -> tuple[Path, Path]:
    """The link as a QR code, PNG (for print) and SVG (for layout). Error correction M, quiet zone 4."""
    import segno

    out_dir.mkdir(parents=True, exist_ok=True)
    qr = segno.make(link, error="m")
    png, svg = out_dir / f"{stem}.png", out_dir / f"{stem}.svg"
    qr.save(png, scale=10, border=4)
    qr.save(svg, scale=4, border=4, title="FOA A-kasse: opsagt? Start chatten")
    return png, svg
