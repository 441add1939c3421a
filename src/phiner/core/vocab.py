"""Vocabularies shared by the generators that make training text and the surrogates that replace PHI:
month names and Norwegian places. Both read them here, so that de-identifying imports no generator."""
from __future__ import annotations

FAKER_LOCALES: dict[str, str] = {"nb": "no_NO", "en": "en_US"}
"""Scenario ``locale`` -> the Faker locale that makes its values."""

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")

NB_TOWNS = (
    "Hamar", "Elverum", "Gjøvik", "Lillehammer", "Tynset", "Kongsvinger", "Molde", "Ålesund", "Kristiansund",
    "Volda", "Stord", "Haugesund", "Odda", "Lærdal", "Nordfjordeid", "Tromsø", "Harstad", "Narvik", "Bodø",
    "Mo i Rana", "Mosjøen", "Hammerfest", "Kirkenes", "Levanger", "Namsos", "Drammen", "Kongsberg", "Bærum",
    "Skien", "Notodden", "Tønsberg", "Larvik", "Arendal", "Flekkefjord", "Fredrikstad", "Moss", "Halden",
)

NB_MONTHS = ("januar", "februar", "mars", "april", "mai", "juni", "juli", "august", "september", "oktober",
             "november", "desember")

NB_PLACES = (
    "Tveitsund", "Kåfjordbotn", "Straumen", "Lalm", "Vinstra", "Rena", "Brumunddal", "Moelv", "Dombås",
    "Otta", "Sortland", "Svolvær", "Finnsnes", "Alta", "Vadsø", "Steinkjer", "Stjørdal", "Orkanger", "Oppdal",
    "Førde", "Florø", "Sogndal", "Voss", "Os", "Leirvik", "Kopervik", "Egersund", "Sandnes", "Mandal",
    "Grimstad", "Risør", "Kragerø", "Bø i Telemark", "Hønefoss", "Jessheim", "Ski", "Askim", "Mysen",
    "Nesbyen", "Geilo", "Gol", "Fagernes", "Raufoss", "Lena", "Eidsvoll", "Årnes",
)

NB_STREETS = (
    "Storgata", "Kirkeveien", "Skolegata", "Fjellveien", "Strandveien", "Parkveien", "Bakkegata", "Granveien",
    "Bjørkeveien", "Solbakken", "Nedre Langgate", "Øvre Vollgate", "Furuveien", "Havnegata", "Stasjonsveien",
    "Lille Grensen", "Rådhusgata", "Sjøgata", "Møllevegen", "Gamle Riksvei",
)
