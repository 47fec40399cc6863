"""Error pages: HTML for people, the API's JSON error shape under /api/."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render


def _wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def error_404(request: HttpRequest, exception=None) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse({"code": "not_found", "detail": "Not found."}, status=404)
    return render(request, "404.html", status=404)


def error_403(request: HttpRequest, exception=None) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse({"code": "permission_denied", "detail": "You do not have permission."}, status=403)
    return render(request, "403.html", status=403)


def error_400(request: HttpRequest, exception=None) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse({"code": "bad_request", "detail": "The request could not be understood."}, status=400)
    return render(request, "400.html", status=400)


def error_500(request: HttpRequest) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse({"code": "server_error", "detail": "Something went wrong on our side."}, status=500)
    return render(request, "500.html", status=500)
