"""A user's own municipality: neighbourhoods from CBS and RIVM figures, and a map.

* :mod:`model.opendata.table` reads the CSV and XLSX files users download (encodings, missing
  markers, Dutch decimal commas) with one-line errors naming the file, row and column.
* :mod:`model.opendata.kwb` reads CBS "Kerncijfers wijken en buurten" (files by short code, the
  OData API by name without its yearly suffix) for one gemeente.
* :mod:`model.opendata.rivm` reads RIVM's Gezondheidsmonitor estimates per wijk and buurt.
* :mod:`model.opendata.odata` fetches either table through CBS's API (optional ``cbs`` extra).
* :mod:`model.opendata.city` derives the model's neighbourhood settings from those figures;
  :mod:`model.opendata.cityfile` writes and checks the city file (TOML).
* :mod:`model.opendata.geo` reads wijk and buurt boundaries from the CBS/PDOK GeoPackage and draws
  a map of an output per neighbourhood.
"""

from model.opendata.city import City, Neighbourhood, city_from_figures
from model.opendata.cityfile import city_to_toml, load_city
from model.opendata.geo import Boundaries, draw_map, neighbourhood_shapes, read_boundaries
from model.opendata.kwb import Kerncijfers, Source, read_kerncijfers
from model.opendata.rivm import HealthEstimates, read_health
from model.opendata.table import OpenDataError

__all__ = [
    "Boundaries",
    "City",
    "HealthEstimates",
    "Kerncijfers",
    "Neighbourhood",
    "OpenDataError",
    "Source",
    "city_from_figures",
    "city_to_toml",
    "draw_map",
    "load_city",
    "neighbourhood_shapes",
    "read_boundaries",
    "read_health",
    "read_kerncijfers",
]
