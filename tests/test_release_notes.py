"""Release notes from spec diffs: each kind of change and its class, rendering, sources, the guard.

Specs here are tiny dicts shaped like ours (a participants list with a deepObject filter, a
withdraw action with a body, enums in named schemas, a nullable ``allOf`` wrapper), each test
changing one thing.
"""

from __future__ import annotations

import copy
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result

from cpd.cli import main
from cpd.release_notes.diff import Change, Kind, Side, compare
from cpd.release_notes.render import MARKER, group, render_index, render_notes, summary_of
from cpd.release_notes.sources import (
    SourceError,
    baseline,
    latest_release,
    load_revision,
    load_specs,
    load_working_tree,
    semver_key,
)

LIST = "/api/v3/participants/ecf"
WITHDRAW = "/api/v3/participants/ecf/{id}/withdraw"
ENROLMENT = "components.schemas.ECFEnrolment"


def base_spec() -> dict[str, Any]:
    return {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "3.0.0"},
        "security": [{"bearerAuth": []}],
        "paths": {
            LIST: {
                "get": {
                    "operationId": "list_participants",
                    "parameters": [
                        {"$ref": "#/components/parameters/ParticipantFilter"},
                        {"name": "page", "in": "query", "schema": {"type": "integer"}},
                    ],
                    "responses": {
                        "200": {"$ref": "#/components/responses/Participants"},
                        "401": {"description": "no token"},
                    },
                }
            },
            WITHDRAW: {
                "put": {
                    "operationId": "withdraw_participant",
                    "parameters": [
                        {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
                    ],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Withdraw"}}
                        },
                    },
                    "responses": {"200": {"description": "ok"}},
                }
            },
        },
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
            "parameters": {
                "ParticipantFilter": {
                    "name": "filter",
                    "in": "query",
                    "style": "deepObject",
                    "explode": True,
                    "schema": {"$ref": "#/components/schemas/ParticipantFilter"},
                }
            },
            "responses": {
                "Participants": {
                    "description": "a page",
                    "content": {
                        "application/vnd.api+json": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "data": {
                                        "type": "array",
                                        "items": {"$ref": "#/components/schemas/Participant"},
                                    }
                                },
                            }
                        }
                    },
                }
            },
            "schemas": {
                "ParticipantFilter": {
                    "type": "object",
                    "properties": {
                        "cohort": {"type": "string"},
                        "training_status": {"$ref": "#/components/schemas/TrainingStatus"},
                    },
                },
                "TrainingStatus": {"type": "string", "enum": ["active", "deferred", "withdrawn"]},
                "Participant": {
                    "type": "object",
                    "required": ["id", "attributes"],
                    "properties": {
                        "id": {"type": "string", "format": "uuid"},
                        "attributes": {
                            "type": "object",
                            "required": ["full_name", "ecf_enrolments"],
                            "properties": {
                                "full_name": {"type": "string"},
                                "ecf_enrolments": {
                                    "type": "array",
                                    "items": {"$ref": "#/components/schemas/ECFEnrolment"},
                                },
                            },
                        },
                    },
                },
                "ECFEnrolment": {
                    "type": "object",
                    "required": ["cohort", "training_status"],
                    "properties": {
                        "cohort": {"type": "string"},
                        "training_status": {"$ref": "#/components/schemas/TrainingStatus"},
                        "withdrawal": {
                            "nullable": True,
                            "allOf": [{"$ref": "#/components/schemas/Withdrawal"}],
                        },
                        "induction_end_date": {"type": "string", "format": "date", "nullable": True},
                    },
                },
                "Withdrawal": {
                    "type": "object",
                    "properties": {"reason": {"$ref": "#/components/schemas/WithdrawalReason"}},
                },
                "WithdrawalReason": {"type": "string", "enum": ["moved-school", "other"]},
                "Withdraw": {
                    "type": "object",
                    "required": ["data"],
                    "properties": {
                        "data": {
                            "type": "object",
                            "properties": {
                                "attributes": {
                                    "type": "object",
                                    "required": ["reason"],
                                    "properties": {
                                        "reason": {"$ref": "#/components/schemas/WithdrawalReason"},
                                        "course_identifier": {"type": "string"},
                                    },
                                }
                            },
                        }
                    },
                },
            },
        },
    }


def at(spec: dict[str, Any], dotted: str) -> Any:
    node: Any = spec
    for key in dotted.split("."):
        node = node[key]
    return node


