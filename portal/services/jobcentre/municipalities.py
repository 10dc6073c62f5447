"""The 98 Danish municipalities and their job centres, read once from portal/data/municipalities.csv.

The data file names its source (Danmarks Statistik's municipality codes). A member's job centre is their home
municipality's (Member.municipality_code); a job centre is identified by its municipality's code.
"""
from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA_FILE = Path(__file__).resolve().parents[2] / "data" / "municipalities.csv"

# The municipality each service location (Bilag 5) lies in; the demo spreads a location's members over it and its
# neighbours. Two locations share a municipality where the a-kasse has two departments in it.
LOCATION_MUNICIPALITY = {
    "Asnæs": 306, "Bornholm": 400, "Brønderslev": 810, "Esbjerg": 561, "Faxe": 320, "Frederiksberg": 147,
    "Frederikshavn": 813, "Frederikssund": 250, "Grenå": 707, "Grindsted": 530, "Guldborgsund": 376,
    "Herning": 657, "Hillerød": 219, "Hjørring": 860, "Holbæk": 316, "Holstebro": 661, "Horsens": 615,
    "Kalundborg": 326, "Kolding": 621, "Køge": 259, "Lolland": 360, "Mariagerfjord": 846, "Middelfart": 410,
    "Nakskov": 360, "Næstved": 370, "Odense": 461, "Randers": 730, "Ringkøbing": 760, "Roskilde": 265,
    "Samsø": 741, "Silkeborg": 740, "Skanderborg": 746, "Skive": 779, "Slagelse": 330, "Stege": 390,
    "Svendborg": 479, "Sønderborg": 540, "Sønderjylland": 580, "Thisted-Morsø": 787, "Valby": 101, "Varde": 573,
    "Vejle": 630, "Viborg": 791, "Vordingborg": 390, "Østerbro-Kbh.": 101, "Aalborg": 851, "Århus": 751,
}


@dataclass(frozen=True)
class Municipality:
    code: int
    name: str
    region: str
    jobcentre: str  # the job centre's name
    latitude: float
    longitude: float


@cache
def all_municipalities() -> dict[int, Municipality]:
    """Code → municipality, in code order."""
    with DATA_FILE.open(encoding="utf-8") as handle:
        rows = csv.DictReader(line for line in handle if not line.startswith("#"))
        found = [Municipality(code=int(r["code"]), name=r["name"], region=r["region"], jobcentre=r["jobcentre"],
                              latitude=float(r["latitude"]), longitude=float(r["longitude"])) for r in rows]
    return {m.code: m for m in sorted(found, key=lambda m: m.code)}


def get(code: int | None) -> Municipality | None:
    return all_municipalities().get(code) if code is not None else None


def jobcentre_name(code: int | None) -> str | None:
    municipality = get(code)
    return municipality.jobcentre if municipality else None


def served_by(jobcentre_code: int) -> tuple[int, ...]:
    """The municipality codes whose citizens a job centre serves (the data file may let municipalities share one)."""
    centre = get(jobcentre_code)
    if centre is None:
        return ()
    return tuple(m.code for m in all_municipalities().values() if m.jobcentre == centre.jobcentre)


def jobcentre_code_for(municipality_code: int | None) -> int | None:
    """The code identifying the job centre of a municipality: the first municipality served by the same centre."""
    municipality = get(municipality_code)
    if municipality is None:
        return None
    return next(m.code for m in all_municipalities().values() if m.jobcentre == municipality.jobcentre)


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371 * 2 * math.asin(math.sqrt(a))


def around_location(location_name: str, latitude: float, longitude: float, *, radius_km: float = 35,
                    neighbours: int = 5) -> list[tuple[int, int]]:
    """(municipality code, weight) for the municipalities a service location's members live in: its own
    municipality weighs most, then up to `neighbours` others within `radius_km`, nearer ones more."""
    own = LOCATION_MUNICIPALITY.get(location_name)
    others = sorted((distance_km(latitude, longitude, m.latitude, m.longitude), m.code)
                    for m in all_municipalities().values() if m.code != own)
    near = [code for km, code in others if km <= radius_km][:neighbours]
    weighted = [(own, 8)] if own else []
    weighted += [(code, w) for code, w in zip(near, (3, 2, 2, 1, 1, 1, 1))]
    if not weighted:  # a location outside every municipality's reach: its nearest one
        weighted = [(others[0][1], 1)]
    return weighted
