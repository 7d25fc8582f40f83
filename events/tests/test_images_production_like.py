"""Event pictures on the site deployed as production runs it, attacked from outside.

gunicorn with two workers, DEBUG off, PostgreSQL and Redis (eventhub/tests/production_server.py),
pictures kept in a folder of this module's own. Uploads through the API, the files served at
/media/ with their cache headers, the old files gone once a new picture commits, bodies too large
or malformed, someone else's event: no answer is a 5xx, and the server logs no error.
"""

import io
import secrets
import uuid

import pytest
from PIL import Image

from eventhub.tests.production_server import Answer, Client, deployed, problem_lines, race
from eventhub.tests.test_production_like import Account, Deployment, assert_no_server_error, assert_refusal
from events.tests.factories import picture_bytes
from events.tests.test_images import SVG_WITH_SCRIPT, exif_with_gps

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

RUN = secrets.token_hex(3)
CACHE_DB = 11  # a Redis database no other production-like module uses
LIMIT = 150_000  # EVENT_IMAGE_MAX_BYTES of the deployment, small so that too large is cheap to send


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    media = tmp_path_factory.mktemp("pictures-media")
    overrides = {"MEDIA_ROOT": str(media), "EVENT_IMAGE_MAX_BYTES": str(LIMIT)}
    with deployed(tmp_path_factory, name="pictures", cache_db=CACHE_DB, **overrides) as served:
        yield Deployment(served.port, served.env, served.mailbox, [served.log_path])


@pytest.fixture(scope="module")
def people(site) -> dict[str, Account]:
    return {
        "owner": site.account(f"owner{RUN}", role="organizer"),
        "rival": site.account(f"rival{RUN}", role="organizer"),
    }


@pytest.fixture(scope="module")
def event(site, people) -> int:
    return site.new_event(people["owner"])


def multipart(fields: dict[str, str], files: dict[str, tuple[str, str, bytes]]) -> tuple[bytes, str]:
    """A multipart/form-data body as a browser sends it, and its content type."""
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    for name, (filename, kind, content) in files.items():
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
        parts.append(f"{head}Content-Type: {kind}\r\n\r\n".encode() + content + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def put_picture(client: Client, event: int, content: bytes, *, alt="A full hall") -> Answer:
    body, kind = multipart({"alt": alt}, {"image": ("photo.jpg", "image/jpeg", content)})
    return client.request("PUT", f"/api/events/{event}/image/", body=body, content_type=kind)


def path_of(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def test_a_picture_is_uploaded_served_for_good_and_replaced(site, people, event):
    owner = site.client(people["owner"].access)
    first = put_picture(owner, event, picture_bytes((2000, 1500), exif=exif_with_gps(), quality=70))
    assert first.status == 200, str(first)

    card = site.client().get(path_of(first.json()["card"]))
    assert card.status == 200, str(card)
    assert card.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert card.headers["X-Content-Type-Options"] == "nosniff"
    served = Image.open(io.BytesIO(card.body))
    assert (served.format, served.size) == ("JPEG", (640, 360))
    assert not served.getexif()
    assert site.client().get(f"/api/events/{event}/").json()["image"] == first.json()

    second = put_picture(owner, event, picture_bytes(color="orange"), alt="The stage")
    assert second.status == 200, str(second)
    assert site.client().get(path_of(first.json()["card"])).status == 404  # deleted once that committed
    assert site.client().get(path_of(second.json()["banner"])).status == 200


def test_an_upload_at_the_limit_is_taken_and_one_over_it_is_413(site, people, event):
    owner = site.client(people["owner"].access)
    picture = picture_bytes((1200, 800))
    padded = picture + b"\0" * (LIMIT - len(picture))  # what follows a JPEG's end is not read

    assert put_picture(owner, event, padded).status == 200
    assert_refusal(put_picture(owner, event, padded + b"\0"), 413, "request_too_large")
    assert_refusal(put_picture(owner, event, padded * 3), 413, "request_too_large")


def test_bad_uploads_and_bodies_get_4xx_in_the_error_shape(site, people, event):
    owner = site.client(people["owner"].access)
    svg, kind = multipart({"alt": "x"}, {"image": ("x.svg", "image/svg+xml", SVG_WITH_SCRIPT)})
    truncated = b'--b\r\nContent-Disposition: form-data; name="image"; filename="a.jpg"\r\n\r\n\xff\xd8'
    path = f"/api/events/{event}/image/"
    answers = race(
        lambda: owner.request("PUT", path, body=svg, content_type=kind),
        lambda: put_picture(owner, event, picture_bytes((100, 100))),
        lambda: put_picture(owner, event, picture_bytes(), alt=""),
        lambda: owner.request("PUT", path, body=truncated, content_type="multipart/form-data; boundary=b"),
        lambda: owner.request("PUT", path, body=b"--x\r\n", content_type="multipart/form-data"),
        lambda: owner.request("PUT", path, json_body={"image": "not a file", "alt": "x"}),
    )

    assert_no_server_error(answers)
    assert [answer.status for answer in answers] == [400] * 6
    assert answers[0].json() == {
        "image": ["SVG drawings are not accepted: upload the picture as a JPEG, PNG or WebP."]
    }
    assert set(answers[2].json()) == {"alt"}


def test_someone_elses_event_and_nobody_are_refused(site, people, event):
    rival = site.client(people["rival"].access)
    assert_refusal(put_picture(rival, event, picture_bytes()), 403, "permission_denied")
    assert_refusal(rival.request("DELETE", f"/api/events/{event}/image/"), 403, "permission_denied")
    assert_refusal(put_picture(site.client(), event, picture_bytes()), 401, "not_authenticated")


def test_nothing_outside_the_pictures_folder_is_served(site):
    for path in ("/media/", "/media/events/", "/media/../manage.py", "/media/events/%2e%2e/%2e%2e/manage.py"):
        assert site.client().get(path).status == 404, path


def test_the_server_logged_no_error(site):
    problems = [line for path in site.log_paths for line in problem_lines(path)]
    assert problems == []
