"""The workshop room without a browser: roles and votes, rounds applied exactly once, undo, room.json, the pages,
the server's guards and the commands (the participants' levers in the model: ``test_participation.py``)."""

from __future__ import annotations

import http.cookiejar
import json
import re
import signal
import socket
import string
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest

from model.cli import main
from model.workshop.room import pages, texts
from model.workshop.room.launch import EVERY_NETWORK, facilitator_address, join_address
from model.workshop.room.roles import Item, RoomLayout, items, tally
from model.workshop.room.server import serving_in_thread
from model.workshop.room.session import Room, RoomError, RoomSettings, read_room
from model.workshop.room.story import render_story, story
from model.workshop.session import WorkshopModel

SMALL = {"n_residents": 400}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Room:
    """One small room to copy from (building a city takes a few seconds)."""
    return Room(RoomSettings(overrides=SMALL), tmp_path_factory.mktemp("room") / "room.json")


@contextmanager
def refused(key: str) -> Iterator[None]:
    """The room refuses with the text ``key``."""
    with pytest.raises(RoomError) as caught:
        yield
    assert caught.value.key == key


def new_room(tmp_path: Path, **layout: object) -> Room:
    return Room(RoomSettings(overrides=SMALL, layout=RoomLayout(**layout)), tmp_path / "room.json")


def seat_everyone(room: Room) -> dict[str, str]:
    """One participant in the first seat of every role: role key -> participant id."""
    out = {}
    for i, role in enumerate(room.roles):
        p, _ = room.join(f"Deelnemer {i}", room.code, "nl")
        room.take(p.pid, role.key)
        out[role.key] = p.pid
    return out


# ---------------------------------------------------------------------- roles and votes
def test_shared_votes_follow_plurality_median_and_keep_the_current_value_on_a_tie() -> None:
    choice = Item("steering", True, "choice", ("facilitating", "framing", "enforcing"), "framing")
    assert tally(choice, ["facilitating", "facilitating", "enforcing"]) == "facilitating"
    assert tally(choice, ["facilitating", "framing"]) == "framing"  # tie: the current value stays
    assert tally(choice, ["facilitating", "enforcing"]) == "facilitating"  # tie without it: the first listed
    assert tally(choice, []) is None
    number = Item("citizen_budget", True, "number", current=0, lo=0, hi=50, step=5)
    assert tally(number, [10, 50, 20]) == 20
    assert tally(number, [10, 20]) == 10  # the lower middle: always somebody's vote
    multi = Item("support", True, "multi", ("a", "b", "c"), [])
    assert tally(multi, [["a", "b"], ["a"], ["c"]]) == ["a"]  # chosen by at least half


@pytest.mark.parametrize(("raw", "message"), [("55", "outside"), ("12", "steps"), ("x", "not a number"),
                                              ("nan", "outside")])
