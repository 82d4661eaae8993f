"""How account refusals answer: JSON for scripts (the filing page, resumable uploads, fetch calls), pages or
redirects for people."""

from django.http import JsonResponse


def wants_json(request) -> bool:
    """Whether `request` comes from a script that reads JSON rather than from a page a person opened."""
    if request.headers.get("X-Requested-With") == "XMLHttpRequest" or "Tus-Resumable" in request.headers:
        return True
    if request.content_type == "application/json":
        return True
    accept = request.headers.get("Accept", "")
    return "application/json" in accept and "text/html" not in accept


def json_refusal(message: str, *, status: int, **extra) -> JsonResponse:
    """{"error": message, …extra} with `status`, the shape every JSON endpoint of the project answers."""
    return JsonResponse({"error": str(message), **extra}, status=status)
