"""``python -m model.workshop.room``: start a workshop room (the same as ``vitality room``)."""

import argparse
import sys

from model.workshop.room.command import add_room_arguments, run_room
from model.workshop.room.session import RoomError

parser = argparse.ArgumentParser(prog="python -m model.workshop.room", description=__doc__)
add_room_arguments(parser)
try:
    run_room(parser.parse_args())
except (ValueError, RoomError) as exc:
    sys.exit(f"error: {exc}")
except KeyboardInterrupt:
    sys.exit(130)