def diff(edit: Any, *, before: Any = None) -> list[Change]:
    """Changes after ``edit(spec)`` (and ``before(spec)`` applied to both sides first)."""
    old = base_spec()
    if before:
        before(old)
    new = copy.deepcopy(old)
    edit(new)
    return compare(old, new)


def one(changes: list[Change], kind: Kind) -> Change:
    found = [c for c in changes if c.kind is kind]
    assert len(found) == 1, changes
    return found[0]


def test_no_change_no_notes() -> None:
    assert diff(lambda s: None) == []


# --- operations -----------------------------------------------------------------------------------


def test_operation_added_is_non_breaking() -> None:
    def edit(s: dict[str, Any]) -> None:
        s["paths"]["/api/v3/statements"] = {
            "get": {"x-cpd-status": "planned", "responses": {"501": {"description": "not yet"}}}
        }

    change = one(diff(edit), Kind.OPERATION_ADDED)
    assert (change.breaking, change.location) == (False, "GET /api/v3/statements")
    assert "planned" in change.message


def test_operation_removed_is_breaking() -> None:
    change = one(diff(lambda s: s["paths"][WITHDRAW].pop("put")), Kind.OPERATION_REMOVED)
    assert change.breaking and change.location == f"PUT {WITHDRAW}"


def test_operation_deprecated_is_non_breaking() -> None:
    change = one(diff(lambda s: s["paths"][LIST]["get"].update(deprecated=True)), Kind.OPERATION_DEPRECATED)
    assert not change.breaking


def test_property_deprecated_is_non_breaking() -> None:
    change = one(
        diff(lambda s: at(s, ENROLMENT)["properties"]["cohort"].update(deprecated=True)),
        Kind.PROPERTY_DEPRECATED,
    )
    assert not change.breaking and change.schema == "ECFEnrolment.cohort"


def test_planned_operation_built_is_non_breaking() -> None:
    def planned(s: dict[str, Any]) -> None:
        s["paths"][LIST]["get"]["x-cpd-status"] = "planned"
        s["paths"][LIST]["get"]["responses"]["501"] = {"description": "not yet"}

    def built(s: dict[str, Any]) -> None:
        del s["paths"][LIST]["get"]["x-cpd-status"]
        del s["paths"][LIST]["get"]["responses"]["501"]

    changes = diff(built, before=planned)
    assert not one(changes, Kind.OPERATION_IMPLEMENTED).breaking
    assert not one(changes, Kind.STATUS_REMOVED).breaking  # the 501 going is good news


def test_renamed_path_parameter_is_no_change() -> None:
    def edit(s: dict[str, Any]) -> None:
        item = s["paths"].pop(WITHDRAW)
        item["put"]["parameters"][0]["name"] = "participant_id"
        s["paths"]["/api/v3/participants/ecf/{participant_id}/withdraw"] = item

    assert diff(edit) == []


# --- parameters -----------------------------------------------------------------------------------


def test_optional_parameter_added_is_non_breaking() -> None:
    param = {"name": "sort", "in": "query", "schema": {"type": "string"}}
    change = one(diff(lambda s: s["paths"][LIST]["get"]["parameters"].append(param)), Kind.PARAMETER_ADDED)
    assert not change.breaking
    assert change.location == f"GET {LIST} → query parameter sort"


def test_required_parameter_added_is_breaking() -> None:
    param = {"name": "sort", "in": "query", "required": True, "schema": {"type": "string"}}
    change = one(diff(lambda s: s["paths"][LIST]["get"]["parameters"].append(param)), Kind.PARAMETER_ADDED)
    assert change.breaking


def test_parameter_removed_is_breaking() -> None:
    change = one(diff(lambda s: s["paths"][LIST]["get"]["parameters"].pop()), Kind.PARAMETER_REMOVED)
    assert change.breaking and change.location == f"GET {LIST} → query parameter page"


def test_parameter_becoming_required_is_breaking_and_optional_is_not() -> None:
    def required(s: dict[str, Any]) -> None:
        s["paths"][LIST]["get"]["parameters"][1]["required"] = True

    assert one(diff(required), Kind.PARAMETER_BECAME_REQUIRED).breaking
    optional = diff(lambda s: s["paths"][LIST]["get"]["parameters"][1].pop("required"), before=required)
    assert not one(optional, Kind.PARAMETER_BECAME_OPTIONAL).breaking


def test_new_filter_key_is_non_breaking_and_named_as_providers_write_it() -> None:
    prop = {"type": "string", "format": "date-time"}
    change = one(
        diff(lambda s: at(s, "components.schemas.ParticipantFilter.properties").update(updated_since=prop)),
        Kind.PROPERTY_ADDED,
    )
    assert (change.breaking, change.side) == (False, Side.PARAMETER)
    assert change.location == f"GET {LIST} → query parameter filter[updated_since]"


