"""A version's reference page, built from its spec alone: whatever the spec says (new
operations, deprecations, examples) is what the page shows, with no per-operation code."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import yaml
from markupsafe import Markup, escape

from web import specs
from web.docs_site.rendering import render_markdown


@dataclass(frozen=True)
class Example:
    media_type: str
    text: str
    label: str
    from_spec: bool


@dataclass(frozen=True)
class ParameterView:
    name: str
    location: str
    type_html: Markup
    required: bool
    description: Markup
    values: list[str]
    deprecated: bool


@dataclass(frozen=True)
class BodyView:
    required: bool
    description: Markup
    schema_html: Markup
    examples: list[Example]


@dataclass(frozen=True)
class ResponseView:
    status: str
    description: Markup
    headers: list[str]
    schema_html: Markup
    examples: list[Example]


@dataclass
class OperationView:
    anchor: str
    method: str
    path: str
    summary: str
    description: Markup
    deprecated: bool
    sunset: str | None
    replacement: str | None
    planned: bool
    parameters: list[ParameterView]
    request_body: BodyView | None
    responses: list[ResponseView]


@dataclass
class TagGroup:
    name: str
    anchor: str
    description: Markup
    operations: list[OperationView] = field(default_factory=list)


@dataclass(frozen=True)
class PropertyView:
    name: str
    type_html: Markup
    required: bool
    description: Markup
    values: list[str]
    deprecated: bool
    replacement: str | None


@dataclass(frozen=True)
class SchemaView:
    name: str
    anchor: str
    description: Markup
    type_html: Markup
    properties: list[PropertyView]
    values: list[str]


@dataclass(frozen=True)
class ReferenceView:
    version: str
    title: str
    spec_version: str
    description: Markup
    sunset: str | None
    groups: list[TagGroup]
    schemas: list[SchemaView]

    @property
    def operation_count(self) -> int:
        return sum(len(group.operations) for group in self.groups)


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "section"


def schema_anchor(name: str) -> str:
    return f"schema-{slug(name)}"


class _Builder:
    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.anchors: set[str] = set()

    def unique(self, anchor: str) -> str:
        candidate, number = anchor, 2
        while candidate in self.anchors:
            candidate, number = f"{anchor}-{number}", number + 1
        self.anchors.add(candidate)
        return candidate

    def resolve(self, node: Any) -> Any:
        return specs.resolve(self.document, node)

    def markdown(self, text: Any, top_level: int = 4) -> Markup:
        return render_markdown(str(text), top_level) if text else Markup("")

    def type_html(self, schema: Any) -> Markup:
        """``string (date-time)``, ``array of`` a linked schema, ``one of``…"""
        name = specs.ref_name(schema)
        if name:
            link = Markup('<a class="govuk-link" href="#{}">{}</a>').format(schema_anchor(name), name)
            target = self.resolve(schema)
            if isinstance(target, dict) and target.get("type") not in (None, "object", "array"):
                # A named scalar (CohortList, Timestamp…): say what it is, not just its name.
                return Markup("{} ({})").format(self.type_html(target), link)
            return link
        if not isinstance(schema, dict):
            return Markup("")
        for key, word in (("oneOf", "one of"), ("anyOf", "any of"), ("allOf", "all of")):
            if schema.get(key):
                parts = [self.type_html(part) for part in schema[key]]
                if key == "allOf" and len(parts) == 1:
                    inner = parts[0]
                else:
                    inner = Markup(", ").join(parts)
                    inner = Markup("{} {}").format(word, inner)
                return inner + (Markup(" or null") if schema.get("nullable") else Markup(""))
        kind = schema.get("type", "object" if "properties" in schema else "")
        if kind == "array":
            text = Markup("array of ") + self.type_html(schema.get("items", {}))
        else:
            text = escape(kind or "any")
            if schema.get("format"):
                text += Markup(" ({})").format(schema["format"])
        if schema.get("nullable"):
            text += Markup(" or null")
        return text

    def values(self, schema: Any) -> list[str]:
        return specs.enum_values_of(self.document, schema)

    def parameters(self, operation: dict[str, Any], item: dict[str, Any]) -> list[ParameterView]:
        merged: dict[tuple[str, str], dict[str, Any]] = {}
        for raw in [*(item.get("parameters") or []), *(operation.get("parameters") or [])]:
            parameter = self.resolve(raw)
            if isinstance(parameter, dict) and "name" in parameter:
                merged[(parameter["name"], parameter.get("in", ""))] = parameter
        views = []
        for parameter in merged.values():
            schema = parameter.get("schema", {})
            resolved = self.resolve(schema)
            description = self.markdown(parameter.get("description"))
            if (
                parameter.get("style") == "deepObject"
                and isinstance(resolved, dict)
                and resolved.get("properties")
            ):
                # page[page], filter[cohort]…: one row per key, as a client sends them.
                required_keys = set(resolved.get("required") or [])
                views.append(
                    ParameterView(
                        parameter["name"],
                        parameter.get("in", ""),
                        Markup("object"),
                        bool(parameter.get("required")),
                        description,
                        [],
                        bool(parameter.get("deprecated")),
                    )
                )
                for key, prop in resolved["properties"].items():
                    resolved_prop = self.resolve(prop)
                    views.append(
                        ParameterView(
                            f"{parameter['name']}[{key}]",
                            parameter.get("in", ""),
                            self.type_html(prop),
                            key in required_keys,
                            self.markdown(
                                resolved_prop.get("description") if isinstance(resolved_prop, dict) else ""
                            ),
                            self.values(prop),
                            bool(isinstance(resolved_prop, dict) and resolved_prop.get("deprecated")),
                        )
                    )
                continue
            views.append(
                ParameterView(
                    parameter["name"],
                    parameter.get("in", ""),
                    self.type_html(schema),
                    bool(parameter.get("required")),
                    description,
                    self.values(schema),
                    bool(parameter.get("deprecated")),
                )
            )
        return views

    def examples(self, content: dict[str, Any]) -> list[Example]:
        found = []
        for media_type, raw_media in (content or {}).items():
            media = self.resolve(raw_media) or {}
            if "example" in media:
                found.append(Example(media_type, _format(media["example"], media_type), "", True))
            elif media.get("examples"):
                for name, raw_example in media["examples"].items():
                    example = self.resolve(raw_example) or {}
                    label = example.get("summary") or name
                    found.append(
                        Example(media_type, _format(example.get("value"), media_type), str(label), True)
                    )
            else:
                schema = self.resolve(media.get("schema", {}))
                value = specs.example_for(self.document, schema)
                own = isinstance(schema, dict) and "example" in schema
                if value is not None:
                    found.append(Example(media_type, _format(value, media_type), "", own))
        return found

    def schema_html(self, content: dict[str, Any]) -> Markup:
        for raw_media in (content or {}).values():
            media = self.resolve(raw_media) or {}
            if media.get("schema"):
                return self.type_html(media["schema"])
        return Markup("")

    def operation(
        self, path: str, method: str, operation: dict[str, Any], item: dict[str, Any]
    ) -> OperationView:
        body = None
        if operation.get("requestBody"):
            request_body = self.resolve(operation["requestBody"])
            body = BodyView(
                bool(request_body.get("required")),
                self.markdown(request_body.get("description")),
                self.schema_html(request_body.get("content")),
                self.examples(request_body.get("content")),
            )
        responses = []
        for status, raw in (operation.get("responses") or {}).items():
            response = self.resolve(raw) or {}
            responses.append(
                ResponseView(
                    str(status),
                    self.markdown(response.get("description")),
                    list((response.get("headers") or {}).keys()),
                    self.schema_html(response.get("content")),
                    self.examples(response.get("content")),
                )
            )
        identifier = operation.get("operationId") or f"{method}-{path}"
        notice = specs.deprecation(operation)
        return OperationView(
            anchor=self.unique(f"operation-{slug(str(identifier))}"),
            method=method.upper(),
            path=path,
            summary=str(operation.get("summary") or f"{method.upper()} {path}"),
            description=self.markdown(operation.get("description")),
            deprecated=bool(operation.get("deprecated")),
            sunset=specs.readable_date(notice.sunset) if notice.sunset else None,
            replacement=notice.replacement,
            planned=operation.get("x-cpd-status") == "planned",
            parameters=self.parameters(operation, item),
            request_body=body,
            responses=responses,
        )

    def schemas(self) -> list[SchemaView]:
        views = []
        for name, raw in ((self.document.get("components") or {}).get("schemas") or {}).items():
            schema = self.resolve(raw)
            if not isinstance(schema, dict):
                continue
            properties: dict[str, Any] = {}
            required: set[str] = set()
            for part in [schema, *(self.resolve(p) for p in schema.get("allOf", []))]:
                if isinstance(part, dict):
                    properties.update(part.get("properties") or {})
                    required.update(part.get("required") or [])
            views.append(
                SchemaView(
                    name=name,
                    anchor=self.unique(schema_anchor(name)),
                    description=self.markdown(schema.get("description")),
                    type_html=self.type_html(schema),
                    properties=[
                        PropertyView(
                            prop_name,
                            self.type_html(prop),
                            prop_name in required,
                            self.markdown(_description(self.resolve(prop), prop)),
                            self.values(prop),
                            bool(isinstance(prop, dict) and prop.get("deprecated")),
                            specs.deprecation(prop).replacement,
                        )
                        for prop_name, prop in properties.items()
                    ],
                    values=self.values(schema),
                )
            )
        return views


def _description(resolved: Any, own: Any) -> str:
    """A property's own description wins over that of the schema it refers to."""
    for node in (own, resolved):
        if isinstance(node, dict) and node.get("description"):
            return str(node["description"])
    return ""