def test_a_number_off_the_grid_is_refused(raw: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Item("citizen_budget", True, "number", current=0, lo=0, hi=50, step=5).parse(raw)


def test_each_role_decides_its_own_levers(built: Room) -> None:
    split = {"split_connecting", "split_initiative_support", "split_talent_spotting", "split_outreach"}
    for role in built.roles:
        keys = {i.key for i in items(role, built.view)}
        here = built.view.initiatives.get(role.neighbourhood)
        if role.kind == "administrator":
            assert keys == {"steering", "citizen_budget", "places_funded", "team_size", "protected_time"}
        elif role.kind == "professional":
            assert keys == split | ({"support"} if here else set())
        else:  # the citizen-budget vote only where there is a budget
            assert keys == {"initiative", "volunteer", "help"}
            options = items(role, built.view)[0].options
            assert {"found:care_circle", "found:broodfonds"} <= set(options)
            assert len([o for o in options if o.startswith("join:")]) == len(here)
    assert sum(r.seats for r in built.roles) == 27  # a workshop of about 25 in the default city


def test_administrators_per_neighbourhood_steer_their_own_neighbourhood(tmp_path: Path) -> None:
    room = new_room(tmp_path, administrators="neighbourhood", administrator_seats=1)
    admins = [r for r in room.roles if r.kind == "administrator"]
    assert [r.neighbourhood for r in admins] == list(room.view.nbh_names)
    p, _ = room.join("Wethouder", room.code, "nl")
    room.take(p.pid, admins[1].key)
    room.open_round()
    assert "layered" not in room.items_of(p.pid)[0].options  # a neighbourhood has one profile
    room.vote(p.pid, {"steering": "enforcing"})
    room.close_round(1, 2)
    modes = dict(zip(room.view.nbh_names, room.view.nbh_modes, strict=True))
    assert modes[admins[1].neighbourhood] == "enforcing"
    assert {m for n, m in modes.items() if n != admins[1].neighbourhood} == {"framing"}


# ---------------------------------------------------------------------- people
def test_joining_needs_the_code_and_a_name(tmp_path: Path) -> None:
    room = new_room(tmp_path)
    with refused("bad_code"):
        room.join("Anna", "WRONG", "nl")
    with refused("bad_name"):
        room.join("   ", room.code, "nl")
    with refused("bad_name"):
        room.join("x" * 41, room.code, "nl")
    p, _ = room.join("Anna", f" {room.code.lower()} ", "nl")  # case and spaces do not matter
    assert p.pid == "p1"


def test_rejoining_by_name_keeps_the_role_and_signs_the_old_device_out(tmp_path: Path) -> None:
    room = new_room(tmp_path)
    p, old = room.join("Anna de Vries", room.code, "nl")
    room.take(p.pid, "resident@urban_young")
    again, new = room.join("anna  DE vries", room.code, "en")
    assert again is p and (again.role, again.seat) == ("resident@urban_young", 1)
    assert room.participant(old) is None and room.participant(new) is p
    record = (tmp_path / "room.json").read_text(encoding="utf-8")
    assert "Anna" not in record and "anna" not in record  # no names on disk


def test_seats_are_counted_and_a_full_role_is_refused(tmp_path: Path) -> None:
    room = new_room(tmp_path, professional_seats=1)
    a, _ = room.join("A", room.code, "nl")
    b, _ = room.join("B", room.code, "nl")
    room.take(a.pid, "professional@urban_young")
    with refused("role_taken"):
        room.take(b.pid, "professional@urban_young")
    with refused("has_role"):
        room.take(a.pid, "resident@urban_young")
    room.leave(a.pid)
    assert room.take(b.pid, "professional@urban_young") == 1


def test_nobody_votes_for_another_role_or_outside_a_round(tmp_path: Path) -> None:
    room = new_room(tmp_path)
    seats = seat_everyone(room)
    resident = seats["resident@urban_young"]
    with refused("not_open"):
        room.vote(resident, {"help": "ties"})
    room.open_round()
    with refused("not_your_item"):
        room.vote(resident, {"steering": "enforcing"})
    with refused("bad_value"):
        room.vote(seats["administrator@city"], {"citizen_budget": "7"})
    loner, _ = room.join("Zonder rol", room.code, "nl")
    with refused("no_role"):
        room.vote(loner.pid, {"help": "ties"})
    assert room.votes == {}


# ---------------------------------------------------------------------- rounds
def room_interventions(m: WorkshopModel) -> list[tuple[str, int]]:
    return [(type(iv).name, iv.start_week) for iv in m.interventions]


def test_closing_a_round_applies_every_decision_exactly_once(tmp_path: Path) -> None:
    room = new_room(tmp_path)
    seats = seat_everyone(room)
    assert room.open_round() == 1
    room.vote(seats["administrator@city"], {"steering": "facilitating", "citizen_budget": "20", "team_size": "4.5"})
    room.vote(seats["professional@urban_deprived"], {"split_outreach": "50"})
    room.vote(seats["resident@urban_young"], {"volunteer": "core", "help": "district_team"})
    entry = room.close_round(1, 3)
    kinds = sorted(a["kind"] for a in entry["actions"])
    assert kinds == sorted(["steering", "citizen_budget", "team_size", "community_time_split", "group_volunteers",
                            "group_asks_for_help"])
    m = room.city.live
    assert sorted(room_interventions(m)) == sorted((k, 0) for k in kinds if k != "steering")
    assert [d.kind for d in m.decisions].count("steering") == 1 and m.steering_mode == "facilitating"
    assert room.view.week == 3 and room.phase == "results"
    with refused("not_open"):  # a second click closes nothing
        room.close_round(1, 3)
    assert len(m.interventions) == 5 and room.view.week == 3
    ends = np.round(np.array(room.view.levers["citizen_budget"]), 6)
    assert (ends == 20).all() and room.view.baselines[0][0] == 0  # the baseline starts before the decisions

    # A changed standing decision replaces the old one (which ends that week); an unchanged one does nothing.
    room.open_round()
    room.vote(seats["administrator@city"], {"citizen_budget": "0", "steering": "facilitating"})
    room.close_round(2, 2)
    budget = [iv for iv in m.interventions if type(iv).name == "citizen_budget"]
    assert len(budget) == 1 and budget[0].end_week == 3
    assert [d.kind for d in m.decisions].count("steering") == 1
    assert set(room.view.levers["citizen_budget"]) == {0.0}


def test_undo_returns_to_the_city_before_the_round_with_its_votes(tmp_path: Path) -> None:
    room = new_room(tmp_path)
    seats = seat_everyone(room)
    room.open_round()
    room.close_round(1, 2)
    before = room.view.latest()
    room.open_round()
    room.vote(seats["administrator@city"], {"places_funded": "0"})
    room.close_round(2, 4)
    assert room.view.latest()["meeting_places_open"] == 0
    assert room.undo() == 2
    assert room.phase == "open" and room.view.week == 2 and room.view.latest() == before
    assert room.votes == {seats["administrator@city"]: {"places_funded": 0}}
    assert [e["undone"] for e in room.history] == [False, True]
    room.close_round(2, 4)  # the same decision again gives the same city
    assert room.view.latest()["meeting_places_open"] == 0 and room.view.week == 6
    room.undo()  # and a round closed again after an undo can be undone again
    assert room.view.week == 2 and room.view.latest() == before


def test_a_round_that_fails_or_a_room_stopped_while_closing_loses_nothing(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    room = new_room(tmp_path)
    seats = seat_everyone(room)
    room.open_round()
    room.vote(seats["administrator@city"], {"places_funded": "0"})
    before = room.view.latest()

    def broken(weeks: int) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(room.city, "advance", broken)  # after the round's actions are applied
    with pytest.raises(RuntimeError):
        room.close_round(1, 2)
    assert (room.phase, room.view.week, room.history) == ("open", 0, [])
    assert room.view.latest() == before and room.city.live.interventions == []
    assert room.votes == {seats["administrator@city"]: {"places_funded": 0}}
    data = read_room(tmp_path / "room.json")
    data["phase"] = "closing"  # as if the laptop died in the middle of closing
    (tmp_path / "room.json").write_text(json.dumps(data))
    again = Room.resume(tmp_path / "room.json")
    assert (again.phase, again.round, again.votes) == ("open", 1, room.votes)
    again.close_round(1, 2)
    assert again.view.latest()["meeting_places_open"] == 0 and again.view.week == 2


def test_earlier_baselines_keep_running(tmp_path: Path) -> None:
    room = new_room(tmp_path)
    seats = seat_everyone(room)
    room.open_round()
    room.vote(seats["administrator@city"], {"steering": "enforcing"})
    room.close_round(1, 2)
    room.new_baseline()
    room.open_round()
    room.close_round(2, 2)
    starts = [start for start, frame in room.view.baselines]
    assert starts == [0, 2]
    assert [int(frame["week"].iloc[-1]) for _, frame in room.view.baselines] == [4, 4]


def test_a_restarted_room_resumes_from_room_json(tmp_path: Path) -> None:
    room = new_room(tmp_path)
    seats = seat_everyone(room)
    room.open_round()
    room.vote(seats["administrator@city"], {"steering": "facilitating", "protected_time": "40"})
    room.vote(seats["resident@suburban_family"], {"help": "ties", "volunteer": "core"})
    room.close_round(1, 3)
    room.new_baseline()
    room.open_round()
    room.vote(seats["professional@urban_young"], {"split_connecting": "60"})
    room.close_round(2, 2)
    room.undo()
    room.vote(seats["administrator@city"], {"citizen_budget": "10"})  # the round open again, votes going in

    again = Room.resume(tmp_path / "room.json")
    assert (again.code, again.phase, again.round, again.view.week) == (room.code, "open", 2, 3)
    assert again.view.latest() == room.view.latest()
    assert [s for s, _ in again.view.baselines] == [0, 3]
    assert again.votes == room.votes and again.seats == room.seats
    p = again.participants[seats["resident@suburban_family"]]
    assert p.role == "resident@suburban_family"
    rejoined, _ = again.join("Deelnemer 4", room.code, "nl")  # the same name after a restart: the same seat
    assert rejoined.role == room.roles[4].key
    again.close_round(2, 2)
    room.close_round(2, 2)
    assert again.view.latest() == room.view.latest()


def test_a_changed_or_broken_record_is_refused_in_one_line(tmp_path: Path) -> None:
    room = new_room(tmp_path)
    room.open_round()
    room.close_round(1, 1)
    data = json.loads((tmp_path / "room.json").read_text())
    data["history"][0]["city"]["community_strength"] += 1
    (tmp_path / "room.json").write_text(json.dumps(data))
    with refused("replay_differs"):
        Room.resume(tmp_path / "room.json")
    (tmp_path / "room.json").write_text("{not json")
    with refused("bad_room_file"):
        read_room(tmp_path / "room.json")
    with refused("no_room_file"):
        read_room(tmp_path / "missing.json")


def test_room_json_is_written_whole_and_private(tmp_path: Path) -> None:
    room = new_room(tmp_path)
    seat_everyone(room)
    data = read_room(tmp_path / "room.json")
    assert (tmp_path / "room.json").stat().st_mode & 0o077 == 0
    assert [p["label"] for p in data["participants"]][:2] == ["administrator@city#1", "professional@urban_young#1"]
    assert not list(tmp_path.glob(".room.json.*"))  # no temporary file left behind


# ---------------------------------------------------------------------- texts and pages
def test_every_room_text_exists_in_both_languages_with_the_same_placeholders() -> None:
    nl, en = texts.ROOM_TEXTS["nl"], texts.ROOM_TEXTS["en"]
    assert set(nl) == set(en)
    fields = lambda s: sorted(f for _, f, _, _ in string.Formatter().parse(s) if f)  # noqa: E731
    assert all(fields(nl[k]) == fields(en[k]) for k in nl)
    source = "".join(p.read_text() for p in Path(pages.__file__).parent.glob("*.py"))
    for key in set(re.findall(r'RoomError\("(\w+)"', source)):
        assert key in nl, key
    templates = "".join(p.read_text() for p in (Path(pages.__file__).parent / "templates").glob("*.html"))
    for key in set(re.findall(r'\bt\("(\w+)"', templates)):
        texts.t(key, "nl"), texts.t(key, "en")  # a missing key raises KeyError


def test_a_participant_page_shows_only_the_own_roles_controls(tmp_path: Path) -> None:
    room = new_room(tmp_path)
    seats = seat_everyone(room)
    room.open_round()
    for role in room.roles:
        html = pages.render_participant(room, room.participants[seats[role.key]], "nl")
        names = set(re.findall(r'<(?:select|input) [^>]*name="(\w+)"', html))
        assert names == {i.key for i in items(role, room.view)}, role.key
        assert "/facilitator/" not in html
    projector = pages.render_projector(room, "en", "http://127.0.0.1:1/")
    assert room.code in projector and 'src="/qr.svg"' in projector and "/facilitator/close" in projector
    assert all(int(size) >= 14 for size in re.findall(r'font-size="(\d+)"', projector))


def test_a_device_shows_the_rounds_decisions_that_act_on_its_neighbourhood(tmp_path: Path) -> None:
    room = new_room(tmp_path)
    seats = seat_everyone(room)
    here, there = room.view.nbh_names[:2]
    room.open_round()
    room.vote(seats["administrator@city"], {"citizen_budget": "20"})
    room.vote(seats[f"professional@{here}"], {"split_outreach": "40"})
    room.vote(seats[f"resident@{there}"], {"help": "ties"})
    room.close_round(1, 1)
    groups = lambda html: re.findall(r'<div class="decision-group"><h3>([^<]+)</h3>', html)  # noqa: E731
    city, mine, other = (texts.t(f"role_{kind}", "en") + " · " + texts.place_name(n, "en")
                         for kind, n in (("administrator", "city"), ("professional", here), ("resident", there)))
    for role_key, shown in ((f"resident@{here}", [city, mine]), (f"professional@{there}", [city, other]),
                            ("administrator@city", [city, mine, other])):
        html = pages.render_participant(room, room.participants[seats[role_key]], "en")
        assert groups(html) == shown, role_key
    assert groups(pages.render_projector(room, "en", "http://127.0.0.1:1/")) == [city, mine, other]


# ---------------------------------------------------------------------- the server's guards
@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Room]]:
    room = Room(RoomSettings(overrides=SMALL), tmp_path_factory.mktemp("served") / "room.json")
    with serving_in_thread(room) as url:
        yield url, room


