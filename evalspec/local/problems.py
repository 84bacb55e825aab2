"""Errors the API answers with `{"detail": "..."}` and a status code."""

from __future__ import annotations


class ApiProblem(Exception):
    """An expected failure of a request, shown to the client as its detail."""

    def __init__(self, status_code: int, detail: str) -> None:
        super().__init__(detail)
        self.status_code = status_code
        self.detail = detail


def not_found(what: str, ident: object) -> ApiProblem:
    return ApiProblem(404, f"{what} {ident} not found")


def bad_request(detail: str) -> ApiProblem:
    return ApiProblem(400, detail)


def conflict(detail: str) -> ApiProblem:
    """A well-formed request the resource's present state refuses (RFC 9110 15.5.10): the same
    request may succeed later (after the upload, before the archive), unlike a 400."""
    return ApiProblem(409, detail)
