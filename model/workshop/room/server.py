"""The room's web server: Starlette routes over one :class:`~model.workshop.room.session.Room`.

Why not Solara, like the dashboard: measured here with 25 browser contexts on two cores, a Solara
page per participant (a virtual kernel, a widget tree and the Vuetify front end each) took twice as
long to load and 2.0-2.5 s to show a new round, against 0.4-1.0 s for server-rendered pages with
server-sent events (``docs/room.md``). Starlette and uvicorn come with Solara already.

Routes (every page and answer is the room's own; the Content-Security-Policy forbids anything else):

* ``GET /`` join page, ``POST /join`` (room code and name; a cookie then holds the device's token);
* ``GET /me`` a participant's page; ``POST /me/take``, ``/me/leave``, ``/me/vote``;
* ``GET /projector`` the projector with the facilitator's controls: opened once as
  ``/projector?key=KEY`` (printed in the terminal), which leaves the key in a cookie;
  ``POST /facilitator/open``, ``/close``, ``/undo``, ``/baseline``;
* ``GET /events?page=me|projector`` server-sent events: a short key of what that page shows, sent
  whenever it changes (the page then fetches its new ``<main>`` with ``?part=main``);
* ``GET /qr.svg`` the QR code of the join address; ``GET /lang?to=en&next=/me`` the device's language;
  ``/static/`` the style sheet and the script.

A form posted by the page's script (header ``X-Room-Fetch``) gets the new ``<main>`` back; a plain
form post gets a redirect (or the page with the error), so the pages also work without script.
Cookies are ``HttpOnly`` and ``SameSite=Strict``, and a post from another origin is refused.
"""

from __future__ import annotations

import asyncio
import io
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any
from urllib.parse import parse_qs, urlsplit

import segno
import uvicorn
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from model.i18n import DEFAULT_LANGUAGE, LANGUAGES
from model.workshop.room.pages import HERE, render_join, render_participant, render_projector, view_key
from model.workshop.room.session import Room, RoomError
from model.workshop.room.texts import t

TOKEN_COOKIE = "room_token"
FACILITATOR_COOKIE = "room_facilitator"
LANG_COOKIE = "room_lang"
MAX_BODY = 16_384  # a vote is a few hundred bytes
PING_SECONDS = 15  # a comment line keeps idle connections (and phone hotspots' NAT) open

SECURITY_HEADERS = [
    (b"content-security-policy", b"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
                                 b"connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),  # "no-referrer" would make form posts say "Origin: null"
    (b"cache-control", b"no-store"),
]


class Broadcaster:
    """Wakes every waiting event stream after a change of the room (the room calls from any thread)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._event = asyncio.Event()

    def notify(self) -> None:
        """Announce a change (thread-safe)."""
        self._loop.call_soon_threadsafe(self._fire)

    def _fire(self) -> None:
        event, self._event = self._event, asyncio.Event()
        event.set()

    def current(self) -> asyncio.Event:
        """The event the next change sets."""
        return self._event


class SecurityHeaders:
    """ASGI middleware adding :data:`SECURITY_HEADERS` to every response (streams included)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:  # noqa: D102
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: dict) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = list(message["headers"]) + SECURITY_HEADERS
            await send(message)

        await self.app(scope, receive, with_headers)


def join_link(join_url: str, room: Room) -> str:
    """The address the QR code holds: the join page with the room code filled in."""
    return f"{join_url.rstrip('/')}/?code={room.code}"