def test_parameter_type_changed_is_breaking() -> None:
    def edit(s: dict[str, Any]) -> None:
        s["paths"][LIST]["get"]["parameters"][1]["schema"] = {"type": "string"}

    change = one(diff(edit), Kind.TYPE_CHANGED)
    assert change.breaking and "`integer` to `string`" in change.message


# --- request bodies -------------------------------------------------------------------------------

REQUEST_ATTRIBUTES = "components.schemas.Withdraw.properties.data.properties.attributes"


def test_optional_request_property_added_is_non_breaking() -> None:
    change = one(
        diff(lambda s: at(s, REQUEST_ATTRIBUTES)["properties"].update(note={"type": "string"})),
        Kind.PROPERTY_ADDED,
    )
    assert (change.breaking, change.side) == (False, Side.REQUEST)
    assert change.location == f"PUT {WITHDRAW} → request body → data.attributes.note"


def test_required_request_property_added_is_breaking() -> None:
    def edit(s: dict[str, Any]) -> None:
        at(s, REQUEST_ATTRIBUTES)["properties"]["note"] = {"type": "string"}
        at(s, REQUEST_ATTRIBUTES)["required"].append("note")

    change = one(diff(edit), Kind.PROPERTY_ADDED)
    assert change.breaking and change.message == "new required property"


def test_request_property_removed_is_breaking() -> None:
    change = one(
        diff(lambda s: at(s, REQUEST_ATTRIBUTES)["properties"].pop("course_identifier")),
        Kind.PROPERTY_REMOVED,
    )
    assert change.breaking and change.side is Side.REQUEST


def test_request_property_becoming_required_is_breaking() -> None:
    change = one(
        diff(lambda s: at(s, REQUEST_ATTRIBUTES)["required"].append("course_identifier")),
        Kind.PROPERTY_BECAME_REQUIRED,
    )
    assert change.breaking


def test_request_body_becoming_required_is_breaking() -> None:
    def optional(s: dict[str, Any]) -> None:
        s["paths"][WITHDRAW]["put"]["requestBody"]["required"] = False

    changes = diff(
        lambda s: s["paths"][WITHDRAW]["put"]["requestBody"].update(required=True), before=optional
    )
    assert one(changes, Kind.REQUEST_BODY_BECAME_REQUIRED).breaking


def test_request_media_type_removed_is_breaking() -> None:
    def edit(s: dict[str, Any]) -> None:
        content = s["paths"][WITHDRAW]["put"]["requestBody"]["content"]
        content["application/vnd.api+json"] = content.pop("application/json")

    changes = diff(edit)
    assert one(changes, Kind.MEDIA_TYPE_REMOVED).breaking
    assert not one(changes, Kind.MEDIA_TYPE_ADDED).breaking


# --- responses ------------------------------------------------------------------------------------


def test_response_property_added_is_non_breaking_even_when_always_present() -> None:
    def edit(s: dict[str, Any]) -> None:
        at(s, ENROLMENT)["properties"]["school_urn"] = {"type": "string"}
        at(s, ENROLMENT)["required"].append("school_urn")

    change = one(diff(edit), Kind.PROPERTY_ADDED)
    assert (change.breaking, change.side) == (False, Side.RESPONSE)


def test_response_property_removed_is_breaking_with_a_readable_path() -> None:
    change = one(diff(lambda s: at(s, ENROLMENT)["properties"].pop("cohort")), Kind.PROPERTY_REMOVED)
    assert change.breaking
    assert change.location == f"GET {LIST} → 200 → data[].attributes.ecf_enrolments[].cohort"
    assert change.schema == "ECFEnrolment.cohort"


def test_response_property_type_changed_is_breaking() -> None:
    change = one(
        diff(lambda s: at(s, ENROLMENT)["properties"].update(cohort={"type": "integer"})), Kind.TYPE_CHANGED
    )
    assert change.breaking and change.side is Side.RESPONSE


def test_response_format_changed_is_breaking() -> None:
    def edit(s: dict[str, Any]) -> None:
        at(s, ENROLMENT)["properties"]["induction_end_date"]["format"] = "date-time"

    assert one(diff(edit), Kind.TYPE_CHANGED).breaking


