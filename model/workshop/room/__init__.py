"""The workshop room: every participant acts on one shared city from their own phone or laptop.

HubNet's idea (one shared model, clients with roles), offline and in rounds: :mod:`.session` (the
room: people, seats, rounds, votes, undo, ``room.json``), :mod:`.roles` (what each role decides and
how shared decisions are voted), :mod:`.city` (the shared city, its baselines and the actions applied
to it), :mod:`.pages`, :mod:`.charts` and :mod:`.texts` (what the pages show, in Dutch and English),
:mod:`.server` (the web server), :mod:`.launch` (starting a room: ``vitality room``) and :mod:`.story` (the
workshop's story for ``vitality report room.json``). Design notes: ``docs/room.md``.
"""
