"""Image attachments: type from magic bytes, size limits, storage with the message, access rules, serving."""

from __future__ import annotations

import io
import struct
import zlib

import pytest

from handoff.attachments import check_upload, safe_filename, sniff
from handoff.errors import ApiError
from handoff.models import Attachment, Message
from tests.unit.test_console import PASSWORD, login


def png(width: int = 2, height: int = 2) -> bytes:
    """A real, valid PNG (so the test does not depend on a fixture file)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def test_type_comes_from_the_bytes_not_the_name():
    assert sniff(png()) == "image/png"
    assert sniff(b"\xff\xd8\xff\xe0" + b"\x00" * 20) == "image/jpeg"
    assert sniff(b"GIF89a" + b"\x00" * 20) == "image/gif"
    assert sniff(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "image/webp"
    assert sniff(b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>") is None
    assert sniff(b"<html><script>alert(1)</script>") is None
    with pytest.raises(ApiError) as err:
        check_upload("notice.png", b"<html><script>alert(1)</script>")
    assert err.value.status == 415
    # a JPEG named .png is kept as what it really is
    assert check_upload("shot.png", b"\xff\xd8\xff\xe0" + b"\x00" * 20).filename == "shot.jpg"


def test_size_limit_and_empty_file():
    with pytest.raises(ApiError) as err:
        check_upload("big.png", png() + b"\x00" * 2000, limit=1000)
    assert err.value.status == 413 and "at most" in err.value.message
    with pytest.raises(ApiError) as err:
        check_upload("empty.png", b"")
    assert err.value.status == 400


def test_file_names_lose_paths_and_markup():
    assert safe_filename("../../etc/passwd.png", "image/png") == "passwd.png"
    assert safe_filename('C:\\Users\\me\\"><img src=x>.jpeg', "image/jpeg").endswith(".jpg")
    assert "<" not in safe_filename('"><img src=x>.png', "image/png")
    assert safe_filename(None, "image/webp") == "image.webp"


def _widget_conversation(client) -> str:  # type: ignore[no-untyped-def]
    res = client.post("/widget/api/conversations", json={"creator": {"locale": "fr"}})
    assert res.status_code == 201
    return str(res.get_json()["id"])


def _upload(client, path: str, data: bytes, name: str = "payout.png", text: str = "", cmid: str | None = None):  # type: ignore[no-untyped-def]
    form = {"file": (io.BytesIO(data), name), "text": text}
    if cmid:
        form["client_message_id"] = cmid
    return client.post(path, data=form, content_type="multipart/form-data")


def test_widget_image_is_stored_with_its_message_and_served_only_to_its_session(app, rasa):
    creator = app.test_client()
    cid = _widget_conversation(creator)
    res = _upload(creator, f"/widget/api/conversations/{cid}/attachments", png(), "retrait.png")
    assert res.status_code == 200, res.get_json()
    body = res.get_json()
    assert rasa.sent == []  # an image alone is not sent to the assistant, which can't read it
    assert body["state"] == "bot" and len(body["replies"]) == 1
    assert "image" in body["replies"][0]["text"]  # the hub says it kept the image, in French
    assert "j'ai ajouté votre image" in body["replies"][0]["text"]
    meta = body["attachments"][0]
    assert meta["type"] == "image/png" and meta["name"] == "retrait.png" and meta["size"] == len(png())
    with app.extensions["db"].session() as s:
        stored = s.get(Attachment, meta["id"])
        assert stored.data == png() and stored.message_id == body["message_id"]
        assert s.get(Message, body["message_id"]).data["attachments"][0]["id"] == meta["id"]
    url = f"/widget/api/conversations/{cid}/attachments/{meta['id']}"
    served = creator.get(url)
    assert served.status_code == 200 and served.data == png() and served.mimetype == "image/png"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in served.headers["Content-Security-Policy"]
    assert app.test_client().get(url).status_code == 404  # another browser session


def test_caption_goes_to_the_assistant_and_duplicates_are_stored_once(app, rasa):
    creator = app.test_client()
    cid = _widget_conversation(creator)
    path = f"/widget/api/conversations/{cid}/attachments"
    first = _upload(creator, path, png(), text="mon virement n'est pas arrivé", cmid="img-1").get_json()
    again = _upload(creator, path, png(), text="mon virement n'est pas arrivé", cmid="img-1").get_json()
    assert [t for _, t, _ in rasa.sent] == ["mon virement n'est pas arrivé"]
    assert again["duplicate"] is True and again["message_id"] == first["message_id"]
    with app.extensions["db"].session() as s:
        assert s.query(Attachment).count() == 1


def test_bad_uploads_get_clear_json_errors(app, client, auth):
    creator = app.test_client()
    cid = _widget_conversation(creator)
    path = f"/widget/api/conversations/{cid}/attachments"
    bad = _upload(creator, path, b"%PDF-1.4 not an image", "notice.pdf")
    assert bad.status_code == 415 and "PNG, JPEG" in bad.get_json()["error"]
    missing = creator.post(path, data={"text": "hi"}, content_type="multipart/form-data")
    assert missing.status_code == 400 and "'file'" in missing.get_json()["error"]
    as_json = creator.post(path, json={"file": "x"})
    assert as_json.status_code == 415
    app.config["MAX_CONTENT_LENGTH"] = 4096
    huge = _upload(creator, path, png() + b"\x00" * 10000)
    assert huge.status_code == 413 and "error" in huge.get_json()
    with app.extensions["db"].session() as s:
        assert s.query(Attachment).count() == 0
        assert s.query(Message).filter(Message.conversation_id == cid).count() == 0


def test_api_upload_and_console_access_follow_the_conversation_rules(app, client, auth, rasa):
    from handoff.accounts import create_associate

    db = app.extensions["db"]
    create_associate(db, "ana", PASSWORD, "Ana", roles=["associate"])
    create_associate(db, "sofia", PASSWORD, "Sofia", roles=["safety_specialist"])
    cid = client.post("/api/v1/conversations", json={"channel": "in_app", "creator": {"id": "c1"}},
                      headers=auth).get_json()["id"]
    rasa.outputs.append([{"custom": {"handoff": {"reason": "safety", "queue": "safety", "summary": "s",
                                                 "safety": {"category": "sextortion"}}}}, {"text": "ok"}])
    client.post(f"/api/v1/conversations/{cid}/messages", json={"text": "he says he will post my pics"}, headers=auth)
    res = client.post(f"/api/v1/conversations/{cid}/attachments", headers=auth, content_type="multipart/form-data",
                      data={"file": (io.BytesIO(png()), "threat.png")})
    assert res.status_code == 200 and res.get_json()["state"] == "queued"
    att = res.get_json()["attachments"][0]["id"]
    assert client.get(f"/api/v1/conversations/{cid}/attachments/{att}", headers=auth).data == png()
    assert client.get(f"/api/v1/conversations/{cid}/attachments/{att}").status_code == 401
    transcript = client.get(f"/api/v1/conversations/{cid}", headers=auth).get_json()["messages"]
    assert transcript[-1]["attachments"][0]["id"] == att
    ana, sofia = app.test_client(), app.test_client()
    login(ana, "ana")
    login(sofia, "sofia")
    url = f"/console/api/conversations/{cid}/attachments/{att}"
    assert ana.get(url).status_code == 403  # a safety conversation: specialists only
    assert sofia.get(url).data == png()
    other = client.post("/api/v1/conversations", json={"channel": "in_app", "creator": {"id": "c2"}},
                        headers=auth).get_json()["id"]
    assert sofia.get(f"/console/api/conversations/{other}/attachments/{att}").status_code == 404
