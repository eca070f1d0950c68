"""Starting a workshop room (``vitality room``, whose arguments :mod:`model.cli` parses).

:func:`start_room` builds the shared city as the dashboard does (a shipped scenario with its start
settings, a size and a seed) and writes ``room.json`` in a new folder (``Room.resume`` continues a
recorded one); :func:`check_port` tells before the city is built whether the room can listen where
asked, :func:`join_address` which address participants open and :func:`facilitator_address` which
one the facilitator's laptop opens.
"""

from __future__ import annotations

import ipaddress
import socket
from datetime import datetime
from pathlib import Path

from model.experiments.scenarios import list_scenarios, load_scenario
from model.workshop.room.roles import RoomLayout
from model.workshop.room.session import MAX_WEEKS, Room, RoomError, RoomSettings
from model.workshop.sliders import start_settings

DEFAULT_PORT = 8770
#: Addresses that listen on every network of this computer, its own loopback included.
EVERY_NETWORK = ("0.0.0.0", "::")


def start_room(scenario: str, residents: int, seed: int, weeks: int, layout: RoomLayout, out: Path | None) -> Room:
    """Start a room on a new city and write its ``room.json`` in ``out`` (default ``rooms/room-<date-time>``).

    Raises:
        RoomError: An unknown scenario, weeks out of range, or a room recorded in ``out`` already (one line
            naming the problem and the fix); a bad size raises the schema's ``ParameterError``.

    """
    if scenario not in list_scenarios():
        raise RoomError("unknown_scenario", name=scenario, known=", ".join(list_scenarios()))
    if not 1 <= weeks <= MAX_WEEKS:
        raise RoomError("bad_weeks", max=MAX_WEEKS)
    out = out or Path("rooms") / f"room-{datetime.now():%Y%m%d-%H%M%S}"
    if (out / "room.json").exists():
        raise RoomError("room_exists", path=out / "room.json")
    overrides = {**start_settings(scenario, seed)["overrides"], "n_residents": residents}
    load_scenario(scenario).with_parameters(overrides)  # a bad size fails here, before a folder is made
    out.mkdir(parents=True, exist_ok=True)
    return Room(RoomSettings(scenario, seed, overrides, layout, weeks), out / "room.json")


def _url(host: str, port: int) -> str:
    """``http://host:port/``, with an IPv6 address in brackets."""
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


def join_address(host: str, port: int) -> str:
    """The address participants open: the named host, or for 0.0.0.0 this computer's first LAN address.

    The LAN address is looked up from the computer's own name (no traffic leaves it); 127.0.0.1 when
    none is found.
    """
    shown = host
    if host in EVERY_NETWORK:
        found = [info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)]
        lan = [a for a in found if not ipaddress.ip_address(a).is_loopback]
        shown = lan[0] if lan else "127.0.0.1"
    return _url(shown, port)


def facilitator_address(host: str, port: int, key: str) -> str:
    """The projector's address with the facilitator's key, on an address the room listens on.

    This computer's own 127.0.0.1 when the room listens there (the default, or every network), so the key
    never needs the network; otherwise the one address named with ``--host``.
    """
    return f"{_url('127.0.0.1' if host in EVERY_NETWORK else host, port)}projector?key={key}"


def check_port(host: str, port: int) -> None:
    """Raise :class:`RoomError` unless the room can listen on ``host:port`` (checked before the city is built)."""
    try:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except OSError as exc:
        raise RoomError("port_in_use", host=host, port=port, detail=exc.strerror or exc) from None
