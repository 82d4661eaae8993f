"""deploy/nginx: nginx accepts the production and the trial configuration, and a real nginx serves the
production one as deploy/README.md says (proxy headers, TLS and HTTP/2, static files, what stays internal,
upload limits, the bucket's public part). Skipped, saying why, where nginx is not installed."""

from __future__ import annotations

import http.client
import shutil
import socket
import ssl
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.test_deploy import DEPLOY, free_port

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
NO_NGINX = "nginx is not installed (apt-get install nginx-light): deploy/nginx is not checked"
pytestmark = pytest.mark.skipif(NGINX is None, reason=NO_NGINX)
SITE = "baohaiduong.example.vn"


# The http-level lines of Debian's own nginx.conf, which newsroom.conf must not repeat; the nginx image that
# deploy/compose.yaml runs has none of them.
DEBIAN_HTTP = "gzip on; ssl_prefer_server_ciphers on; ssl_protocols TLSv1 TLSv1.1 TLSv1.2 TLSv1.3;"


def nginx_layout(folder: Path, conf: str, http: str = DEBIAN_HTTP, **replace: str) -> Path:
    """A conf folder laid out as /etc/nginx (with snippets/), holding deploy/nginx's `conf` with its
    production paths and ports replaced by `replace`, under an nginx.conf whose http block has `http`;
    returns that nginx.conf."""
    snippets = folder / "snippets"
    snippets.mkdir(parents=True)
    for name in ("newsroom-site.conf", "newsroom-tls.conf"):
        (snippets / name).write_text(_replaced((DEPLOY / "nginx" / name).read_text(), replace))
    (folder / "site.conf").write_text(_replaced((DEPLOY / "nginx" / conf).read_text(), replace))
    certificate = folder / "live" / "newsroom"
    certificate.mkdir(parents=True)
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=example.vn"]
        + ["-keyout", certificate / "privkey.pem", "-out", certificate / "fullchain.pem"],
        check=True,
        capture_output=True,
    )
    (folder / "nginx.conf").write_text(
        f"user root; pid {folder}/nginx.pid; error_log {folder}/error.log; events {{}}\n"
        f"http {{ include /etc/nginx/mime.types; access_log off; client_body_temp_path {folder}/body;\n"
        f"proxy_temp_path {folder}/proxy; {http} include {folder}/site.conf; }}\n"
    )
    return folder / "nginx.conf"


def _replaced(text: str, replace: dict[str, str]) -> str:
    for old, new in replace.items():
        text = text.replace(old, new)
    return text


