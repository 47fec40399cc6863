"""Document files are served here, after the same visibility check as every other read;
never from a public media URL."""

import mimetypes
from pathlib import PurePath

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest

from partners.records.selectors import document_list


@login_required
def document_download(request: HttpRequest, pk: int) -> FileResponse:
    """The file of a document the user may see (staff: any; a partner's login: its own); else 404."""
    document = document_list(user=request.user).filter(pk=pk).first()
    if document is None or not document.file:
        raise Http404
    try:
        handle = document.file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    name = PurePath(document.file.name).name
    response = FileResponse(handle, as_attachment=True, filename=f"{document.kind}-{document.pk}-{name}")
    response["Content-Type"] = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
