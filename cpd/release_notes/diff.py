"""Compare two versions of an OpenAPI spec and class every change as breaking or not.

A provider's integration must keep working, unchanged, for the life of an API version, so a
change is *breaking* when a client that was correct against the old spec can fail against
the new one. The direction matters: what a client sends (parameters, request bodies) may
accept more but not less; what it receives (responses) may say more but not less, except
that new enumeration values in responses are allowed because providers are told to tolerate
values they do not know.

Policy (the long form, with the reasons, is docs/versioning.md):

- operation added, deprecated, or built (was planned): non-breaking; removed: breaking
- parameter added: optional non-breaking, required breaking; removed or became required: breaking
- request body added: optional non-breaking, required breaking; removed or became required: breaking
- property added: in responses non-breaking; in requests optional non-breaking, required breaking
- property removed (a rename is a removal), type or format changed: breaking
- property (or parameter) deprecated: non-breaking
- property became required: breaking in requests; became optional: breaking in responses
- became nullable: breaking in responses; became not nullable: breaking in requests
- enumeration value added: non-breaking; value removed: breaking, in requests and responses
- enumeration introduced: breaking in requests; dropped: breaking in responses
- media type added: non-breaking; removed: breaking, except that an error response (4xx/5xx)
  whose plain-text body is replaced by another media type is non-breaking
- status code added: non-breaking; removed: breaking for 2xx/3xx only
- security scheme added: non-breaking; removed or changed: breaking
- authentication requirement added or removed: breaking; another way offered: non-breaking

Parameters count as requests: a new optional ``filter[...]`` key is non-breaking.
Descriptions, examples, ``x-`` extensions and validation bounds (``maxLength``, ``minimum``,
``pattern``) are not compared; reviewers watch those. ``$ref`` is followed (a cycle is
compared once), ``allOf`` is merged, and ``oneOf``/``anyOf`` are compared as the union of
their members, which is enough for the nullable wrappers our specs use.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
ARROW = " → "


class Side(StrEnum):
    """Where a schema sits: what the client sends, or what it receives."""

    PARAMETER = "parameter"
    REQUEST = "request"
    RESPONSE = "response"


class Kind(StrEnum):
    API_VERSION_ADDED = "api-version-added"
    API_VERSION_REMOVED = "api-version-removed"
    OPERATION_ADDED = "operation-added"
    OPERATION_REMOVED = "operation-removed"
    OPERATION_DEPRECATED = "operation-deprecated"
    OPERATION_UNDEPRECATED = "operation-undeprecated"
    OPERATION_IMPLEMENTED = "operation-implemented"
    OPERATION_ID_CHANGED = "operation-id-changed"
    PARAMETER_ADDED = "parameter-added"
    PARAMETER_REMOVED = "parameter-removed"
    PARAMETER_BECAME_REQUIRED = "parameter-became-required"
    PARAMETER_BECAME_OPTIONAL = "parameter-became-optional"
    PARAMETER_DEPRECATED = "parameter-deprecated"
    REQUEST_BODY_ADDED = "request-body-added"
    REQUEST_BODY_REMOVED = "request-body-removed"
    REQUEST_BODY_BECAME_REQUIRED = "request-body-became-required"
    REQUEST_BODY_BECAME_OPTIONAL = "request-body-became-optional"
    PROPERTY_ADDED = "property-added"
    PROPERTY_REMOVED = "property-removed"
    PROPERTY_BECAME_REQUIRED = "property-became-required"
    PROPERTY_BECAME_OPTIONAL = "property-became-optional"
    PROPERTY_DEPRECATED = "property-deprecated"
    TYPE_CHANGED = "type-changed"
    BECAME_NULLABLE = "became-nullable"
    BECAME_NOT_NULLABLE = "became-not-nullable"
    ENUM_WIDENED = "enum-widened"
    ENUM_NARROWED = "enum-narrowed"
    ENUM_INTRODUCED = "enum-introduced"
    ENUM_DROPPED = "enum-dropped"
    MEDIA_TYPE_ADDED = "media-type-added"
    MEDIA_TYPE_REMOVED = "media-type-removed"
    STATUS_ADDED = "status-code-added"
    STATUS_REMOVED = "status-code-removed"
    SECURITY_SCHEME_ADDED = "security-scheme-added"
    SECURITY_SCHEME_REMOVED = "security-scheme-removed"
    SECURITY_SCHEME_CHANGED = "security-scheme-changed"
    SECURITY_ADDED = "security-requirement-added"
    SECURITY_REMOVED = "security-requirement-removed"
    SECURITY_CHANGED = "security-requirement-changed"


@dataclass(frozen=True)
class Change:
    """One difference between two specs, as a provider would need to hear about it.

    ``location`` is readable (``GET /api/v3/x → 200 → data[].attributes.y``); ``schema`` names
    the spot inside a named component schema (``ECFEnrolment.cohort``) when there is one, so
    one change to a shared schema can be told once for every operation that shows it.
    """

    kind: Kind
    breaking: bool
    location: str
    message: str
    side: Side | None = None
    schema: str | None = None


def compare(
    old: Mapping[str, Any] | None, new: Mapping[str, Any] | None, *, normalise_versions: bool = False
) -> list[Change]:
    """Every change from ``old`` to ``new``; ``None`` stands for a spec that does not exist.

    ``normalise_versions`` matches ``/api/v2/x`` with ``/api/v3/x`` so one API version can be
    compared with the next.
    """
    if old is None and new is None:
        return []
    if old is None:
        # Its operations are listed too: against an empty spec with the same security, only
        # the operations differ.
        components = {"securitySchemes": (new.get("components") or {}).get("securitySchemes") or {}}
        empty = {"paths": {}, "security": new.get("security"), "components": components}
        differ = _Differ(empty, new, normalise_versions)
        differ.run()
        return [Change(Kind.API_VERSION_ADDED, False, "whole spec", "new API version"), *differ.changes]
    if new is None:
        return [Change(Kind.API_VERSION_REMOVED, True, "whole spec", "API version removed")]
    differ = _Differ(old, new, normalise_versions)
    differ.run()
    return differ.changes


# --- resolving references -------------------------------------------------------------------


def _pointer(doc: Mapping[str, Any], ref: str) -> Any:
    """The node a local ``#/a/b`` reference points at (``None`` when it points nowhere)."""
    if not ref.startswith("#"):
        return None  # our specs are self-contained; an external reference is not followed
    node: Any = doc
    for raw in ref[1:].split("/")[1:]:
        key = raw.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, Mapping) or key not in node:
            return None
        node = node[key]
    return node