def test_response_property_becoming_nullable_is_breaking_and_the_reverse_is_not() -> None:
    became = one(
        diff(lambda s: at(s, ENROLMENT)["properties"]["cohort"].update(nullable=True)), Kind.BECAME_NULLABLE
    )
    assert became.breaking
    lost = one(
        diff(lambda s: at(s, ENROLMENT)["properties"]["induction_end_date"].pop("nullable")),
        Kind.BECAME_NOT_NULLABLE,
    )
    assert not lost.breaking


def test_nullable_in_openapi_31_type_lists() -> None:
    def edit(s: dict[str, Any]) -> None:
        at(s, ENROLMENT)["properties"]["cohort"] = {"type": ["string", "null"]}

    assert one(diff(edit), Kind.BECAME_NULLABLE).breaking


def test_request_property_becoming_nullable_is_non_breaking() -> None:
    change = one(
        diff(lambda s: at(s, REQUEST_ATTRIBUTES)["properties"]["course_identifier"].update(nullable=True)),
        Kind.BECAME_NULLABLE,
    )
    assert not change.breaking


def test_response_property_becoming_optional_is_breaking() -> None:
    change = one(diff(lambda s: at(s, ENROLMENT)["required"].remove("cohort")), Kind.PROPERTY_BECAME_OPTIONAL)
    assert change.breaking and change.message == "may now be absent"


def test_a_plain_text_error_body_may_become_structured_but_nothing_else_may_change_media() -> None:
    responses = "paths./api/v3/participants/ecf.get.responses"
    text = {"text/plain": {"schema": {"type": "string"}}}
    json_body = {"application/vnd.api+json": {"schema": {"type": "object"}}}

    def with_bodies(error: dict[str, Any], ok: dict[str, Any]) -> Any:
        def apply(s: dict[str, Any]) -> None:
            at(s, responses)["429"] = {"description": "slow down", "content": copy.deepcopy(error)}
            at(s, responses)["200"] = {"description": "a page", "content": copy.deepcopy(ok)}

        return apply

    # The 429's "Retry later" text became a JSON error: the status still says it all.
    replaced = diff(with_bodies(json_body, json_body), before=with_bodies(text, json_body))
    removed = one(replaced, Kind.MEDIA_TYPE_REMOVED)
    assert not removed.breaking and removed.location == f"GET {LIST} → 429"
    assert "of an error replaced by `application/vnd.api+json`" in removed.message
    assert not any(change.breaking for change in replaced)
    # A JSON error body is parsed by clients (errors[].title): taking it away still breaks them.
    assert one(
        diff(with_bodies(text, json_body), before=with_bodies(json_body, json_body)), Kind.MEDIA_TYPE_REMOVED
    ).breaking
    # Plain text simply dropped from an error, with nothing in its place, is breaking as before.
    assert one(
        diff(with_bodies({}, json_body), before=with_bodies(text, json_body)), Kind.MEDIA_TYPE_REMOVED
    ).breaking
    # And a success's plain text is a body clients read.
    assert one(
        diff(with_bodies(text, json_body), before=with_bodies(text, text)), Kind.MEDIA_TYPE_REMOVED
    ).breaking


def test_status_codes_added_and_removed() -> None:
    responses = "paths./api/v3/participants/ecf.get.responses"
    added = diff(lambda s: at(s, responses).update({"429": {"description": "slow down"}}))
    assert not one(added, Kind.STATUS_ADDED).breaking
    assert not one(diff(lambda s: at(s, responses).pop("401")), Kind.STATUS_REMOVED).breaking
    removed = one(diff(lambda s: at(s, responses).pop("200")), Kind.STATUS_REMOVED)
    assert removed.breaking and removed.location == f"GET {LIST} → 200"


# --- enumerations ---------------------------------------------------------------------------------


def test_enum_widened_in_a_shared_schema_is_non_breaking_everywhere() -> None:
    changes = diff(lambda s: at(s, "components.schemas.TrainingStatus.enum").append("completed"))
    assert {c.kind for c in changes} == {Kind.ENUM_WIDENED}
    assert not any(c.breaking for c in changes)
    assert {c.location for c in changes} == {
        f"GET {LIST} → query parameter filter[training_status]",
        f"GET {LIST} → 200 → data[].attributes.ecf_enrolments[].training_status",
    }
    assert {c.schema for c in changes} == {"TrainingStatus"}
    assert changes[0].message == "new value `completed`"


def test_enum_narrowed_is_breaking_in_parameters_and_responses() -> None:
    changes = diff(lambda s: at(s, "components.schemas.TrainingStatus.enum").remove("deferred"))
    assert {(c.kind, c.breaking) for c in changes} == {(Kind.ENUM_NARROWED, True)}
    assert {c.side for c in changes} == {Side.PARAMETER, Side.RESPONSE}


