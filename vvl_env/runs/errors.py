"""Scenario errors: one paragraph naming the field, the value and what is allowed.

``format_validation_error`` turns a pydantic ``ValidationError`` into that paragraph, with field paths as a scenario
author writes them (``agents[1].learning_rate``), the discriminator tags and union member labels pydantic adds to
locations removed, and, for unknown keys, the keys that are allowed at that place.
"""

from __future__ import annotations

import types
import typing
from typing import Any, Literal, Union

from pydantic import BaseModel, ValidationError

_NAME_PATTERN = "^[A-Za-z][A-Za-z0-9_-]{0,39}$"
_PATTERNS = {
    _NAME_PATTERN: "must be a name: a letter, then letters, digits, '_' or '-' (at most 40 characters)",
    r"^(all|max_welfare|min_welfare|lemke_howson:\d+)$":
        "must be 'all', 'max_welfare', 'min_welfare' or 'lemke_howson:<k>'",
    r"^(eval|train)/[A-Za-z0-9_/-]*$": "must be a metric prefix starting 'eval/' or 'train/'",
}
_TYPES = {"int_type": "must be an integer", "float_type": "must be a number", "string_type": "must be a string",
          "bool_type": "must be true or false", "list_type": "must be an array", "dict_type": "must be a table",
          "model_type": "must be a table", "model_attributes_type": "must be a table",
          "finite_number": "must be a finite number", "int_from_float": "must be an integer"}
MAX_SHOWN = 3


class ScenarioError(ValueError):
    """A scenario that cannot run; the message is one paragraph for the user (``vvl`` exits with status 2)."""


class LargeScenarioWarning(UserWarning):
    """A scenario beyond a work or memory limit, run anyway (``--allow-large``)."""


class OversubscriptionWarning(UserWarning):
    """A local sweep whose parallel cells ask for more torch threads than the machine has cores."""


def join_key(path: str, key: Any) -> str:
    """``path.key``, or ``path['key']`` where the key is not a plain word (so that a message stays one line)."""
    return f"{path}.{key}" if isinstance(key, str) and key.replace("-", "_").isidentifier() else f"{path}[{key!r}]"


def _show(value: Any) -> str:
    try:
        text = repr(value)
    except RecursionError:  # data nested too deep for repr
        text = f"<{type(value).__name__} nested too deep to show>"
    return text if len(text) <= 60 else text[:57] + "..."


def _unwrap(tp: Any) -> Any:
    """Strip ``Annotated`` and ``Optional`` wrappers."""
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            tp = typing.get_args(tp)[0]
        elif origin in (Union, types.UnionType) and type(None) in typing.get_args(tp):
            rest = [a for a in typing.get_args(tp) if a is not type(None)]
            tp = rest[0] if len(rest) == 1 else Union[tuple(rest)]
        else:
            return tp


def _tagged_member(tp: Any, tag: str) -> Any:
    for member in typing.get_args(tp):
        member = _unwrap(member)
        if isinstance(member, type) and issubclass(member, BaseModel) and "kind" in member.model_fields:
            if typing.get_args(member.model_fields["kind"].annotation) == (tag,):
                return member
    return None


def _walk(root: type[BaseModel], loc: tuple[Any, ...]) -> tuple[str, type[BaseModel] | None]:
    """The author's path of ``loc`` and the model that holds its last key (for unknown-key errors)."""
    path, tp, holder = "", root, None
    for elem in loc:
        tp = _unwrap(tp) if tp is not None else None
        origin = typing.get_origin(tp)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            holder = tp
            path = join_key(path, elem)
            field = tp.model_fields.get(elem) if isinstance(elem, str) else None
            tp = field.annotation if field is not None else None
        elif origin is list and isinstance(elem, int):
            path, tp = path + f"[{elem}]", typing.get_args(tp)[0]
        elif origin is dict and isinstance(elem, str):
            key = f".{elem}" if elem.replace("_", "").replace("-", "").isalnum() else f"[{elem!r}]"
            path, tp = path + key, typing.get_args(tp)[1]
        elif origin in (Union, types.UnionType) and isinstance(elem, str):
            tp = _tagged_member(tp, elem)  # a discriminator tag or a member label: not part of the path
        elif origin is Literal or tp is None and isinstance(elem, str) and ("[" in elem or "-" in elem):
            continue
        else:
            path += f"[{elem}]" if isinstance(elem, int) else f".{elem}"
            tp = None
    return path.lstrip("."), holder


