"""Oversized request bodies are refused by their declared size, before a byte is read.

Only signed-in staff may send large bodies, and only to the admin's import pages; nobody
may send more than the upload limit plus the multipart envelope.
"""

import socket
import time

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile

from iscm_site.middleware import MAX_REQUEST_BYTES
from workbook.safety import MAX_UPLOAD_BYTES

pytestmark = pytest.mark.django_db

MB = 1024 * 1024
BOUNDARY = "BoUnDaRy"


class UnreadableBody:
    """A request body that fails the test if anything tries to read it."""

    def read(self, *args):
        raise AssertionError("the request body was read")

    readline = read


def post_declaring(client, url: str, length: int | str, **headers):
    """POST whose headers declare `length` bytes of multipart body that cannot be read."""
    return client.generic(
        "POST",
        url,
        b"",
        content_type=f"multipart/form-data; boundary={BOUNDARY}",
        CONTENT_LENGTH=str(length),
        **{"wsgi.input": UnreadableBody()},
        **headers,
    )


def assert_refused(response, status: int) -> None:
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/plain")
    assert len(response.content) < 200


def test_anonymous_huge_upload_to_the_login_page_is_refused_unread(client):
    client.cookies["csrftoken"] = "invented-token-invented-token-12"
    response = post_declaring(client, "/admin/login/", 500 * MB)
    assert_refused(response, 413)
    assert b"Request body too large" in response.content


def test_anything_above_the_upload_limit_is_refused_even_for_staff(admin_client):
    response = post_declaring(admin_client, "/admin/profiles/organisation/import/", 25 * MB)
    assert_refused(response, 413)
    assert MAX_REQUEST_BYTES < 25 * MB


@pytest.mark.parametrize(
    "url",
    [
        "/admin/login/",
        "/admin/profiles/organisation/import/",
        "/admin/profiles/mechanism/workbook/import/",
        "/mechanisms/",
        "/no-such-page/",
    ],
)
def test_anonymous_bodies_above_the_small_limit_are_refused_unread(client, url):
    response = post_declaring(client, url, 3 * MB)
    assert_refused(response, 413)
    assert b"at most 2 MB" in response.content


def test_signed_in_non_staff_cannot_send_large_bodies_to_import_pages(client):
    client.force_login(User.objects.create_user("reader", password="x"))
    response = post_declaring(client, "/admin/profiles/organisation/import/", 3 * MB)
    assert_refused(response, 413)


def test_staff_cannot_send_large_bodies_to_other_pages(admin_client):
    response = post_declaring(admin_client, "/admin/profiles/mechanism/add/", 3 * MB)
    assert_refused(response, 413)


def test_staff_may_upload_large_files_to_import_pages(admin_client):
    rows = "".join(f"ORG{n},Organisation number {n} {'x' * 150},igo,\n" for n in range(20_000))
    content = ("acronym,name,kind,website\n" + rows).encode()
    assert 3 * MB < len(content) < MAX_UPLOAD_BYTES
    response = admin_client.post(
        "/admin/profiles/organisation/import/",
        {"import_file": SimpleUploadedFile("big.csv", content), "format": "0", "resource": "0"},
    )
    assert response.status_code == 200
    assert b"Request body too large" not in response.content
    assert response.context["form"].errors  # the import page itself explains its own limits


def test_upload_limit_message_still_comes_from_the_import_page(admin_client):
    """A file just above 20 MB fits the envelope: the page says why it is refused."""
    response = admin_client.post(
        "/admin/profiles/organisation/import/",
        {
            "import_file": SimpleUploadedFile("big.csv", b"a" * (MAX_UPLOAD_BYTES + 1)),
            "format": "0",
            "resource": "0",
        },
    )
    assert response.status_code == 200
    assert "The file is larger than 20 MB: refused." in response.content.decode()


def test_body_without_a_length_is_refused(client):
    response = client.generic(
        "POST",
        "/admin/login/",
        b"",
        content_type="application/x-www-form-urlencoded",
        HTTP_TRANSFER_ENCODING="chunked",
        **{"wsgi.input": UnreadableBody()},
    )
    assert_refused(response, 411)


@pytest.mark.parametrize("length", ["abc", "-1", "1e9", "5, 5", "١٢"])
def test_invalid_content_length_is_refused(client, length):
    response = post_declaring(client, "/admin/login/", length)
    assert_refused(response, 400)


def test_ordinary_small_posts_still_work(client, admin_user):
    response = client.post("/admin/login/", {"username": "admin", "password": "password"})
    assert response.status_code == 302


@pytest.mark.django_db(transaction=True)
def test_server_answers_at_once_without_waiting_for_the_body(live_server):
    """Over a real socket: only the headers and a few bytes are sent, never the 500 MB."""
    host, port = live_server.thread.host, live_server.thread.port
    head = (
        "POST /admin/login/ HTTP/1.1\r\n"
        f"Host: {host}\r\n"
        "Cookie: csrftoken=invented-token-invented-token-12\r\n"
        f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
        f"Content-Length: {500 * MB}\r\n\r\n"
    )
    started = time.monotonic()
    with socket.create_connection((host, port), timeout=10) as connection:
        connection.sendall(head.encode() + f"--{BOUNDARY}\r\n".encode())
        status_line = connection.recv(200).split(b"\r\n", 1)[0]
    assert status_line.startswith(b"HTTP/1.1 413 ")
    assert time.monotonic() - started < 5


def test_large_body_to_a_missing_page_is_not_read_either(admin_client):
    response = post_declaring(admin_client, "/no-such-page/", 3 * MB)
    assert response.status_code in (404, 413)