def _deref(doc: Mapping[str, Any], node: Any) -> Any:
    """Follow ``$ref`` (parameters, request bodies, responses) until a real object, cycles stopped."""
    seen: set[str] = set()
    while isinstance(node, Mapping) and isinstance(node.get("$ref"), str):
        ref = node["$ref"]
        if ref in seen:
            return None
        seen.add(ref)
        node = _pointer(doc, ref)
    return node


def _component_name(ref: str) -> str | None:
    prefix = "#/components/schemas/"
    return ref[len(prefix) :].replace("~1", "/").replace("~0", "~") if ref.startswith(prefix) else None


@dataclass
class _Flat:
    """A schema with its references followed and its compositions merged into one view."""

    types: frozenset[str] = frozenset()  # empty: not constrained
    format: str | None = None
    nullable: bool = False
    enum: list[Any] | None = None
    properties: dict[str, Any] = field(default_factory=dict)
    required: set[str] = field(default_factory=set)
    items: Any = None
    refs: frozenset[str] = frozenset()
    name: str | None = None
    only_null: bool = False
    deprecated: bool = False


def _flatten(doc: Mapping[str, Any], schema: Any, seen: frozenset[str] = frozenset()) -> _Flat:
    if not isinstance(schema, Mapping):
        return _Flat()
    ref = schema.get("$ref")
    if isinstance(ref, str):
        rest = {k: v for k, v in schema.items() if k != "$ref"}
        # Siblings of $ref (3.1, or a 3.0 ``nullable``) apply alongside the target.
        if any(k not in ("description", "summary") for k in rest):
            return _flatten(doc, {**rest, "allOf": [{"$ref": ref}, *rest.get("allOf", [])]}, seen)
        if ref in seen:
            return _Flat(refs=frozenset({ref}), name=_component_name(ref))
        flat = _flatten(doc, _pointer(doc, ref), seen | {ref})
        flat.refs = flat.refs | {ref}
        flat.name = _component_name(ref) or flat.name
        return flat

    flat = _Flat()
    declared = schema.get("type")
    types = {declared} if isinstance(declared, str) else set(declared or ())
    flat.nullable = schema.get("nullable") is True or "null" in types
    types.discard("null")
    flat.only_null = declared == "null"
    flat.types = frozenset(types)
    flat.format = schema.get("format")
    flat.deprecated = schema.get("deprecated") is True
    if "enum" in schema or "const" in schema:
        values = list(schema["enum"]) if "enum" in schema else [schema["const"]]
        if None in values:
            flat.nullable = True
        flat.enum = [v for v in values if v is not None]
    flat.properties = dict(schema.get("properties") or {})
    flat.required = set(schema.get("required") or ())
    flat.items = schema.get("items")

    members = [_flatten(doc, m, seen) for m in schema.get("allOf") or ()]
    for member in members:
        _merge_all_of(flat, member)
    if members and "nullable" not in schema and "type" not in schema:
        flat.nullable = all(m.nullable for m in members)
    if len(members) == 1 and not flat.properties.keys() - members[0].properties.keys():
        flat.name = members[0].name  # a wrapper such as ``nullable: true, allOf: [$ref]``

    for key in ("oneOf", "anyOf"):
        variants = [_flatten(doc, m, seen) for m in schema.get(key) or ()]
        if not variants:
            continue
        flat.nullable = flat.nullable or any(v.nullable for v in variants)
        real = [v for v in variants if not v.only_null]
        if len(real) == 1:
            _merge_all_of(flat, real[0])
            flat.name = flat.name or real[0].name
        elif real:
            _merge_union(flat, real)

    if not flat.types:
        if flat.properties:
            flat.types = frozenset({"object"})
        elif flat.items is not None:
            flat.types = frozenset({"array"})
    return flat