def request(url: str, data: dict | None = None, headers: dict | None = None) -> tuple[int, dict, str]:
    body = None if data is None else urllib.parse.urlencode(data).encode()
    req = urllib.request.Request(url, data=body, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as answer:
            return answer.status, dict(answer.headers), answer.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read().decode()


def test_the_server_refuses_strangers_and_foreign_pages(server: tuple[str, Room]) -> None:
    url, room = server
    status, headers, body = request(url + "/")
    assert status == 200 and "default-src 'none'" in headers["content-security-policy"]
    assert request(url + "/projector")[0] == 403
    assert request(url + "/projector?key=guess")[0] == 403
    assert request(url + "/facilitator/open", {})[0] == 403 and room.phase == "lobby"
    status, _, body = request(url + "/join", {"name": "Eva", "code": "NOPE1"})
    assert status == 409 and "klopt niet" in body and not room.participants
    assert request(url + "/join", {"name": "Eva", "code": room.code}, {"Origin": "http://evil.example"})[0] == 403
    assert request(url + "/join", {"name": "x" * 20_000, "code": room.code})[0] == 413
    assert not room.participants


# ---------------------------------------------------------------------- the story for the report
def test_the_workshop_story_tells_every_round_from_room_json(tmp_path: Path) -> None:
    room = new_room(tmp_path)
    seats = seat_everyone(room)
    room.open_round()
    room.vote(seats["administrator@city"], {"steering": "enforcing"})
    room.close_round(1, 3)
    room.open_round()
    room.close_round(2, 2)
    room.undo()
    room.vote(seats["resident@urban_young"], {"help": "district_team"})
    room.close_round(2, 2)
    data = read_room(tmp_path / "room.json")
    for lang, words in (("nl", ("sturing: Dwingend", "ongedaan gemaakt", "basislijn vanaf week 0", "toeval")),
                        ("en", ("steering: Enforcing", "undone", "baseline from week 0", "chance"))):
        html = render_story(data, lang, None, "")
        assert all(w in html for w in words), lang
        assert html.count('<div class="round') == 3 and "<svg" in html
        assert not re.search(r"(src|href)=", html)  # self-contained: nothing to fetch
    told = story(data, "nl")
    assert [r["undone"] for r in told["rounds"]] == [False, True, False]
    assert told["roles"][0] == {"label": "Bestuurder (wethouder) · De hele stad", "n": 1}


# ---------------------------------------------------------------------- the commands
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_room(*options: str) -> tuple[subprocess.Popen, dict[str, str]]:
    """Run ``vitality room`` until it prints the facilitator's address; return it and what it printed."""
    proc = subprocess.Popen([sys.executable, "-m", "model.cli", "room", *options], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, cwd=Path(__file__).resolve().parents[1])
    seen: dict[str, str] = {}
    for line in proc.stdout:
        if match := re.search(r"Deelnemers: (\S+)\s+code (\w+)", line):  # Dutch, the default language
            seen["join"], seen["code"] = match.groups()
        if match := re.search(r"begeleider.*: (\S+projector\?key=\S+)", line):
            seen["projector"] = match.group(1)
            deadline = time.monotonic() + 60
            while True:  # the addresses are printed just before the server listens
                try:
                    urllib.request.urlopen(seen["join"], timeout=5).close()
                    return proc, seen
                except OSError:
                    assert time.monotonic() < deadline and proc.poll() is None, "vitality room did not listen"
                    time.sleep(0.2)
    raise AssertionError(f"vitality room stopped (exit {proc.wait()})")


def stop(proc: subprocess.Popen) -> int:
    proc.send_signal(signal.SIGINT)
    return proc.wait(timeout=30)


def test_vitality_room_serves_a_room_and_resumes_it(tmp_path: Path) -> None:
    port = str(free_port())
    proc, seen = start_room("--residents", "300", "--port", port, "--out", str(tmp_path / "r"))
    try:
        assert seen["join"] == f"http://127.0.0.1:{port}/"
        assert request(seen["join"])[0] == 200
        facilitator = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        with facilitator.open(seen["projector"], timeout=10) as answer:  # the key becomes a cookie
            assert answer.url.endswith("/projector") and seen["code"] in answer.read().decode()
        assert request(seen["join"] + "?code=" + seen["code"])[2].count(seen["code"]) == 1  # filled in
    finally:
        assert stop(proc) == 0
    record = tmp_path / "r" / "room.json"
    assert read_room(record)["settings"]["overrides"]["n_residents"] == 300
    proc, again = start_room("--resume", str(record), "--port", port)
    try:
        assert again["code"] == seen["code"]  # the QR code on the wall still works
    finally:
        stop(proc)


@pytest.mark.parametrize(("host", "projector"), [
    ("127.0.0.1", "http://127.0.0.1:8770/"), ("0.0.0.0", "http://127.0.0.1:8770/"), ("::", "http://127.0.0.1:8770/"),
    ("192.168.1.20", "http://192.168.1.20:8770/"), ("fe80::1", "http://[fe80::1]:8770/"),
])
def test_the_facilitators_address_is_one_the_room_listens_on(host: str, projector: str) -> None:
    assert facilitator_address(host, 8770, "KEY") == projector + "projector?key=KEY"
    if host not in EVERY_NETWORK:
        assert join_address(host, 8770) == projector
    else:  # this computer's address on its networks, which the laptop's hotspot also serves
        assert re.fullmatch(r"http://\d+\.\d+\.\d+\.\d+:8770/", join_address(host, 8770))


@pytest.mark.parametrize(("options", "message"), [
    (["nope"], "unknown scenario 'nope'"), (["--weeks", "99"], "1 to 52 weeks"),
    (["--resume", "missing.json"], "missing.json does not exist"), (["--residents", "-5"], "n_residents"),
    (["--administrators", "street"], "invalid choice"), (["--resident-seats", "99"], "--resident-seats: 99 seats"),
    (["--seed", "-1"], "--seed must be 0 or more"),
])
def test_vitality_room_refuses_bad_options_in_one_line(options: list[str], message: str, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["room", *options, "--out", str(tmp_path / "r"), "--port", str(free_port()), "--lang", "en"]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "r").exists()


def test_vitality_room_says_a_bad_layout_in_dutch_by_default(tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["room", "--professional-seats", "51", "--out", str(tmp_path / "r"), "--port", str(free_port())]) == 2
    assert capsys.readouterr().err == "vitality: fout: --professional-seats: 51 plaatsen; kies 0 tot en met 50\n"


def test_vitality_room_refuses_a_port_out_of_range(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["room", "--port", "99999", "--lang", "en"]) == 2
    assert capsys.readouterr().err == "vitality: error: --port 99999: choose a port from 1 to 65535 (default 8770)\n"


def test_vitality_report_tells_the_story_of_a_room_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    room = new_room(tmp_path)
    room.open_round()
    room.close_round(1, 2)
    assert main(["report", str(tmp_path / "room.json"), "--lang", "en"]) == 0
    html = (tmp_path / "report-en.html").read_text(encoding="utf-8")
    assert "Workshop: the story of the room" in html and "Decisions of round 1 (week 0-2)" in html
    assert main(["report", str(tmp_path / "room.json"), "--lang", "en"]) == 2  # never overwritten
    (tmp_path / "other.json").write_text("[]")
    assert main(["report", str(tmp_path / "other.json"), "--lang", "en"]) == 2
    assert "not a vitality room record" in capsys.readouterr().err


def test_a_device_signed_out_by_a_rejoin_is_told_so(server: tuple[str, Room]) -> None:
    url, room = server
    devices = [urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
               for _ in range(2)]
    form = urllib.parse.urlencode({"name": "Fatima", "code": room.code}).encode()
    for device in devices:
        with device.open(url + "/join", data=form, timeout=10) as answer:
            assert answer.url.endswith("/me")
    with devices[0].open(url + "/me", timeout=10) as answer:  # the first device is sent to the join page
        assert answer.url.endswith("/") and "ander apparaat" in answer.read().decode()
    with devices[1].open(url + "/me", timeout=10) as answer:
        assert answer.url.endswith("/me")