def test_enum_narrowed_in_a_request_body() -> None:
    changes = diff(lambda s: at(s, "components.schemas.WithdrawalReason.enum").remove("other"))
    request = [c for c in changes if c.side is Side.REQUEST]
    assert [(c.kind, c.breaking, c.location) for c in request] == [
        (Kind.ENUM_NARROWED, True, f"PUT {WITHDRAW} → request body → data.attributes.reason")
    ]


def test_enum_inside_a_nullable_all_of_wrapper() -> None:
    changes = diff(lambda s: at(s, "components.schemas.WithdrawalReason.enum").append("illness"))
    response = one([c for c in changes if c.side is Side.RESPONSE], Kind.ENUM_WIDENED)
    assert response.location == f"GET {LIST} → 200 → data[].attributes.ecf_enrolments[].withdrawal.reason"
    assert response.schema == "WithdrawalReason" and not response.breaking


def test_enum_inside_all_of_members_is_merged() -> None:
    def composed(s: dict[str, Any]) -> None:
        at(s, ENROLMENT)["properties"]["training_status"] = {
            "allOf": [{"$ref": "#/components/schemas/TrainingStatus"}, {"description": "the status"}]
        }

    changes = diff(
        lambda s: at(s, "components.schemas.TrainingStatus.enum").remove("active"), before=composed
    )
    response = one([c for c in changes if c.side is Side.RESPONSE], Kind.ENUM_NARROWED)
    assert response.breaking and "`active`" in response.message


def test_enum_introduced_and_dropped_depend_on_direction() -> None:
    introduced = diff(
        lambda s: at(s, "components.schemas.ParticipantFilter.properties.cohort").update(enum=["2024"])
    )
    assert one(introduced, Kind.ENUM_INTRODUCED).breaking  # a filter value that worked is refused
    in_response = diff(lambda s: at(s, ENROLMENT)["properties"]["cohort"].update(enum=["2024", "2025"]))
    assert not one(in_response, Kind.ENUM_INTRODUCED).breaking
    dropped = diff(lambda s: at(s, "components.schemas.WithdrawalReason").pop("enum"))
    assert {(c.side, c.breaking) for c in dropped if c.kind is Kind.ENUM_DROPPED} == {
        (Side.REQUEST, False),
        (Side.RESPONSE, True),
    }


# --- security -------------------------------------------------------------------------------------


def test_security_scheme_added_removed_changed() -> None:
    schemes = "components.securitySchemes"
    added = diff(lambda s: at(s, schemes).update(apiKey={"type": "apiKey", "in": "header", "name": "X-Key"}))
    assert not one(added, Kind.SECURITY_SCHEME_ADDED).breaking
    assert one(diff(lambda s: at(s, schemes).pop("bearerAuth")), Kind.SECURITY_SCHEME_REMOVED).breaking
    changed = diff(lambda s: at(s, schemes).update(bearerAuth={"type": "http", "scheme": "basic"}))
    assert one(changed, Kind.SECURITY_SCHEME_CHANGED).breaking
    described = diff(lambda s: at(s, schemes)["bearerAuth"].update(description="A token."))
    assert described == []


def test_security_requirement_added_or_removed_is_breaking() -> None:
    def public(s: dict[str, Any]) -> None:
        s["paths"][LIST]["get"]["security"] = []

    removed = one(diff(public), Kind.SECURITY_REMOVED)
    assert removed.breaking and removed.location == f"GET {LIST}"
    added = one(diff(lambda s: s["paths"][LIST]["get"].pop("security"), before=public), Kind.SECURITY_ADDED)
    assert added.breaking


def test_another_way_to_authenticate_is_non_breaking_but_a_replaced_one_is_breaking() -> None:
    def with_key(s: dict[str, Any]) -> None:
        s["components"]["securitySchemes"]["apiKey"] = {"type": "apiKey", "in": "header", "name": "X-Key"}

    def either(s: dict[str, Any]) -> None:
        s["security"] = [{"bearerAuth": []}, {"apiKey": []}]

    changes = [c for c in diff(either, before=with_key) if c.kind is Kind.SECURITY_CHANGED]
    assert changes and not any(c.breaking for c in changes)
    changes = diff(lambda s: s.update(security=[{"apiKey": []}]), before=with_key)
    replaced = [c for c in changes if c.kind is Kind.SECURITY_CHANGED]
    assert replaced and all(c.breaking for c in replaced)


# --- whole specs ----------------------------------------------------------------------------------