def _message(err: dict[str, Any], holder: type[BaseModel] | None) -> str:
    kind, ctx, got = err["type"], err.get("ctx", {}), f", got {_show(err.get('input'))}"
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        allowed = ", ".join(holder.model_fields) if holder is not None else "see the documentation"
        return f"unknown key (value {_show(err.get('input'))}); allowed keys here: {allowed}"
    if kind == "value_error":
        return str(ctx.get("error", err["msg"]))
    if kind in _TYPES:
        return _TYPES[kind] + got
    if kind == "literal_error":
        return f"must be one of {ctx.get('expected')}" + got
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        tags = ctx.get("expected_tags", "'analytic', 'baseline', 'learner'")
        return f"must be one of {tags}" + (f", got {_show(ctx.get('tag'))}" if kind == "union_tag_invalid"
                                           else ", got nothing")
    bounds = {"greater_than": ">", "greater_than_equal": ">=", "less_than": "<", "less_than_equal": "<="}
    if kind in bounds:
        limit = next(iter(v for k, v in ctx.items() if k in ("gt", "ge", "lt", "le")))
        return f"must be {bounds[kind]} {limit}" + got
    if kind == "too_short":
        return f"must have at least {ctx.get('min_length')} item(s)" + got
    if kind == "too_long":
        return f"must have at most {ctx.get('max_length')} items" + f", got {ctx.get('actual_length')} items"
    if kind == "string_pattern_mismatch":
        return _PATTERNS.get(ctx.get("pattern", ""), f"must match {ctx.get('pattern')}") + got
    return err["msg"][:1].lower() + err["msg"][1:] + got


def _policy_kinds(holder: type[BaseModel] | None) -> tuple[str, ...]:
    if holder is None or "policy" not in holder.model_fields:
        return ()
    first = typing.get_args(_unwrap(holder.model_fields["policy"].annotation))[0]
    return typing.get_args(first)


def format_validation_error(exc: ValidationError, root: type[BaseModel]) -> str:
    """One paragraph for the whole error: at most ``MAX_SHOWN`` problems, each ``path: what is allowed, got value``."""
    parts: dict[str, list[str]] = {}
    for err in exc.errors(include_url=False):
        path, holder = _walk(root, tuple(err["loc"]))
        if err["type"] in ("union_tag_invalid", "union_tag_not_found"):
            path += ".kind"
        message = _message(err, holder).replace("\n", " ")
        if err["type"] == "value_error" and message.split(":")[0].strip().split("[")[0] in (
                "agents", "evaluation.reference", "sweep.seeds", "sweep.linked", "sweep"):
            path = ""
        if ".policy" in path:
            path = path[: path.index(".policy") + len(".policy")]
            message = ("is required: " if err["type"] == "missing" else "must be ") + (
                f"one of {', '.join(map(repr, _policy_kinds(holder)))}, or a pair [player_0, player_1] of "
                f"'bayes_myopic', 'bayes_optimal', 'never_refine', 'always_refine', 'random'"
                + ("" if err["type"] == "missing" else f", got {_show(err.get('input'))}"))
            parts[path] = []
        parts.setdefault(path, [])
        if message not in parts[path]:
            parts[path].append(message)
    items = [f"{p}: {' or '.join(m)}" if p else " or ".join(m) for p, m in parts.items()]
    items.sort(key=lambda item: ": unknown key" not in item)  # a misspelt key first: it often causes the rest
    more = f" (and {len(items) - MAX_SHOWN} more)" if len(items) > MAX_SHOWN else ""
    return " ".join(("; ".join(items[:MAX_SHOWN]) + more).splitlines())  # one paragraph, whatever the keys hold