def _format(value: Any, media_type: str) -> str:
    if isinstance(value, str):
        return value
    if "json" in media_type or isinstance(value, dict | list):
        return json.dumps(value, indent=2, ensure_ascii=False)
    return yaml.safe_dump(value, allow_unicode=True).strip()


def build(version: str) -> ReferenceView:
    document = specs.load(version).document
    builder = _Builder(document)
    info = document.get("info") or {}
    groups: dict[str, TagGroup] = {}
    for tag in document.get("tags") or []:
        if isinstance(tag, dict) and tag.get("name"):
            groups[tag["name"]] = TagGroup(
                tag["name"],
                builder.unique(f"tag-{slug(tag['name'])}"),
                builder.markdown(tag.get("description"), 3),
            )
    # Schema anchors first, so an operation id can never take a schema's anchor.
    schemas = builder.schemas()
    for path, method, operation, item in specs.operations(document):
        tag = (operation.get("tags") or ["Other operations"])[0]
        if tag not in groups:
            groups[tag] = TagGroup(tag, builder.unique(f"tag-{slug(tag)}"), Markup(""))
        groups[tag].operations.append(builder.operation(path, method, operation, item))
    sunset = specs.sunset(document, whole_version=True)
    return ReferenceView(
        version=version,
        title=str(info.get("title") or "API"),
        spec_version=str(info.get("version") or ""),
        description=builder.markdown(info.get("description"), 2),
        sunset=specs.readable_date(sunset) if sunset else None,
        groups=[group for group in groups.values() if group.operations],
        schemas=schemas,
    )