def make_app(room: Room, join_url: str) -> Any:
    """Build the room's web application.

    Args:
        room: The room.
        join_url: The address participants open (shown on the projector and in the QR code).

    Returns:
        An ASGI application.

    """
    qr = io.BytesIO()
    segno.make(join_link(join_url, room), error="m").save(qr, kind="svg", scale=8, border=2, xmldecl=False)
    qr_svg = qr.getvalue()
    state: dict[str, Broadcaster] = {}

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        state["broadcaster"] = Broadcaster(asyncio.get_running_loop())
        unsubscribe = room.subscribe(state["broadcaster"].notify)
        yield
        unsubscribe()

    def lang_of(request: Request) -> str:
        lang = request.cookies.get(LANG_COOKIE, DEFAULT_LANGUAGE)
        return lang if lang in LANGUAGES else DEFAULT_LANGUAGE

    def html(text: str, status: int = 200) -> HTMLResponse:
        return HTMLResponse(text, status_code=status)

    def error_text(exc: RoomError, lang: str) -> str:
        return t(exc.key, lang, **exc.values)

    async def form_of(request: Request) -> dict[str, Any] | Response:
        """The posted form, or the answer refusing it (too big, or from another origin)."""
        origin = request.headers.get("origin")
        if origin and urlsplit(origin).netloc != request.headers.get("host"):
            return Response("cross-origin post refused", status_code=403)
        if int(request.headers.get("content-length") or 0) > MAX_BODY:
            return Response("request too large", status_code=413)
        body = await request.body()
        if len(body) > MAX_BODY:
            return Response("request too large", status_code=413)
        try:  # forms are posted URL-encoded (plain forms and the page's script alike)
            fields = parse_qs(body.decode("utf-8"), keep_blank_values=True, max_num_fields=64, strict_parsing=False)
        except (UnicodeDecodeError, ValueError):
            return Response("bad form", status_code=400)
        return {k: v if len(v) > 1 else v[0] for k, v in fields.items()}

    # ------------------------------------------------------------------ participants
    async def join_page(request: Request) -> Response:
        token = request.cookies.get(TOKEN_COOKIE)
        if room.participant(token) is not None:
            return RedirectResponse("/me", status_code=303)
        code, lang = request.query_params.get("code", "")[:12], lang_of(request)
        return html(render_join(lang, code, t("signed_out", lang) if token else None))

    async def join(request: Request) -> Response:
        form = await form_of(request)
        if isinstance(form, Response):
            return form
        lang = lang_of(request)
        try:
            _, token = await run_in_threadpool(room.join, str(form.get("name", "")), str(form.get("code", "")), lang)
        except RoomError as exc:
            return html(render_join(lang, str(form.get("code", ""))[:12], error_text(exc, lang)), 409)
        response = RedirectResponse("/me", status_code=303)
        response.set_cookie(TOKEN_COOKIE, token, httponly=True, samesite="strict", max_age=7 * 24 * 3600)
        return response

    def me_or_none(request: Request) -> Any:
        return room.participant(request.cookies.get(TOKEN_COOKIE))

    async def me(request: Request) -> Response:
        p = me_or_none(request)
        if p is None:
            return RedirectResponse("/", status_code=303)
        part = request.query_params.get("part") == "main"
        return html(await run_in_threadpool(render_participant, room, p, lang_of(request), None, part))

    def participant_action(act: Callable[[Any, dict[str, Any]], Any]) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            p = me_or_none(request)
            if p is None:
                return RedirectResponse("/", status_code=303)
            form = await form_of(request)
            if isinstance(form, Response):
                return form
            lang = lang_of(request)
            fetched = request.headers.get("x-room-fetch") == "1"
            try:
                await run_in_threadpool(act, p, form)
            except RoomError as exc:
                page = await run_in_threadpool(render_participant, room, p, lang, error_text(exc, lang), fetched)
                return html(page, 409)
            if fetched:
                return html(await run_in_threadpool(render_participant, room, p, lang, None, True))
            return RedirectResponse("/me", status_code=303)
        return endpoint

    # ------------------------------------------------------------------ facilitator
    def is_facilitator(request: Request) -> bool:
        return room.is_facilitator(request.cookies.get(FACILITATOR_COOKIE))

    async def projector(request: Request) -> Response:
        key = request.query_params.get("key")
        if key is not None:
            if not room.is_facilitator(key):
                return html(t("not_facilitator", lang_of(request)), 403)
            response = RedirectResponse("/projector", status_code=303)
            response.set_cookie(FACILITATOR_COOKIE, key, httponly=True, samesite="strict")
            return response
        if not is_facilitator(request):
            return html(t("not_facilitator", lang_of(request)), 403)
        part = request.query_params.get("part") == "main"
        return html(await run_in_threadpool(render_projector, room, lang_of(request), join_url, part))

    def facilitator_action(act: Callable[[dict[str, Any]], Any]) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            lang = lang_of(request)
            if not is_facilitator(request):
                return html(t("not_facilitator", lang), 403)
            form = await form_of(request)
            if isinstance(form, Response):
                return form
            fetched = request.headers.get("x-room-fetch") == "1"
            try:
                await run_in_threadpool(act, form)
            except RoomError as exc:
                page = await run_in_threadpool(render_projector, room, lang, join_url, fetched, error_text(exc, lang))
                return html(page, 409)
            if fetched:
                return html(await run_in_threadpool(render_projector, room, lang, join_url, True))
            return RedirectResponse("/projector", status_code=303)
        return endpoint

    def close(form: dict[str, Any]) -> None:
        try:
            number, weeks = int(form.get("round", -1)), int(form.get("weeks", room.settings.weeks))
        except (TypeError, ValueError):
            raise RoomError("not_open") from None
        room.close_round(number, weeks)

    # ------------------------------------------------------------------ the rest
    async def events(request: Request) -> Response:
        projector_page = request.query_params.get("page") == "projector"
        if projector_page and not is_facilitator(request):
            return Response(status_code=403)
        if not projector_page and me_or_none(request) is None:
            return Response(status_code=204)  # signed out: the page's next request goes to the join page
        lang = lang_of(request)
        broadcaster = state["broadcaster"]

        async def stream() -> AsyncIterator[str]:
            last = None
            yield "retry: 2000\n\n"
            while True:
                changed = broadcaster.current()
                p = None if projector_page else me_or_none(request)
                if not projector_page and p is None:
                    return
                glance = room.glance
                key = f"{view_key(room, lang, None if p is None else p.pid)} {glance.phase} {glance.round}"
                if key != last:
                    last = key
                    yield f"data: {key}\n\n"
                try:
                    await asyncio.wait_for(changed.wait(), PING_SECONDS)
                except TimeoutError:
                    yield ": ping\n\n"

        return StreamingResponse(stream(), media_type="text/event-stream")

    async def language(request: Request) -> Response:
        to = request.query_params.get("to", DEFAULT_LANGUAGE)
        target = request.query_params.get("next", "/")
        if not target.startswith("/") or target.startswith("//"):
            target = "/"
        response = RedirectResponse(target, status_code=303)
        if to in LANGUAGES:
            response.set_cookie(LANG_COOKIE, to, samesite="strict", max_age=7 * 24 * 3600)
            p = me_or_none(request)
            if p is not None:
                await run_in_threadpool(room.set_language, p.pid, to)
        return response

    async def qr_code(request: Request) -> Response:
        return Response(qr_svg, media_type="image/svg+xml")

    routes = [
        Route("/", join_page), Route("/join", join, methods=["POST"]), Route("/me", me),
        Route("/me/take", participant_action(lambda p, f: room.take(p.pid, str(f.get("role", "")))),
              methods=["POST"]),
        Route("/me/leave", participant_action(lambda p, f: room.leave(p.pid)), methods=["POST"]),
        Route("/me/vote", participant_action(lambda p, f: room.vote(p.pid, f)), methods=["POST"]),
        Route("/projector", projector),
        Route("/facilitator/open", facilitator_action(lambda f: room.open_round()), methods=["POST"]),
        Route("/facilitator/close", facilitator_action(close), methods=["POST"]),
        Route("/facilitator/undo", facilitator_action(lambda f: room.undo()), methods=["POST"]),
        Route("/facilitator/baseline", facilitator_action(lambda f: room.new_baseline()), methods=["POST"]),
        Route("/events", events), Route("/lang", language), Route("/qr.svg", qr_code),
        Route("/favicon.ico", lambda request: Response(status_code=204)),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    return SecurityHeaders(Starlette(routes=routes, lifespan=lifespan))


def _server(room: Room, host: str, port: int, join_url: str) -> uvicorn.Server:
    return uvicorn.Server(uvicorn.Config(make_app(room, join_url), host=host, port=port, log_level="warning",
                                         ws="none", server_header=False, timeout_graceful_shutdown=2))


def serve(room: Room, host: str, port: int, join_url: str) -> None:
    """Run the room's server until interrupted (Ctrl-C)."""
    _server(room, host, port, join_url).run()


@contextmanager
def serving_in_thread(room: Room, join_url: str = "http://127.0.0.1/", timeout: float = 60) -> Iterator[str]:
    """Serve the room on a free port of 127.0.0.1 in a background thread (tests and benchmarks); yield its address.

    Raises:
        RuntimeError: The server did not start within ``timeout`` seconds.

    """
    server = _server(room, "127.0.0.1", 0, join_url)
    thread = threading.Thread(target=server.run, name="room-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the room's server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
