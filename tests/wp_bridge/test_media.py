"""MediaClient against the recorded WordPress 6.8 media traffic."""

from __future__ import annotations

from typing import Any

import pytest
import responses
from requests import PreparedRequest

from tests.wp_bridge.recordings import STORE_URL, recorded_clients, replay
from wp_bridge import (
    AuthenticationError,
    FileTypeRefused,
    MediaClient,
    MediaTypeRejected,
    RetryableStoreError,
    RetryPolicy,
)
from wp_bridge.errors import PLUGIN_HINT, WORDPRESS_AUTH_HINT


def same_upload(content_type: str) -> Any:
    """Check a raw upload: the recorded Content-Type, a filename, the bytes as the body."""

    def check(request: PreparedRequest, recorded: dict[str, Any]) -> None:
        assert request.headers["Content-Type"] == content_type == dict(recorded["headers"])["Content-Type"]
        assert str(request.headers["Content-Disposition"]).startswith('attachment; filename="')
        assert request.body == b"bytes"

    return check


@pytest.mark.parametrize(
    ("recording", "filename", "content_type", "attachment_id"),
    [
        ("wp_media_upload_glb", "model.glb", "model/gltf-binary", 18),
        ("wp_media_upload_usdz", "model.usdz", "model/vnd.usdz+zip", 19),
        ("wp_media_upload_png_poster", "blue-vase.png", "image/png", 20),
    ],
)
def test_upload_sends_raw_bytes_with_type_and_filename(
    mock: responses.RequestsMock, recording: str, filename: str, content_type: str, attachment_id: int
) -> None:
    replay(mock, recording, check_body=same_upload(content_type))
    attachment = recorded_clients().media.upload(b"bytes", filename)

    assert attachment.id == attachment_id
    assert attachment.mime_type == content_type
    assert attachment.source_url.startswith("http://127.0.0.1:8080/wp-content/uploads/2026/11/")
    assert mock.calls[0].request.headers["Content-Disposition"] == f'attachment; filename="{filename}"'


def test_upload_of_a_taken_name_returns_the_renamed_file(mock: responses.RequestsMock) -> None:
    replay(mock, "wp_media_upload_glb_same_name_again", check_body=same_upload("model/gltf-binary"))
    assert recorded_clients().media.upload(b"bytes", "model.glb").source_url.endswith("/model-1.glb")


@pytest.mark.parametrize(
    ("recording", "filename"),
    [("wp_media_upload_glb_default_rejected", "model.glb"), ("wp_media_upload_usdz_default_rejected", "model.usdz")],
)
def test_stock_wordpress_rejecting_3d_files_raises_media_type_rejected_with_the_plugin_hint(
    mock: responses.RequestsMock, recording: str, filename: str
) -> None:
    replay(mock, recording, check_body=lambda request, recorded: None)
    with pytest.raises(MediaTypeRejected) as caught:
        recorded_clients().media.upload(b"bytes", filename)

    error = caught.value
    assert not error.retryable
    assert (error.status, error.code) == (500, "rest_upload_sideload_error")
    assert filename in str(error)
    assert "companion plugin" in str(error) and error.hint == PLUGIN_HINT
    assert len(mock.calls) == 1, "a rejected type is not retried"


def test_update_attaches_to_the_product_and_sets_title_and_alt(mock: responses.RequestsMock) -> None:
    replay(mock, "wp_media_update_glb_title")
    attachment = recorded_clients().media.update(18, title="Red mug 3D model", alt_text="Red mug", post=14)
    assert (attachment.title, attachment.alt_text, attachment.post) == ("Red mug 3D model", "Red mug", 14)


def test_get_reads_an_attachment(mock: responses.RequestsMock) -> None:
    replay(mock, "wp_media_get_glb")
    attachment = recorded_clients().media.get(18)
    assert (attachment.id, attachment.mime_type, attachment.filesize) == (18, "model/gltf-binary", 584)
    assert attachment.post is None


