"""The 47 service locations of Bilag 5 with region and approximate coordinates (for 'nearby' and job matching)."""
from __future__ import annotations

# name, region, latitude, longitude, fvu_city (one of the 36 largest cities where AOF runs FVU courses)
LOCATIONS: list[tuple[str, str, float, float, bool]] = [
    ("Asnæs", "Sjælland", 55.81, 11.50, False),
    ("Bornholm", "Hovedstaden", 55.10, 14.70, True),
    ("Brønderslev", "Nordjylland", 57.27, 9.94, False),
    ("Esbjerg", "Syddanmark", 55.47, 8.45, True),
    ("Faxe", "Sjælland", 55.26, 12.12, False),
    ("Frederiksberg", "Hovedstaden", 55.68, 12.53, True),
    ("Frederikshavn", "Nordjylland", 57.44, 10.54, True),
    ("Frederikssund", "Hovedstaden", 55.84, 12.07, True),
    ("Grenå", "Midtjylland", 56.42, 10.88, False),
    ("Grindsted", "Syddanmark", 55.76, 8.93, False),
    ("Guldborgsund", "Sjælland", 54.77, 11.87, True),
    ("Herning", "Midtjylland", 56.14, 8.97, True),
    ("Hillerød", "Hovedstaden", 55.93, 12.31, True),
    ("Hjørring", "Nordjylland", 57.46, 9.98, True),
    ("Holbæk", "Sjælland", 55.72, 11.71, True),
    ("Holstebro", "Midtjylland", 56.36, 8.62, True),
    ("Horsens", "Midtjylland", 55.86, 9.85, True),
    ("Kalundborg", "Sjælland", 55.68, 11.09, True),
    ("Kolding", "Syddanmark", 55.49, 9.47, True),
    ("Køge", "Sjælland", 55.46, 12.18, True),
    ("Lolland", "Sjælland", 54.78, 11.50, True),
    ("Mariagerfjord", "Nordjylland", 56.64, 9.79, True),
    ("Middelfart", "Syddanmark", 55.51, 9.73, True),
    ("Nakskov", "Sjælland", 54.83, 11.14, False),
    ("Næstved", "Sjælland", 55.23, 11.76, True),
    ("Odense", "Syddanmark", 55.40, 10.39, True),
    ("Randers", "Midtjylland", 56.46, 10.04, True),
    ("Ringkøbing", "Midtjylland", 56.09, 8.24, False),
    ("Roskilde", "Sjælland", 55.64, 12.08, True),
    ("Samsø", "Midtjylland", 55.86, 10.61, False),
    ("Silkeborg", "Midtjylland", 56.17, 9.55, True),
    ("Skanderborg", "Midtjylland", 56.04, 9.93, False),
    ("Skive", "Midtjylland", 56.57, 9.03, True),
    ("Slagelse", "Sjælland", 55.40, 11.35, True),
    ("Stege", "Sjælland", 54.99, 12.28, False),
    ("Svendborg", "Syddanmark", 55.06, 10.61, True),
    ("Sønderborg", "Syddanmark", 54.91, 9.79, True),
    ("Sønderjylland", "Syddanmark", 55.04, 9.42, True),
    ("Thisted-Morsø", "Nordjylland", 56.96, 8.69, True),
    ("Valby", "Hovedstaden", 55.66, 12.52, True),
    ("Varde", "Syddanmark", 55.62, 8.48, False),
    ("Vejle", "Syddanmark", 55.71, 9.54, True),
    ("Viborg", "Midtjylland", 56.45, 9.40, True),
    ("Vordingborg", "Sjælland", 55.01, 11.91, True),
    ("Østerbro-Kbh.", "Hovedstaden", 55.71, 12.58, True),
    ("Aalborg", "Nordjylland", 57.05, 9.92, True),
    ("Århus", "Midtjylland", 56.16, 10.20, True),
]

# Relative size of each department's membership (bigger cities, more members and caseworkers).
BIG = {"Århus": 6, "Odense": 5, "Aalborg": 5, "Østerbro-Kbh.": 5, "Valby": 4, "Frederiksberg": 4, "Esbjerg": 3,
       "Randers": 3, "Kolding": 3, "Vejle": 3, "Horsens": 3, "Roskilde": 3, "Næstved": 3, "Herning": 3,
       "Silkeborg": 2, "Viborg": 2, "Hillerød": 2, "Køge": 2, "Slagelse": 2, "Holbæk": 2, "Sønderborg": 2,
       "Svendborg": 2, "Guldborgsund": 2, "Hjørring": 2, "Frederikshavn": 2, "Holstebro": 2}


def weight(name: str) -> int:
    return BIG.get(name, 1)