def test_recursive_schemas_are_compared_once() -> None:
    def recursive(s: dict[str, Any]) -> None:
        at(s, "components.schemas.Withdrawal.properties")["previous"] = {
            "$ref": "#/components/schemas/Withdrawal"
        }

    def note(s: dict[str, Any]) -> None:
        at(s, "components.schemas.Withdrawal.properties")["note"] = {"type": "string"}

    changes = diff(note, before=recursive)
    added = [c for c in changes if c.kind is Kind.PROPERTY_ADDED]
    assert added and all(c.location.endswith("withdrawal.note") for c in added)


def test_self_referencing_all_of_terminates() -> None:
    def loop(s: dict[str, Any]) -> None:
        at(s, "components.schemas")["Loop"] = {"allOf": [{"$ref": "#/components/schemas/Loop"}]}
        at(s, ENROLMENT)["properties"]["loop"] = {"$ref": "#/components/schemas/Loop"}

    assert diff(lambda s: None, before=loop) == []


def test_one_version_against_the_next_matches_paths_without_their_prefix() -> None:
    v2 = base_spec()
    v3 = copy.deepcopy(v2)
    v2["paths"] = {p.replace("/api/v3/", "/api/v2/"): item for p, item in v2["paths"].items()}
    at(v3, ENROLMENT)["properties"]["mentor_id"] = {"type": "string"}
    changes = compare(v2, v3, normalise_versions=True)
    assert [(c.kind, c.location) for c in changes] == [
        (Kind.PROPERTY_ADDED, f"GET {LIST} → 200 → data[].attributes.ecf_enrolments[].mentor_id")
    ]
    assert {c.kind for c in compare(v2, v3)} >= {Kind.OPERATION_ADDED, Kind.OPERATION_REMOVED}


def test_api_version_added_lists_its_operations_and_removed_is_breaking() -> None:
    added = compare(None, base_spec())
    assert [c.kind for c in added] == [Kind.API_VERSION_ADDED, Kind.OPERATION_ADDED, Kind.OPERATION_ADDED]
    assert not any(c.breaking for c in added)
    assert one(compare(base_spec(), None), Kind.API_VERSION_REMOVED).breaking


# --- rendering ------------------------------------------------------------------------------------


def test_a_shared_schema_change_is_told_once() -> None:
    changes = diff(lambda s: at(s, "components.schemas.TrainingStatus.enum").append("completed"))
    (item,) = group(changes)
    assert item.schema == "TrainingStatus" and len(item.locations) == 2


def test_notes_have_breaking_and_non_breaking_sections_per_version() -> None:
    breaking = diff(lambda s: at(s, ENROLMENT)["properties"].pop("cohort"))
    fine = diff(lambda s: s["paths"][LIST]["get"].update(deprecated=True))
    notes = render_notes("0.3.0", "2026-12-01", "0.2.0 (abc1234)", {"v1": fine, "v3": breaking, "v2": []})
    assert notes.startswith("# 0.3.0\n")
    assert notes.index("## API v3") < notes.index("## API v2") < notes.index("## API v1")
    v3 = notes[notes.index("## API v3") : notes.index("## API v2")]
    assert "### Breaking changes" in v3 and "ECFEnrolment.cohort" in v3
    assert "### Non-breaking changes\n\nNone." in v3
    assert "## API v2\n\nNo changes." in notes
    assert "Released 2026-12-01. Changes to the API specs since 0.2.0 (abc1234)." in notes


def test_hand_written_summary_is_kept_when_notes_are_regenerated() -> None:
    first = render_notes("0.3.0", "2026-12-01", "0.2.0", {"v3": []})
    edited = first.replace(first.split(MARKER)[0], "# 0.3.0\n\nParticipants arrive in v1 and v2.\n\n")
    fine = diff(lambda s: s["paths"][LIST]["get"].update(deprecated=True))
    again = render_notes("0.3.0", "2026-12-02", "0.2.0", {"v3": fine}, existing=edited)
    assert again.startswith("# 0.3.0\n\nParticipants arrive in v1 and v2.\n\n" + MARKER)
    assert again.count(MARKER) == 1 and "deprecated" in again and "2026-12-02" in again
    assert summary_of(again) == "Participants arrive in v1 and v2."


def test_a_notes_file_without_the_marker_is_kept_whole() -> None:
    notes = render_notes("0.2.0", "2026-11-27", "0.1.0", {"v3": []}, existing="# 0.2.0\n\n- New: things.\n")
    assert notes.startswith("# 0.2.0\n\n- New: things.\n\n" + MARKER)