def test_delete_forces_and_an_already_deleted_attachment_counts_as_gone(mock: responses.RequestsMock) -> None:
    replay(mock, "wp_media_delete_usdz_force")
    replay(mock, "wp_media_delete_usdz_again_404")
    media = recorded_clients().media

    assert media.delete(19) is True
    assert media.delete(19) is False
    assert all("force=true" in (call.request.url or "") for call in mock.calls)


def test_wrong_application_password_raises_authentication_error(mock: responses.RequestsMock) -> None:
    replay(mock, "wp_users_me_wrong_app_password")
    with pytest.raises(AuthenticationError) as caught:
        recorded_clients(wp_application_password="wrongwrongwrongwrongwron").media.current_user()
    assert caught.value.code == "incorrect_password"
    assert caught.value.hint == WORDPRESS_AUTH_HINT


def test_application_password_over_http_in_production_points_to_https_or_local(mock: responses.RequestsMock) -> None:
    replay(mock, "wp_users_me_app_password_production_env_http")
    with pytest.raises(AuthenticationError) as caught:
        recorded_clients().media.current_user()
    assert caught.value.code == "rest_not_logged_in"
    assert "https" in caught.value.hint and "'local'" in caught.value.hint


def test_current_user_confirms_the_application_password(mock: responses.RequestsMock) -> None:
    replay(mock, "wp_users_me_app_password")
    assert recorded_clients().media.current_user().id == 1


def test_missing_wordpress_credentials_fail_without_a_request(mock: responses.RequestsMock) -> None:
    media = recorded_clients(wp_username=None, wp_application_password=None).media
    with pytest.raises(AuthenticationError, match="WP_APPLICATION_PASSWORD"):
        media.upload(b"bytes", "model.glb")
    assert len(mock.calls) == 0


def test_an_upload_is_not_resent_after_an_ambiguous_server_error(mock: responses.RequestsMock) -> None:
    mock.add(responses.POST, f"{STORE_URL}/wp-json/wp/v2/media", status=502, body="bad gateway")
    media = MediaClient(STORE_URL, "admin", "pw", retry=RetryPolicy(sleep=lambda _: None))
    with pytest.raises(RetryableStoreError):
        media.upload(b"bytes", "model.glb")
    assert len(mock.calls) == 1


def test_an_upload_refused_with_429_is_resent(mock: responses.RequestsMock) -> None:
    url = f"{STORE_URL}/wp-json/wp/v2/media"
    mock.add(responses.POST, url, status=429, headers={"Retry-After": "1"}, json={"code": "too_many", "message": "Slow down"})
    mock.add(responses.POST, url, status=201, json={"id": 5, "source_url": f"{STORE_URL}/wp-content/uploads/m.glb"})
    media = MediaClient(STORE_URL, "admin", "pw", retry=RetryPolicy(sleep=lambda _: None))
    assert media.upload(b"bytes", "m.glb").id == 5


def test_unsafe_filenames_are_cleaned_before_upload(mock: responses.RequestsMock) -> None:
    mock.add(responses.POST, f"{STORE_URL}/wp-json/wp/v2/media", status=201, json={"id": 5, "source_url": "u"})
    recorded_clients().media.upload(b"bytes", '../we"ird name.glb')
    assert mock.calls[0].request.headers["Content-Disposition"] == 'attachment; filename="we-ird-name.glb"'


@pytest.mark.parametrize(
    "filename", ["product-3d-1a2b.html", "notes.txt", "shell.php", "x.svg", "model.glb.html", "x.html?attachment_id=7",
                 "no-extension", ".htaccess"],
)
def test_only_model_and_image_files_are_uploaded_and_others_are_refused_before_a_request(
    mock: responses.RequestsMock, filename: str
) -> None:
    """Issue 25: the backend's WordPress user may be an administrator, whom WordPress lets upload HTML."""
    with pytest.raises(FileTypeRefused, match="only 3D models and images") as caught:
        recorded_clients().media.upload(b"<script>alert(1)</script>", filename)
    assert not caught.value.retryable
    assert len(mock.calls) == 0