def _merge_all_of(flat: _Flat, member: _Flat) -> None:
    if flat.types and member.types:
        flat.types = (flat.types & member.types) or flat.types
    else:
        flat.types = flat.types or member.types
    flat.format = flat.format or member.format
    flat.deprecated = flat.deprecated or member.deprecated
    if flat.enum is not None and member.enum is not None:
        keys = {_key(v) for v in member.enum}
        flat.enum = [v for v in flat.enum if _key(v) in keys]
    elif member.enum is not None:
        flat.enum = list(member.enum)
    for name, schema in member.properties.items():
        flat.properties[name] = (
            {"allOf": [flat.properties[name], schema]} if name in flat.properties else schema
        )
    flat.required |= member.required
    flat.items = flat.items if flat.items is not None else member.items
    flat.refs = flat.refs | member.refs


def _merge_union(flat: _Flat, variants: list[_Flat]) -> None:
    if all(v.types for v in variants):
        flat.types = flat.types | frozenset().union(*(v.types for v in variants))
    if all(v.enum is not None for v in variants):
        values: dict[str, Any] = {}
        for variant in variants:
            values.update({_key(v): v for v in variant.enum or ()})
        flat.enum = list(values.values())
    for variant in variants:
        for name, schema in variant.properties.items():
            flat.properties.setdefault(name, schema)
        flat.items = flat.items if flat.items is not None else variant.items
        flat.refs = flat.refs | variant.refs
    flat.required |= set.intersection(*(v.required for v in variants))


def _plain_text(media: str) -> bool:
    return media.split(";", 1)[0].strip().lower() == "text/plain"


