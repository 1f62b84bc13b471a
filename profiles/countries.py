"""Countries as the public pages name and find them.

Participations store a country as its ISO 3166 alpha-2 code; public addresses use alpha-3
(`/countries/KAZ/`), as the reference facts do. Names are django-countries' English
names; readers also search by other common names ("Turkey" for Türkiye, "Ivory Coast" for
Côte d'Ivoire) and without accents, so those are part of what search looks in.
"""

import unicodedata

from django_countries import countries

# Common names a reader may type that differ from django-countries' English name. Both
# spellings of a renamed country are kept: documents of the 2019 assessment use the old.
ALTERNATIVE_NAMES: dict[str, tuple[str, ...]] = {
    "AE": ("UAE", "Emirates"),
    "BN": ("Brunei Darussalam",),
    "BO": ("Plurinational State of Bolivia",),
    "BS": ("Bahamas", "The Bahamas"),
    "CD": ("DR Congo", "DRC", "Congo-Kinshasa"),
    "CG": ("Republic of the Congo", "Congo-Brazzaville"),
    "CI": ("Ivory Coast", "Cote d'Ivoire"),
    "CV": ("Cape Verde",),
    "CZ": ("Czech Republic",),
    "FM": ("Federated States of Micronesia",),
    "GB": ("UK", "Britain", "Great Britain"),
    "GM": ("The Gambia",),
    "IR": ("Islamic Republic of Iran",),
    "KG": ("Kyrgyz Republic",),
    "KP": ("Democratic People's Republic of Korea", "DPRK"),
    "KR": ("Republic of Korea", "Korea"),
    "LA": ("Lao People's Democratic Republic", "Lao PDR"),
    "MD": ("Republic of Moldova",),
    "MK": ("Macedonia", "Former Yugoslav Republic of Macedonia"),
    "MM": ("Burma",),
    "NL": ("Holland", "Kingdom of the Netherlands"),
    "PS": ("State of Palestine",),
    "RU": ("Russian Federation",),
    "SY": ("Syrian Arab Republic",),
    "SZ": ("Swaziland",),
    "TL": ("East Timor",),
    "TR": ("Turkey", "Turkiye"),
    "TZ": ("United Republic of Tanzania",),
    "US": ("USA", "United States"),
    "VA": ("Holy See",),
    "VE": ("Bolivarian Republic of Venezuela",),
    "VN": ("Viet Nam",),
}


def name(code: str) -> str:
    """The English name of an alpha-2 code (the code itself if unknown)."""
    return str(countries.name(code) or code)


def alpha3(code: str) -> str:
    """The alpha-3 code of an alpha-2 code ("" if unknown)."""
    return countries.alpha3(code) or ""


def from_alpha3(code: str) -> str:
    """The alpha-2 code of an alpha-3 code, any case ("" if it names no country)."""
    if len(code) != 3 or not code.isalpha():
        return ""
    return countries.alpha2(code.upper()) or ""


def fold(text: str) -> str:
    """`text` without accents ("Côte d'Ivoire" → "Cote d'Ivoire")."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def search_names(code: str) -> list[str]:
    """Every name search should find a country by: English, common others, unaccented."""
    names = [name(code), *ALTERNATIVE_NAMES.get(code, ())]
    names += [fold(n) for n in names]
    return list(dict.fromkeys(names))