def test_index_is_newest_first_and_keeps_summaries(tmp_path: Path) -> None:
    for version in ("0.2.0", "0.10.0", "0.9.1", "0.10.0-rc.1", "1.0.0"):
        (tmp_path / f"{version}.md").write_text(f"# {version}\n", encoding="utf-8")
    (tmp_path / "1.0.0.md").write_text(
        f"# 1.0.0\n\nThe first stable one. More.\n\n{MARKER}\n", encoding="utf-8"
    )
    previous = "# Release notes\n\n- [0.2.0](0.2.0.md) — hand-written line.\n"
    index = render_index(tmp_path, previous)
    listed = [line.split("]")[0][3:] for line in index.splitlines() if line.startswith("- [")]
    assert listed == ["1.0.0", "0.10.0", "0.10.0-rc.1", "0.9.1", "0.2.0"]
    assert "- [0.2.0](0.2.0.md) — hand-written line." in index
    assert "- [1.0.0](1.0.0.md) — The first stable one." in index
    assert sorted(["0.10.0", "0.9.0", "0.10.0-rc.2", "0.10.0-rc.10"], key=semver_key) == [
        "0.9.0",
        "0.10.0-rc.2",
        "0.10.0-rc.10",
        "0.10.0",
    ]


# --- sources: git revisions and releases ----------------------------------------------------------

GIT_ENV = {
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_AUTHOR_NAME": "Test",
    "GIT_AUTHOR_EMAIL": "test@example.com",
    "GIT_COMMITTER_NAME": "Test",
    "GIT_COMMITTER_EMAIL": "test@example.com",
}


def git(repo: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", "-C", str(repo), *args],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **GIT_ENV},
    )
    return result.stdout.strip()


def write_spec(repo: Path, version: str, spec: dict[str, Any]) -> None:
    path = repo / "openapi" / f"{version}.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")


def commit(repo: Path, message: str) -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository whose release 0.1.0 has v3 only, as committed; the working tree equal to it."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    write_spec(root, "v3", base_spec())
    first = commit(root, "v3")
    notes = root / "release-notes"
    notes.mkdir()
    (notes / "releases.yaml").write_text(f"- version: 0.1.0\n  date: 2026-01-01\n  commit: {first}\n")
    (notes / "0.1.0.md").write_text("# 0.1.0\n\n- Hand-written.\n", encoding="utf-8")
    (notes / "README.md").write_text(
        "# Release notes\n\n- [0.1.0](0.1.0.md) — the start.\n", encoding="utf-8"
    )
    commit(root, "release 0.1.0")
    return root


def test_specs_are_read_at_a_revision_and_from_the_working_tree(repo: Path) -> None:
    first = latest_release(repo).commit
    changed = base_spec()
    at(changed, ENROLMENT)["properties"].pop("cohort")
    write_spec(repo, "v3", changed)
    assert load_revision(repo, first, "v3") == base_spec()
    assert load_working_tree(repo, "v3") == changed
    assert load_revision(repo, first, "v1") is None  # that version had no spec then
    assert load_specs(repo, "HEAD") == {"v1": None, "v2": None, "v3": base_spec()}
    commit(repo, "drop cohort")
    assert load_revision(repo, "HEAD~1", "v3") == base_spec()
    assert baseline(repo, "0.1.0").rev == first and baseline(repo, None).label == f"0.1.0 ({first[:7]})"
    assert baseline(repo, first).label == f"0.1.0 ({first[:7]})"  # a release's commit is named by it


def test_a_baseline_that_cannot_be_read_is_an_error(repo: Path, tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="is not in the repository"):
        load_revision(repo, "0" * 40, "v3")
    shallow = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth=1", f"file://{repo}", str(shallow))
    with pytest.raises(SourceError, match="shallow"):
        load_revision(shallow, latest_release(shallow).commit, "v3")


# --- the command line -----------------------------------------------------------------------------


def cpd(repo: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["release-notes", "--root", str(repo), *args])


def test_check_passes_on_non_breaking_changes(repo: Path) -> None:
    spec = base_spec()
    spec["paths"][LIST]["get"]["deprecated"] = True
    at(spec, "components.schemas.ParticipantFilter.properties")["updated_since"] = {"type": "string"}
    write_spec(repo, "v3", spec)
    write_spec(repo, "v1", base_spec())  # a new API version is no break either
    result = cpd(repo, "check")
    assert result.exit_code == 0, result.output
    assert "No breaking changes" in result.output


