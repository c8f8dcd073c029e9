"""API tokens through the API: api_token_create, api_token_list, api_token_revoke (each
with a token of the same user)."""

from __future__ import annotations

from typing import Any

from catalog.accounts.tokens import create_token, list_tokens, revoke_token
from catalog.api.auth import caller_id
from catalog.api.registry import action
from catalog.context import request_session
from catalog.errors import BadParameter
from catalog.params import parse_int


@action
def api_token_create(params: dict[str, Any]) -> dict[str, Any]:
    _, secret = create_token(request_session(), caller_id(), str(params.get("name") or ""))
    return {"token": secret}


@action
def api_token_list(params: dict[str, Any]) -> list[dict[str, Any]]:
    return list_tokens(request_session(), caller_id())


@action
def api_token_revoke(params: dict[str, Any]) -> None:
    user_id = caller_id()
    raw = params.get("jti") or params.get("id")
    if raw in (None, ""):
        raise BadParameter("Give the token's id as jti.", {"jti": "Missing value"})
    revoke_token(request_session(), user_id, parse_int({"jti": raw}, "jti", 0))
