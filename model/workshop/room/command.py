"""Starting a workshop room from the command line (``vitality room``).

Builds the shared city as the dashboard does (a shipped scenario with its start settings, a size and
a seed), writes ``room.json`` in a new folder (or continues one with ``--resume``), prints the join
address, the room code, a QR code and the facilitator's address, and serves the room until Ctrl-C.
It listens on 127.0.0.1 (this computer only) unless ``--host`` names an address: ``--host 0.0.0.0``
(every network of this computer, e.g. its Wi-Fi hotspot) or one LAN address.
"""

from __future__ import annotations

import argparse
import ipaddress
import socket
from datetime import datetime
from pathlib import Path

import segno

from model.dashboard_support import start_settings
from model.scenarios import list_scenarios
from model.workshop.room.roles import RoomLayout
from model.workshop.room.server import join_link, serve
from model.workshop.room.session import MAX_WEEKS, Room, RoomSettings

DEFAULT_PORT = 8770


def add_room_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``vitality room`` to a parser."""
    parser.add_argument("scenario", nargs="?", default="baseline", help="shipped scenario of the shared city")
    parser.add_argument("--residents", type=int, default=2000, help="adults in the city (default 2000)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the city (same seed, same city)")
    parser.add_argument("--weeks", type=int, default=4, help="weeks a round advances by default (1-52)")
    parser.add_argument("--administrators", choices=("city", "neighbourhood"), default="city",
                        help="one administrator role for the whole city, or one per neighbourhood")
    layout = RoomLayout()
    parser.add_argument("--administrator-seats", type=int, default=layout.administrator_seats,
                        help="seats per administrator role")
    parser.add_argument("--professional-seats", type=int, default=layout.professional_seats,
                        help="professional seats per neighbourhood")
    parser.add_argument("--resident-seats", type=int, default=layout.resident_seats,
                        help="resident seats per neighbourhood")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on: 127.0.0.1 (default, this computer only), 0.0.0.0 (every "
                             "network, e.g. the laptop's hotspot) or a LAN address")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    parser.add_argument("--out", type=Path, help="new folder for room.json (default rooms/room-<date-time>)")
    parser.add_argument("--resume", type=Path, metavar="ROOM_JSON", help="continue the room recorded in this file")


def room_from_arguments(args: argparse.Namespace) -> Room:
    """Start the room the options describe, or resume the recorded one.

    Raises:
        ValueError: A bad option (the message names it and the fix); also
            :class:`~model.workshop.room.session.RoomError` for a bad ``--resume`` file.

    """
    if args.resume is not None:
        return Room.resume(args.resume)
    if args.scenario not in list_scenarios():
        raise ValueError(f"unknown scenario {args.scenario!r}; known: {', '.join(list_scenarios())}")
    if not 1 <= args.weeks <= MAX_WEEKS:
        raise ValueError(f"--weeks {args.weeks}: use 1 to {MAX_WEEKS}")
    settings = start_settings(args.scenario, args.seed)
    layout = RoomLayout(administrators=args.administrators, administrator_seats=args.administrator_seats,
                        professional_seats=args.professional_seats, resident_seats=args.resident_seats)
    out = args.out or Path("rooms") / f"room-{datetime.now():%Y%m%d-%H%M%S}"
    if (out / "room.json").exists():
        raise ValueError(f"{out / 'room.json'} exists; continue it with --resume {out / 'room.json'} "
                         "or choose another --out")
    out.mkdir(parents=True, exist_ok=True)
    overrides = {**settings["overrides"], "n_residents": args.residents}
    return Room(RoomSettings(args.scenario, args.seed, overrides, layout, args.weeks), out / "room.json")


def join_address(host: str, port: int) -> str:
    """The address participants open: the named host, or for 0.0.0.0 this computer's first LAN address.

    The LAN address is looked up from the computer's own name (no traffic leaves it); 127.0.0.1 when
    none is found.
    """
    shown = host
    if host in ("0.0.0.0", "::"):
        found = [info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)]
        lan = [a for a in found if not ipaddress.ip_address(a).is_loopback]
        shown = lan[0] if lan else "127.0.0.1"
    return f"http://{shown}:{port}/"


def run_room(args: argparse.Namespace) -> None:
    """Start (or resume) the room, print how to join, and serve it until Ctrl-C."""
    room = room_from_arguments(args)
    url = join_address(args.host, args.port)
    s = room.settings
    print(f"Werkruimte / room: {s.scenario_name}, {s.overrides.get('n_residents')} residents, seed {s.seed}; "
          f"record: {room.path}")
    print(f"Deelnemers / participants: {url}  code {room.code}")
    segno.make(join_link(url, room), error="m").terminal(compact=True)
    print(f"Projector (facilitator, keep this address to yourself): "
          f"http://127.0.0.1:{args.port}/projector?key={room.facilitator_key}")
    if args.host == "127.0.0.1":
        print("Listening on this computer only; to let phones join, start with --host 0.0.0.0 (see README).")
    print("Stop with Ctrl-C; continue later with --resume " + str(room.path))
    serve(room, args.host, args.port, url)