def _key(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def _show(values: Iterable[Any]) -> str:
    return ", ".join(f"`{v}`" for v in values)


# --- where a change is ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Where:
    """A readable location: an operation part, then a property path inside its schema."""

    prefix: str
    parameter: str | None = None  # set for parameters: ``filter`` → ``filter[cohort]``
    deep: bool = False  # deepObject parameters are written ``filter[cohort]``
    segments: tuple[str, ...] = ()
    component: str | None = None
    component_segments: tuple[str, ...] = ()

    def prop(self, name: str) -> _Where:
        return replace(
            self, segments=(*self.segments, name), component_segments=(*self.component_segments, name)
        )

    def items(self) -> _Where:
        return replace(
            self, segments=(*self.segments, "[]"), component_segments=(*self.component_segments, "[]")
        )

    def entering(self, component: str) -> _Where:
        return replace(self, component=component, component_segments=())

    def location(self) -> str:
        if self.parameter is not None:
            if self.deep:
                return f"{self.prefix} {self.parameter}" + "".join(
                    "[]" if s == "[]" else f"[{s}]" for s in self.segments
                )
            return f"{self.prefix} {_dotted(self.parameter, self.segments)}"
        path = _dotted("", self.segments)
        return f"{self.prefix}{ARROW}{path}" if path else self.prefix

    def schema(self) -> str | None:
        return _dotted(self.component, self.component_segments) if self.component else None


def _dotted(head: str, segments: Iterable[str]) -> str:
    text = head
    for segment in segments:
        text += "[]" if segment == "[]" else (f".{segment}" if text else segment)
    return text


# --- the comparison -----------------------------------------------------------------------------

_VERSION_PREFIX = re.compile(r"^/api/v\d+(?=/|$)")
_TEMPLATE = re.compile(r"\{[^}/]*\}")


@dataclass(frozen=True)
class _Operation:
    method: str
    path: str
    operation: Mapping[str, Any]
    path_item: Mapping[str, Any]

    @property
    def label(self) -> str:
        return f"{self.method.upper()} {self.path}"


class _Differ:
    def __init__(self, old: Mapping[str, Any], new: Mapping[str, Any], normalise_versions: bool) -> None:
        self.old = old
        self.new = new
        self.normalise_versions = normalise_versions
        self.changes: list[Change] = []

    def add(
        self,
        kind: Kind,
        breaking: bool,
        where: _Where | str,
        message: str,
        side: Side | None = None,
    ) -> None:
        if isinstance(where, str):
            self.changes.append(Change(kind, breaking, where, message, side))
        else:
            self.changes.append(Change(kind, breaking, where.location(), message, side, where.schema()))

    def run(self) -> None:
        self._security_schemes()
        old_ops, new_ops = self._operations(self.old), self._operations(self.new)
        for key in sorted(old_ops.keys() | new_ops.keys(), key=_operation_order):
            before, after = old_ops.get(key), new_ops.get(key)
            if before is None and after is not None:
                message = "new operation"
                if after.operation.get("x-cpd-status") == "planned":
                    message += " (planned: answers 501 until it is built)"
                if after.operation.get("deprecated"):
                    message += " (already deprecated)"
                self.add(Kind.OPERATION_ADDED, False, after.label, message)
            elif after is None and before is not None:
                self.add(Kind.OPERATION_REMOVED, True, before.label, "operation removed")
            elif before is not None and after is not None:
                self._operation(before, after)

    def _operations(self, doc: Mapping[str, Any]) -> dict[tuple[str, str], _Operation]:
        found: dict[tuple[str, str], _Operation] = {}
        for path, item in (doc.get("paths") or {}).items():
            item = _deref(doc, item)
            if not isinstance(item, Mapping):
                continue
            key_path = _TEMPLATE.sub("{}", path)
            if self.normalise_versions:
                key_path = _VERSION_PREFIX.sub("/api/v*", key_path)
            for method in HTTP_METHODS:
                if isinstance(item.get(method), Mapping):
                    found[(key_path, method)] = _Operation(method, path, item[method], item)
        return found

    # operations

    def _operation(self, before: _Operation, after: _Operation) -> None:
        label = after.label
        old_op, new_op = before.operation, after.operation
        if bool(old_op.get("deprecated")) != bool(new_op.get("deprecated")):
            if new_op.get("deprecated"):
                self.add(
                    Kind.OPERATION_DEPRECATED,
                    False,
                    label,
                    "deprecated (it keeps working for the life of this API version)",
                )
            else:
                self.add(Kind.OPERATION_UNDEPRECATED, False, label, "no longer deprecated")
        if old_op.get("x-cpd-status") == "planned" and new_op.get("x-cpd-status") != "planned":
            self.add(Kind.OPERATION_IMPLEMENTED, False, label, "now available (it answered 501 before)")
        if old_op.get("operationId") != new_op.get("operationId") and old_op.get("operationId"):
            self.add(
                Kind.OPERATION_ID_CHANGED,
                False,
                label,
                f"operationId `{old_op.get('operationId')}` is now `{new_op.get('operationId')}` "
                "(generated clients name the method differently; requests are unchanged)",
            )
        self._security(label, old_op, new_op)
        self._parameters(label, before, after)
        self._request_body(label, old_op, new_op)
        self._responses(label, old_op, new_op)

    # security

    def _security_schemes(self) -> None:
        old = dict((self.old.get("components") or {}).get("securitySchemes") or {})
        new = dict((self.new.get("components") or {}).get("securitySchemes") or {})
        for name in sorted(old.keys() | new.keys()):
            where = f"security scheme `{name}`"
            if name not in new:
                self.add(Kind.SECURITY_SCHEME_REMOVED, True, where, "security scheme removed")
            elif name not in old:
                self.add(Kind.SECURITY_SCHEME_ADDED, False, where, "new security scheme")
            elif _scheme_essentials(_deref(self.old, old[name])) != _scheme_essentials(
                _deref(self.new, new[name])
            ):
                self.add(Kind.SECURITY_SCHEME_CHANGED, True, where, "how credentials are sent changed")

    def _security(self, label: str, old_op: Mapping[str, Any], new_op: Mapping[str, Any]) -> None:
        before = _alternatives(old_op.get("security", self.old.get("security")))
        after = _alternatives(new_op.get("security", self.new.get("security")))
        if before == after:
            return
        was_secured, is_secured = _secured(before), _secured(after)
        shown = f"from {_show_security(before)} to {_show_security(after)}"
        if is_secured and not was_secured:
            self.add(Kind.SECURITY_ADDED, True, label, f"authentication now required ({shown})")
        elif was_secured and not is_secured:
            self.add(Kind.SECURITY_REMOVED, True, label, f"authentication no longer required ({shown})")
        elif before <= after:
            self.add(Kind.SECURITY_CHANGED, False, label, f"another way to authenticate ({shown})")
        else:
            self.add(Kind.SECURITY_CHANGED, True, label, f"authentication changed {shown}")

    # parameters

    def _parameters(self, label: str, before: _Operation, after: _Operation) -> None:
        old = _parameters(self.old, before)
        new = _parameters(self.new, after)
        for key in sorted(old.keys() | new.keys(), key=str):
            if key not in new:
                param = old[key]
                self.add(
                    Kind.PARAMETER_REMOVED, True, _param_where(label, param).location(), "parameter removed"
                )
                continue
            param = new[key]
            where = _param_where(label, param)
            if key not in old:
                if param.get("required"):
                    self.add(Kind.PARAMETER_ADDED, True, where.location(), "new required parameter")
                else:
                    self.add(Kind.PARAMETER_ADDED, False, where.location(), "new optional parameter")
                continue
            was, now = bool(old[key].get("required")), bool(param.get("required"))
            if now and not was:
                self.add(Kind.PARAMETER_BECAME_REQUIRED, True, where.location(), "parameter is now required")
            elif was and not now:
                self.add(Kind.PARAMETER_BECAME_OPTIONAL, False, where.location(), "parameter is now optional")
            if param.get("deprecated") and not old[key].get("deprecated"):
                self.add(Kind.PARAMETER_DEPRECATED, False, where.location(), "parameter deprecated")
            self._schema(_param_schema(old[key]), _param_schema(param), where, Side.PARAMETER, frozenset())

    # request bodies

    def _request_body(self, label: str, old_op: Mapping[str, Any], new_op: Mapping[str, Any]) -> None:
        before = _deref(self.old, old_op.get("requestBody"))
        after = _deref(self.new, new_op.get("requestBody"))
        where = f"{label}{ARROW}request body"
        if not isinstance(before, Mapping) and not isinstance(after, Mapping):
            return
        if not isinstance(before, Mapping):
            required = bool(after.get("required"))
            message = "new required request body" if required else "new optional request body"
            self.add(Kind.REQUEST_BODY_ADDED, required, where, message, Side.REQUEST)
            return
        if not isinstance(after, Mapping):
            self.add(Kind.REQUEST_BODY_REMOVED, True, where, "request body removed", Side.REQUEST)
            return
        was, now = bool(before.get("required")), bool(after.get("required"))
        if now and not was:
            self.add(
                Kind.REQUEST_BODY_BECAME_REQUIRED, True, where, "request body is now required", Side.REQUEST
            )
        elif was and not now:
            self.add(
                Kind.REQUEST_BODY_BECAME_OPTIONAL, False, where, "request body is now optional", Side.REQUEST
            )
        self._content(where, before.get("content"), after.get("content"), Side.REQUEST)

    # responses

    def _responses(self, label: str, old_op: Mapping[str, Any], new_op: Mapping[str, Any]) -> None:
        old = {str(code): r for code, r in (old_op.get("responses") or {}).items()}
        new = {str(code): r for code, r in (new_op.get("responses") or {}).items()}
        for code in sorted(old.keys() | new.keys()):
            where = f"{label}{ARROW}{code}"
            if code not in new:
                success = code[:1] in ("2", "3")
                self.add(
                    Kind.STATUS_REMOVED, success, where, f"response status {code} removed", Side.RESPONSE
                )
            elif code not in old:
                self.add(Kind.STATUS_ADDED, False, where, f"new response status {code}", Side.RESPONSE)
            else:
                before, after = _deref(self.old, old[code]), _deref(self.new, new[code])
                if isinstance(before, Mapping) and isinstance(after, Mapping):
                    error = code[:1] in ("4", "5")
                    self._content(where, before.get("content"), after.get("content"), Side.RESPONSE, error)

    def _content(self, where: str, old: Any, new: Any, side: Side, error: bool = False) -> None:
        old = dict(old or {})
        new = dict(new or {})
        for media in sorted(old.keys() - new.keys()):
            if error and _plain_text(media) and new.keys() - old.keys():
                # A plain-text error body promises a client nothing to parse: the status code
                # (and headers such as Retry-After) carry the meaning, so it may become structured.
                replaced = _show(sorted(new.keys() - old.keys()))
                message = f"media type `{media}` of an error replaced by {replaced}"
                self.add(Kind.MEDIA_TYPE_REMOVED, False, where, message, side)
                continue
            self.add(Kind.MEDIA_TYPE_REMOVED, True, where, f"media type `{media}` removed", side)
        for media in sorted(new.keys() - old.keys()):
            self.add(Kind.MEDIA_TYPE_ADDED, False, where, f"new media type `{media}`", side)
        several = len(old.keys() | new.keys()) > 1
        for media in sorted(old.keys() & new.keys()):
            prefix = f"{where} ({media})" if several else where
            before, after = old[media] or {}, new[media] or {}
            self._schema(before.get("schema"), after.get("schema"), _Where(prefix), side, frozenset())

    # schemas

    def _schema(
        self,
        old_schema: Any,
        new_schema: Any,
        where: _Where,
        side: Side,
        stack: frozenset[tuple[frozenset[str], frozenset[str]]],
    ) -> None:
        if old_schema is None or new_schema is None:
            return
        before, after = _flatten(self.old, old_schema), _flatten(self.new, new_schema)
        pair = (before.refs, after.refs)
        if before.refs or after.refs:
            if pair in stack:
                return  # a recursive schema: this pair is being compared further up
            stack = stack | {pair}
        name = after.name or before.name
        if name:
            where = where.entering(name)
        sends = side is not Side.RESPONSE

        if before.types and after.types and before.types != after.types:
            message = f"type changed from {_show_types(before.types)} to {_show_types(after.types)}"
            self.add(Kind.TYPE_CHANGED, True, where, message, side)
            return
        if before.format and after.format and before.format != after.format:
            message = f"format changed from `{before.format}` to `{after.format}`"
            self.add(Kind.TYPE_CHANGED, True, where, message, side)
        if before.nullable != after.nullable:
            if after.nullable:
                self.add(Kind.BECAME_NULLABLE, not sends, where, "may now be null", side)
            else:
                self.add(Kind.BECAME_NOT_NULLABLE, sends, where, "may no longer be null", side)
        if after.deprecated and not before.deprecated:
            self.add(
                Kind.PROPERTY_DEPRECATED,
                False,
                where,
                "deprecated (it keeps working for the life of this API version)",
                side,
            )
        self._enum(before, after, where, side)

        for prop in sorted(before.properties.keys() - after.properties.keys()):
            self.add(Kind.PROPERTY_REMOVED, True, where.prop(prop), "property removed", side)
        for prop in sorted(after.properties.keys() - before.properties.keys()):
            required = prop in after.required
            if sends:
                message = "new required property" if required else "new optional property"
            else:
                message = "new property, always present" if required else "new property"
            self.add(Kind.PROPERTY_ADDED, sends and required, where.prop(prop), message, side)
        for prop in sorted(before.properties.keys() & after.properties.keys()):
            was, now = prop in before.required, prop in after.required
            if now and not was:
                message = "now required" if sends else "now always present"
                self.add(Kind.PROPERTY_BECAME_REQUIRED, sends, where.prop(prop), message, side)
            elif was and not now:
                message = "now optional" if sends else "may now be absent"
                self.add(Kind.PROPERTY_BECAME_OPTIONAL, not sends, where.prop(prop), message, side)
            self._schema(before.properties[prop], after.properties[prop], where.prop(prop), side, stack)
        if before.items is not None and after.items is not None:
            self._schema(before.items, after.items, where.items(), side, stack)

    def _enum(self, before: _Flat, after: _Flat, where: _Where, side: Side) -> None:
        sends = side is not Side.RESPONSE
        if before.enum is None and after.enum is None:
            return
        if before.enum is None:
            message = f"now limited to {_show(after.enum or ())}"
            self.add(Kind.ENUM_INTRODUCED, sends, where, message, side)
            return
        if after.enum is None:
            self.add(Kind.ENUM_DROPPED, not sends, where, "no longer limited to a list of values", side)
            return
        old_keys = {_key(v) for v in before.enum}
        new_keys = {_key(v) for v in after.enum}
        removed = [v for v in before.enum if _key(v) not in new_keys]
        added = [v for v in after.enum if _key(v) not in old_keys]
        if removed:
            self.add(Kind.ENUM_NARROWED, True, where, f"value {_show(removed)} no longer allowed", side)
        if added:
            self.add(Kind.ENUM_WIDENED, False, where, f"new value {_show(added)}", side)


def _operation_order(key: tuple[str, str]) -> tuple[str, int]:
    return key[0], HTTP_METHODS.index(key[1])


def _show_types(types: frozenset[str]) -> str:
    return " or ".join(f"`{t}`" for t in sorted(types))


def _alternatives(requirements: Any) -> frozenset[frozenset[tuple[str, tuple[str, ...]]]]:
    """Security requirements as a set of alternatives, each a set of (scheme, scopes)."""
    found = set()
    for requirement in requirements or ():
        if isinstance(requirement, Mapping):
            found.add(frozenset((name, tuple(sorted(scopes or ()))) for name, scopes in requirement.items()))
    return frozenset(found)


def _secured(alternatives: frozenset[frozenset[Any]]) -> bool:
    return bool(alternatives) and frozenset() not in alternatives


def _show_security(alternatives: frozenset[frozenset[tuple[str, tuple[str, ...]]]]) -> str:
    if not alternatives:
        return "none"
    shown = []
    for alternative in sorted(alternatives, key=lambda a: sorted(a)):
        parts = [
            f"`{name}`" + (f" ({', '.join(scopes)})" if scopes else "")
            for name, scopes in sorted(alternative)
        ]
        shown.append(" and ".join(parts) or "anonymous")
    return " or ".join(shown)


def _scheme_essentials(scheme: Any) -> Any:
    if not isinstance(scheme, Mapping):
        return None
    return {k: v for k, v in scheme.items() if k != "description" and not k.startswith("x-")}


def _parameters(doc: Mapping[str, Any], op: _Operation) -> dict[tuple[str, Any], Mapping[str, Any]]:
    """An operation's parameters (path-level ones included), keyed the way clients see them.

    Path parameters are keyed by their place in the template, so renaming ``{id}`` is no change.
    """
    found: dict[tuple[str, Any], Mapping[str, Any]] = {}
    names = [m.group(0)[1:-1] for m in _TEMPLATE.finditer(op.path)]
    for raw in [*(op.path_item.get("parameters") or ()), *(op.operation.get("parameters") or ())]:
        param = _deref(doc, raw)
        if not isinstance(param, Mapping) or "name" not in param:
            continue
        place, name = str(param.get("in", "query")), str(param["name"])
        if place == "path" and name in names:
            key: tuple[str, Any] = ("path", names.index(name))
        else:
            key = (place, name.lower() if place == "header" else name)
        found[key] = param
    return found


def _param_where(label: str, param: Mapping[str, Any]) -> _Where:
    return _Where(
        f"{label}{ARROW}{param.get('in', 'query')} parameter",
        parameter=str(param["name"]),
        deep=param.get("style") == "deepObject",
    )


def _param_schema(param: Mapping[str, Any]) -> Any:
    if "schema" in param:
        return param["schema"]
    for media in (param.get("content") or {}).values():
        return (media or {}).get("schema")
    return None