def test_check_fails_on_a_breaking_change_and_names_it(repo: Path) -> None:
    spec = base_spec()
    at(spec, "components.schemas.TrainingStatus.enum").remove("deferred")
    write_spec(repo, "v3", spec)
    result = cpd(repo, "check", "--from", "0.1.0")
    assert result.exit_code != 0
    assert (
        f"BREAKING GET {LIST} → query parameter filter[training_status]: value `deferred` no longer allowed"
        in (result.output)
    )
    assert "new API version" in result.output


def test_check_fails_clearly_when_the_baseline_is_missing(repo: Path) -> None:
    result = cpd(repo, "check", "--from", "f" * 40)
    assert result.exit_code != 0 and "is not in the repository" in result.output


def test_diff_prints_changes_and_exits_zero_even_when_breaking(repo: Path) -> None:
    spec = base_spec()
    at(spec, ENROLMENT)["properties"].pop("cohort")
    write_spec(repo, "v3", spec)
    result = cpd(repo, "diff", "--from", "0.1.0")
    assert result.exit_code == 0, result.output
    assert "API v3: 1 breaking, 0 non-breaking" in result.output
    assert "API v1: no changes" in result.output


def test_diff_between_two_spec_files(tmp_path: Path) -> None:
    v2, v3 = base_spec(), base_spec()
    v2["paths"] = {p.replace("/api/v3/", "/api/v2/"): item for p, item in v2["paths"].items()}
    at(v3, ENROLMENT)["properties"]["mentor_id"] = {"type": "string"}
    for name, spec in (("v2", v2), ("v3", v3)):
        (tmp_path / f"{name}.yaml").write_text(yaml.safe_dump(spec), encoding="utf-8")
    result = CliRunner().invoke(
        main,
        [
            "release-notes",
            "diff",
            "--from-file",
            str(tmp_path / "v2.yaml"),
            "--to-file",
            str(tmp_path / "v3.yaml"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "API v2 → v3: 0 breaking, 1 non-breaking" in result.output
    assert "ecf_enrolments[].mentor_id: new property" in result.output


def test_write_makes_notes_and_index_and_keeps_the_summary(repo: Path) -> None:
    spec = base_spec()
    spec["paths"][LIST]["get"]["deprecated"] = True
    write_spec(repo, "v3", spec)
    result = cpd(repo, "write", "0.2.0", "--from", "0.1.0", "--date", "2026-02-01")
    assert result.exit_code == 0, result.output
    notes_file = repo / "release-notes" / "0.2.0.md"
    notes = notes_file.read_text(encoding="utf-8")
    assert "## API v3" in notes and f"`GET {LIST}`: deprecated" in notes and "Released 2026-02-01" in notes

    notes_file.write_text("# 0.2.0\n\nThe list is deprecated.\n\n" + MARKER + "\nstale\n", encoding="utf-8")
    assert cpd(repo, "write", "0.2.0", "--from", "0.1.0", "--date", "2026-02-02").exit_code == 0
    notes = notes_file.read_text(encoding="utf-8")
    assert notes.startswith("# 0.2.0\n\nThe list is deprecated.\n\n" + MARKER) and "stale" not in notes
    index = (repo / "release-notes" / "README.md").read_text(encoding="utf-8")
    assert index.index("[0.2.0]") < index.index("[0.1.0]")
    assert "- [0.1.0](0.1.0.md) — the start." in index
    assert "- [0.2.0](0.2.0.md) — The list is deprecated." in index


def test_write_refuses_a_version_that_is_not_semantic(repo: Path) -> None:
    result = cpd(repo, "write", "next")
    assert result.exit_code != 0 and "semantic version" in result.output


def test_rewriting_a_recorded_release_compares_its_own_commit_with_the_release_before(repo: Path) -> None:
    spec = base_spec()
    spec["paths"][LIST]["get"]["deprecated"] = True
    write_spec(repo, "v3", spec)
    second = commit(repo, "deprecate the list")
    releases = repo / "release-notes" / "releases.yaml"
    releases.write_text(releases.read_text() + f"- version: 0.2.0\n  date: 2026-02-01\n  commit: {second}\n")
    at(spec, ENROLMENT)["properties"].pop("cohort")  # after 0.2.0: not in its notes
    write_spec(repo, "v3", spec)

    assert cpd(repo, "write", "0.2.0").exit_code == 0
    notes = (repo / "release-notes" / "0.2.0.md").read_text(encoding="utf-8")
    assert "deprecated" in notes and "cohort" not in notes
    assert "Changes to the API specs since 0.1.0 (" in notes
    between = cpd(repo, "diff", "--from", "0.1.0", "--to", "0.2.0")
    assert between.exit_code == 0 and "API v3: 0 breaking, 1 non-breaking" in between.output
