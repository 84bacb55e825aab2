"""The local service's HTTP face: the FastAPI app, its routes, auth, rate limit and shapes.

    app.py              build_app: routes, error bodies, the rate-limit middleware; LocalService
                        (the runtime of service.py with its app) and create_app
    errors.py           every error answer as JSON `{"detail": ...}`; the error answers in OpenAPI
    limits.py           what a request may hold: ids within 64 bits, JSON sqlite and UTF-8 can keep
    routes_*.py         one module per endpoint group of Datalab's API (+ local extensions:
                        routes_rubrics' create, routes_outputs' per-file output, routes_extensions)
    requests.py         request bodies, with Datalab's rules (FastAPI turns them into 422s)
    responses.py        response shapes, as Datalab documents them
    auth.py, deps.py    the `X-API-Key` check; request-scoped access to the service
    ratelimit.py        the `--rate-limit` knob (429 + Retry-After)
    start_run.py        accepting a batch run: snapshot the documents, queue the run
    server.py           serve(ServerOptions): uvicorn on a socket it binds itself
"""
