"""The service's root page: upload one saved thread, see its report; nothing is stored.

The file is read from the request into memory, extracted, scored and rendered; it is
never written to disk and never logged. Its size is capped by BATCH_UPLOAD_MAX_BYTES.
"""

import hmac

from flask import Blueprint, current_app, request

from .. import auth
from ..admission import ModelBusy
from ..errors import APIError
from ..scoring import get_scorer
from .inputs import load_upload
from .reports import html_thread, render_upload_page
from .runner import score_local

bp = Blueprint("batch", __name__)


@bp.get("/")
@auth.public
def upload_form():
    return _page()


@bp.post("/")
@auth.public  # the key is checked below: a browser form cannot send an Authorization header
def upload_report():
    _authorize()
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _page(message="Choose a file to score."), 400
    limit = current_app.config["BATCH_UPLOAD_MAX_BYTES"]
    data = upload.stream.read(limit + 1)
    if len(data) > limit:
        return _page(message=f"The file is larger than {limit // 1024} KB."), 413
    batch = load_upload(upload.filename, data)
    del data
    if not batch.threads:
        return _page(errors=batch.errors, message="No thread could be read from this file."), 422
    try:
        scorer = get_scorer()
    except APIError as error:
        return _page(message=error.message), error.status
    thresholds = current_app.config.get("THRESHOLDS")
    records, errors = [], list(batch.errors)
    try:
        for thread, record, reason in score_local(batch.threads, scorer, thresholds=thresholds, reraise=(ModelBusy,)):
            if record is None:
                errors.append({"source": upload.filename, "reason": reason})
            else:
                records.append(record)
    except ModelBusy as busy:  # the server is overloaded: say so, as the API does (503, Retry-After)
        return _page(message=busy.message), busy.status, busy.headers
    model = records[0]["model"] if records else None
    return _page(threads=[html_thread(r) for r in records], errors=errors, model=model)


def _page(**context):
    context.setdefault("errors", [])
    return render_upload_page(
        limit_kb=current_app.config["BATCH_UPLOAD_MAX_BYTES"] // 1024,
        needs_key=bool(current_app.config.get("API_KEY_HASHES")),
        **context,
    )


def _authorize():
    """The service's key rules, with the key also taken from the form's password field."""
    hashes = current_app.config.get("API_KEY_HASHES")
    if not hashes:
        auth._check_local()  # no key configured: this machine only, as for the API
        return
    key = auth.presented_key() or request.form.get("key") or None
    if key is None:
        raise APIError("an API key is required: enter it in the form", 401)
    digest = auth.hash_key(key)
    matched = False
    for known in hashes:
        matched |= hmac.compare_digest(digest, known)
    if not matched:
        raise APIError("the API key is not valid", 401)
