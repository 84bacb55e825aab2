"""The local service's HTTP face: the FastAPI app, its routes, auth, rate limit and shapes.

    app.py              build_app: routes, error bodies, the rate-limit middleware
    routes_*.py         one module per endpoint group of Datalab's API (+ local extensions:
                        routes_rubrics' create, routes_outputs' per-file output)
    requests.py         request bodies, with Datalab's rules (FastAPI turns them into 422s)
    responses.py        response shapes, as Datalab documents them
    auth.py, deps.py    the `X-API-Key` check; request-scoped access to the service
    ratelimit.py        the `--rate-limit` knob (429 + Retry-After)
    start_run.py        accepting a batch run: snapshot the documents, queue the run
    server.py           serve(ServerOptions): uvicorn on a socket it binds itself
"""
