"""The API's documentation page, rendered on the server from the OpenAPI document: no CDN, no script."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template

bp = Blueprint("api_docs", __name__)
METHODS = ("get", "post", "put", "patch", "delete")


@bp.get("/api/v1/docs")
def page():
    spec = current_app.extensions["flask-smorest"]["apis"][""]["ext_obj"].spec.to_dict()
    return render_template(
        "api/docs.html",
        spec=spec,
        tags={tag["name"]: tag.get("description") or tag["name"] for tag in spec.get("tags", [])},
        groups=_by_tag(_operations(spec)),
        schemas=spec.get("components", {}).get("schemas", {}),
    )


def _by_tag(operations) -> dict[str, list[dict]]:
    """Operations grouped by tag, in the order of the document."""
    groups: dict[str, list[dict]] = {}
    for operation in operations:
        groups.setdefault(operation["tag"], []).append(operation)
    return groups


def _operations(spec: dict[str, Any]):
    """Every operation in the order of the document, grouped by its tag."""
    for path, item in spec.get("paths", {}).items():
        for method in METHODS:
            if method in item:
                operation = item[method]
                yield {
                    "method": method.upper(),
                    "path": path,
                    "tag": (operation.get("tags") or [""])[0],
                    "summary": operation.get("summary", ""),
                    "description": operation.get("description", ""),
                    "parameters": item.get("parameters", []) + operation.get("parameters", []),
                    "body": _part_type(operation.get("requestBody", {})),
                    "responses": {
                        code: _part_type(response)
                        for code, response in sorted(operation.get("responses", {}).items())
                    },
                }


def _type_name(reference: dict[str, Any]) -> str:
    """``QuestionOut`` for ``{"$ref": "#/components/schemas/QuestionOut"}``, also inside an array."""
    if "$ref" in reference:
        return reference["$ref"].rsplit("/", 1)[-1]
    if reference.get("type") == "array" and "items" in reference:
        return f"[{_type_name(reference['items'])}]"
    return str(reference.get("type", ""))


def _part_type(part: dict[str, Any]) -> str:
    """The schema of a request body or response, as a name."""
    if "$ref" in part:  # a shared response such as DEFAULT_ERROR
        return "Error"
    content = part.get("content", {})
    for media in content.values():
        return _type_name(media.get("schema", {}))
    return ""
