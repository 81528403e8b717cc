"""The root page: upload one saved thread, see its report; size-limited, nothing stored."""

import io

import pytest

from server import create_app


def upload(client, fixtures_dir, name="ips.html", data=None, **form):
    payload = data if data is not None else (fixtures_dir / name).read_bytes()
    return client.post("/", data={"file": (io.BytesIO(payload), name), **form}, content_type="multipart/form-data")


def test_root_page_offers_the_upload(batch_app):
    response = batch_app.test_client().get("/")
    assert response.status_code == 200
    assert b'type="file"' in response.data and b"nothing is stored" in response.data


def test_upload_shows_the_report(batch_app, fixtures_dir):
    response = upload(batch_app.test_client(), fixtures_dir)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Kettle broken" in html and "Quoted from alice" in html and "hash-double" in html
    assert html.count('class="bars"') == 2


def test_text_copy_upload(batch_app, fixtures_dir):
    response = upload(batch_app.test_client(), fixtures_dir, "thread.txt")
    assert response.status_code == 200 and "Vinegar works for me." in response.get_data(as_text=True)


def test_upload_over_the_limit_is_refused(hash_scorer, fixtures_dir):
    app = create_app({"TESTING": True, "SCORER": hash_scorer, "RATELIMIT_ENABLED": False, "BATCH_UPLOAD_MAX_BYTES": 1024})
    response = upload(app.test_client(), fixtures_dir)
    assert response.status_code == 413 and b"larger than 1 KB" in response.data


def test_unreadable_upload_says_why(batch_app, fixtures_dir):
    response = upload(batch_app.test_client(), fixtures_dir, "notes.pdf", data=b"%PDF-1.4")
    assert response.status_code == 422
    assert b"unsupported file type .pdf" in response.data


def test_missing_file(batch_app):
    response = batch_app.test_client().post("/", data={}, content_type="multipart/form-data")
    assert response.status_code == 400


def test_upload_escapes_the_page(batch_app, fixtures_dir):
    page = (fixtures_dir / "ips.html").read_bytes().replace(b"Have you tried descaling it?", b"&lt;script&gt;alert(1)&lt;/script&gt;")
    html = upload(batch_app.test_client(), fixtures_dir, data=page).get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert(1)" not in html


def test_upload_is_not_stored_or_logged(batch_app, fixtures_dir, tmp_path, monkeypatch, caplog):
    monkeypatch.chdir(tmp_path)
    caplog.set_level("DEBUG")
    upload(batch_app.test_client(), fixtures_dir)
    assert list(tmp_path.iterdir()) == []
    assert "kettle" not in caplog.text.lower()


def test_other_machines_need_a_key_when_none_is_configured(batch_app, fixtures_dir):
    client = batch_app.test_client()
    response = client.post("/", data={"file": (io.BytesIO(b"x"), "a.txt")}, environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert response.status_code == 403


@pytest.fixture
def keyed_app(hash_scorer):
    return create_app({"TESTING": True, "SCORER": hash_scorer, "RATELIMIT_ENABLED": False, "API_KEYS": "sesame"})


def test_form_key_is_checked(keyed_app, fixtures_dir):
    client = keyed_app.test_client()
    assert b'name="key"' in client.get("/").data
    assert upload(client, fixtures_dir).status_code == 401
    assert upload(client, fixtures_dir, key="wrong").status_code == 401
    assert upload(client, fixtures_dir, key="sesame").status_code == 200


def test_an_overloaded_server_says_so_on_the_upload_page(hash_scorer, fixtures_dir):
    """The model busy with another request and no room to wait: 503 with Retry-After, as
    the API answers, not a report with the thread marked as failed."""
    app = create_app({"TESTING": True, "SCORER": hash_scorer, "RATELIMIT_ENABLED": False, "MAX_QUEUE": 0})
    queue = app.extensions["modlens"].scorer.queue
    with queue.turn():  # another request holds the model
        response = upload(app.test_client(), fixtures_dir)
    assert response.status_code == 503 and response.headers["Retry-After"]
    assert b"server is busy" in response.data
    assert upload(app.test_client(), fixtures_dir).status_code == 200