def nginx_t(conf: Path) -> None:
    done = subprocess.run([NGINX, "-t", "-c", str(conf)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_nginx_accepts_the_production_config(tmp_path):
    nginx_t(nginx_layout(tmp_path, "newsroom.conf", **{"/etc/letsencrypt/": f"{tmp_path}/"}))


def test_nginx_accepts_the_compose_config(tmp_path):
    # `web` is a name only Docker's DNS knows; nginx looks it up when it reads the file.
    nginx_t(nginx_layout(tmp_path, "compose.conf", http="", **{"web:8000": "127.0.0.1:8000"}))


class Recorder(ThreadingHTTPServer):
    """An HTTP server on 127.0.0.1 standing in for daphne or the S3 gateway: records each request as
    (method, path, headers with lower-case names, body length) and answers 200."""

    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Recording)
        self.requests: list[tuple[str, str, dict[str, str], int]] = []


class _Recording(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # nginx keeps its upstream connections alive

    def answer(self):
        remaining = length = int(self.headers.get("Content-Length") or 0)
        while remaining:
            remaining -= len(self.rfile.read(min(remaining, 1 << 20)))
        headers = {name.lower(): value for name, value in self.headers.items()}
        self.server.requests.append((self.command, self.path, headers, length))
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    do_GET = do_POST = do_PUT = do_PATCH = do_OPTIONS = answer

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def live_nginx(tmp_path_factory):
    """deploy/nginx/newsroom.conf served by a real nginx on free ports of 127.0.0.1, in front of stand-ins
    for the web processes and the S3 gateway, with a STATIC_ROOT and a MEDIA_ROOT of a few files."""
    folder = tmp_path_factory.mktemp("nginx")
    app, s3 = Recorder(), Recorder()
    for server in (app, s3):
        threading.Thread(target=server.serve_forever, daemon=True).start()
    ports = {"http": free_port(), "https": free_port(), "internal": free_port()}
    replace = {f"listen [::]:{port}": "#" for port in ("80 ", "443 ", "8081")}
    replace |= {
        "/etc/letsencrypt/": f"{folder}/etc/",
        "/var/lib/newsroom": f"{folder}/data",
        "listen 80 ": f"listen 127.0.0.1:{ports['http']} ",
        "listen 443 ": f"listen 127.0.0.1:{ports['https']} ",
        "listen 8081;": f"listen 127.0.0.1:{ports['internal']};",
        "127.0.0.1:8333": f"127.0.0.1:{s3.server_port}",
    }
    replace |= {f"127.0.0.1:800{n} ": f"127.0.0.1:{app.server_port} " for n in range(1, 5)}
    conf = nginx_layout(folder / "etc", "newsroom.conf", **replace)
    # Behind a CDN (deploy/README.md): here the stand-in CDN is this machine.
    (folder / "etc" / "snippets" / "newsroom-cdn-real-ip.conf").write_text(
        "set_real_ip_from 127.0.0.1;\nreal_ip_header CF-Connecting-IP;\n"
    )
    for name in (
        "static/site.css",
        "static/app.0123456789ab.js",
        "media/images/a.jpg",
        "media/original_images/a.jpg",
    ):
        (folder / "data" / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / "data" / name).write_text(name)
    nginx = subprocess.Popen([NGINX, "-c", str(conf), "-g", "daemon off;"], stderr=subprocess.PIPE)
    deadline = time.monotonic() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", ports["https"]), timeout=1).close()
            break
        except OSError:
            assert nginx.poll() is None, nginx.stderr.read().decode()
            assert time.monotonic() < deadline
            time.sleep(0.1)
    yield {"ports": ports, "app": app, "s3": s3}
    nginx.terminate()
    nginx.wait(timeout=10)
    for server in (app, s3):
        server.shutdown()
        server.server_close()


def fetch(nginx, host, path, *, method="GET", headers=None, body=None, port="https", length=None):
    """One request to the live nginx as a browser sends it to `host` (TLS with that name, unless the port is
    plain HTTP); returns (status, headers with lower-case names, body)."""
    connection = http.client.HTTPConnection("127.0.0.1", nginx["ports"][port], timeout=30)
    if port == "https":
        context = ssl.create_default_context()
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
        raw = socket.create_connection(("127.0.0.1", nginx["ports"][port]), timeout=30)
        connection.sock = context.wrap_socket(raw, server_hostname=host)
    connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
    connection.putheader("Host", host)
    for name, value in (headers or {}).items():
        connection.putheader(name, value)
    if body is not None or length is not None:
        connection.putheader("Content-Length", str(length if length is not None else len(body)))
    connection.endheaders(body)
    response = connection.getresponse()
    answer = (
        response.status,
        {name.lower(): value for name, value in response.getheaders()},
        response.read(),
    )
    connection.close()
    return answer


def last(recorder):
    return recorder.requests[-1] if recorder.requests else None


def test_nginx_passes_what_the_settings_trust_and_speaks_http2(live_nginx):
    spoofed = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "http", "Upgrade": "websocket"}
    status, _, _ = fetch(live_nginx, SITE, "/ws/newsroom/", headers={**spoofed, "Connection": "Upgrade"})
    method, path, headers, _ = last(live_nginx["app"])
    assert (status, method, path) == (200, "GET", "/ws/newsroom/")
    assert headers["host"] == SITE and headers["x-forwarded-proto"] == "https"
    assert headers["x-forwarded-for"] == "127.0.0.1"  # the address nginx saw, never the client's claim
    assert headers["upgrade"] == "websocket" and headers["connection"] == "upgrade"
    fetch(live_nginx, SITE, "/thoi-su/")
    assert "upgrade" not in last(live_nginx["app"])[2]  # other requests keep the connection alive

    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    context.set_alpn_protocols(["h2", "http/1.1"])
    with socket.create_connection(("127.0.0.1", live_nginx["ports"]["https"])) as raw:
        with context.wrap_socket(raw, server_hostname=SITE) as tls:
            assert tls.selected_alpn_protocol() == "h2" and tls.version() in {"TLSv1.2", "TLSv1.3"}
    with (
        pytest.raises(ssl.SSLError),
        socket.create_connection(("127.0.0.1", live_nginx["ports"]["https"])) as raw,
    ):
        context.wrap_socket(raw, server_hostname="unknown.example.com")  # no certificate for strangers

    status, headers, _ = fetch(live_nginx, SITE, "/thoi-su/?page=2", port="http")
    assert status == 301 and headers["location"] == f"https://{SITE}/thoi-su/?page=2"


def test_nginx_serves_static_files_and_renditions_but_never_originals(live_nginx):
    seen = len(live_nginx["app"].requests)
    status, headers, body = fetch(live_nginx, SITE, "/static/app.0123456789ab.js")
    assert (status, body) == (200, b"static/app.0123456789ab.js")
    assert headers["cache-control"] == "public, max-age=31536000, immutable"
    assert fetch(live_nginx, SITE, "/static/site.css?v=8.0")[1]["cache-control"].endswith("immutable")
    assert fetch(live_nginx, SITE, "/static/site.css")[1]["cache-control"] == "public, max-age=3600"
    assert fetch(live_nginx, SITE, "/media/images/a.jpg")[0] == 200
    assert fetch(live_nginx, SITE, "/media/original_images/a.jpg")[0] == 404
    assert fetch(live_nginx, SITE, "/healthz")[0] == 404 and fetch(live_nginx, SITE, "/metrics")[0] == 404
    assert len(live_nginx["app"].requests) == seen  # none of it reached the application

    for path in ("/healthz", "/metrics"):
        assert fetch(live_nginx, "10.0.0.11:8081", path, port="internal")[0] == 200
        assert last(live_nginx["app"])[1:3][0] == path
        assert last(live_nginx["app"])[2]["host"] == "toasoan.example.vn"  # a host in ALLOWED_HOSTS
    assert fetch(live_nginx, "10.0.0.11:8081", "/admin/", port="internal")[0] == 404


def test_nginx_upload_limits(live_nginx):
    assert fetch(live_nginx, SITE, "/_r/e", method="POST", length=11 * 2**20)[0] == 413
    chunk = b"\0" * (20 * 2**20)
    assert fetch(live_nginx, SITE, "/archive/tus/0f5c", method="PATCH", body=chunk)[0] == 200
    assert last(live_nginx["app"])[0::3] == ("PATCH", len(chunk))
    assert fetch(live_nginx, SITE, "/archive/tus/0f5c", method="PATCH", length=65 * 2**20)[0] == 413


def test_the_bucket_is_published_in_part_and_written_only_when_signed(live_nginx):
    s3 = live_nginx["s3"]
    status, headers, _ = fetch(live_nginx, "media.example.vn", "/images/a.b.fill-80x80.jpg?list-type=2")
    assert status == 200 and headers["cache-control"] == "public, max-age=604800"
    assert last(s3)[:2] == ("GET", "/newsroom-media/images/a.b.fill-80x80.jpg")  # no query reaches S3
    seen = len(s3.requests)
    assert fetch(live_nginx, "media.example.vn", "/original_images/a.jpg")[0] == 404
    assert fetch(live_nginx, "media.example.vn", "/images/a.jpg", method="PUT", body=b"x")[0] == 403
    assert fetch(live_nginx, "s3.example.vn", "/newsroom-media/original_images/a.jpg")[0] == 403
    assert len(s3.requests) == seen

    signed = "/newsroom-media/x?uploadId=1&partNumber=1&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=ab"
    origin = {"Origin": "https://toasoan.example.vn"}
    status, headers, _ = fetch(live_nginx, "s3.example.vn", signed, method="PUT", body=b"x", headers=origin)
    assert status == 200 and headers["access-control-expose-headers"] == "ETag"
    assert last(s3)[:2] == ("PUT", signed) and last(s3)[2]["host"] == "s3.example.vn"  # as signed
    preflight = {**origin, "Access-Control-Request-Method": "PUT"}
    status, headers, _ = fetch(live_nginx, "s3.example.vn", signed, method="OPTIONS", headers=preflight)
    assert status == 204 and headers["access-control-allow-origin"] == "https://toasoan.example.vn"
    stranger = {"Origin": "https://evil.example.com", "Access-Control-Request-Method": "PUT"}
    _, headers, _ = fetch(live_nginx, "s3.example.vn", signed, method="OPTIONS", headers=stranger)
    assert "access-control-allow-origin" not in headers


def test_behind_a_cdn_the_readers_address_is_the_one_it_vouches_for(live_nginx):
    fetch(live_nginx, SITE, "/", headers={"CF-Connecting-IP": "198.51.100.7", "X-Forwarded-For": "192.0.2.1"})
    assert last(live_nginx["app"])[2]["x-forwarded-for"] == "198.51.100.7"
