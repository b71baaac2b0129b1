"""The S3 requests that obstore does not offer, signed here with AWS Signature Version 4 in the query string
(presigned URLs): the URLs handed to clients for direct transfers, and the server's own multipart calls
(create, list parts, complete, abort, list unfinished uploads) and checksum-reading HEADs.

A presigned URL binds its method, bucket, key, query (upload id, part number) and every header it names (here
x-amz-checksum-sha256 and Content-Length): a client that changes any of them gets 403 from the store, and one
that sends other bytes than the signed checksum names gets 400 (BadDigest). Signing needs the secret key
itself, so direct transfers need static credentials (RUNBASE_S3_* or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY,
with AWS_SESSION_TOKEN where temporary); a store reached through other credential sources is used through the
server only (`S3Requests.from_settings` answers None)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from urllib.parse import quote, urlsplit
from xml.etree import ElementTree

import httpx

from ..settings import ServerSettings

ALGORITHM = "AWS4-HMAC-SHA256"
UNSIGNED = "UNSIGNED-PAYLOAD"
CALL_SECONDS = 60  # the life of the URL of one of the server's own calls
TIMEOUT = httpx.Timeout(60.0, connect=10.0)
NS = re.compile(r"^\{[^}]*\}")


class S3Error(Exception):
    """A call the store refused: `code` is S3's error code (NoSuchUpload, InvalidPart, ...)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"HTTP {status} {code}: {message}")
        self.status, self.code = status, code


def _encode(value: str, slash: bool = True) -> str:
    """RFC 3986 encoding as SigV4 wants it: everything but unreserved characters (and '/' in paths)."""
    return quote(value, safe="-_.~" + ("" if slash else "/"))


def sha256_base64(hex_digest: str) -> str:
    """A SHA-256 as S3's x-amz-checksum-sha256 header carries it: base64 of the 32 bytes."""
    return base64.b64encode(bytes.fromhex(hex_digest)).decode()


def composite_of(part_digests: list[str]) -> str:
    """What S3 names a multipart object whose parts have these SHA-256s (hex): the SHA-256 of their
    concatenated bytes, then '-' and the number of parts (here in hex, not base64, to be a key)."""
    joined = b"".join(bytes.fromhex(digest) for digest in part_digests)
    return f"{hashlib.sha256(joined).hexdigest()}-{len(part_digests)}"


def _children(element: ElementTree.Element) -> dict[str, str]:
    return {NS.sub("", child.tag): child.text or "" for child in element}


def _without_default_port(endpoint: str) -> str:
    """The endpoint as clients name its host: HTTP clients leave :80 and :443 out of the Host header, and a
    signature over the host with the port would not match what the store receives."""
    origin = urlsplit(endpoint)
    if (origin.scheme, origin.port) in (("http", 80), ("https", 443)):
        return origin._replace(netloc=origin.netloc.rsplit(":", 1)[0]).geturl()
    return endpoint


@dataclass(frozen=True)
class Part:
    number: int
    size: int
    sha256: str | None  # hex, as the store checked it; None when the store keeps no checksum for it
    etag: str  # what the completion names the part by, beside its checksum (S3 requires it)


@dataclass(frozen=True)
class Unfinished:
    key: str
    upload_id: str
    initiated: datetime


@dataclass(frozen=True)
class S3Requests:
    """Signed requests to one bucket (path-style URLs, as obstore uses for a configured endpoint)."""

    endpoint: str
    bucket: str
    prefix: str
    region: str
    access_key_id: str
    secret_access_key: str
    session_token: str | None = None
    # Uploads are made with S3's SHA-256 checksum algorithm, so that the store keeps each part's checksum and the
    # object's composite; False for a store that checks a part's signed SHA-256 but cannot complete such an
    # upload from presigned parts (SeaweedFS): see direct_checks.
    checksummed: bool = True
    http: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=TIMEOUT), compare=False, repr=False)

    @classmethod
    def from_settings(cls, settings: ServerSettings) -> S3Requests | None:
        """The store's request signer, or None when no static credentials are configured."""
        assert settings.blob_store is not None
        env = os.environ.get
        key_id = settings.s3_access_key_id or env("AWS_ACCESS_KEY_ID")
        secret = settings.s3_secret_access_key or env("AWS_SECRET_ACCESS_KEY")
        if not key_id or not secret:
            return None
        region = settings.s3_region or env("AWS_REGION") or env("AWS_DEFAULT_REGION") or "us-east-1"
        endpoint = (settings.s3_endpoint_url or env("AWS_ENDPOINT_URL_S3") or env("AWS_ENDPOINT_URL")
                    or f"https://s3.{region}.amazonaws.com")
        bucket, _, prefix = settings.blob_store.removeprefix("s3://").partition("/")
        token = None if settings.s3_access_key_id else env("AWS_SESSION_TOKEN")
        return cls(_without_default_port(endpoint.rstrip("/")), bucket, prefix.strip("/"), region, key_id, secret,
                   token)

    def _path(self, key: str | None) -> str:
        """The request's path: the object's, or the bucket's for None."""
        if key is None:
            return f"{urlsplit(self.endpoint).path}/{self.bucket}/"
        full = f"{self.prefix}/{key}" if self.prefix else key
        return f"{urlsplit(self.endpoint).path}/{self.bucket}/{full}"

    def presign(self, method: str, key: str | None, *, expires: int, query: dict[str, str] | None = None,
                headers: dict[str, str] | None = None, now: datetime | None = None) -> str:
        """A URL for one request: `headers` must be sent exactly as given (names lowercase)."""
        now = now or datetime.now(timezone.utc)
        stamp, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
        scope = f"{day}/{self.region}/s3/aws4_request"
        signed = {"host": urlsplit(self.endpoint).netloc, **(headers or {})}
        names = ";".join(sorted(signed))
        params = {**(query or {}), "X-Amz-Algorithm": ALGORITHM, "X-Amz-Credential": f"{self.access_key_id}/{scope}",
                  "X-Amz-Date": stamp, "X-Amz-Expires": str(expires), "X-Amz-SignedHeaders": names}
        if self.session_token:
            params["X-Amz-Security-Token"] = self.session_token
        canonical_query = "&".join(f"{_encode(name)}={_encode(value)}" for name, value in sorted(params.items()))
        path = _encode(self._path(key), slash=False)
        canonical_headers = "".join(f"{name}:{signed[name].strip()}\n" for name in sorted(signed))
        request = "\n".join([method, path, canonical_query, canonical_headers, names, UNSIGNED])
        to_sign = "\n".join([ALGORITHM, stamp, scope, hashlib.sha256(request.encode()).hexdigest()])
        signing_key = f"AWS4{self.secret_access_key}".encode()
        for step in (day, self.region, "s3", "aws4_request"):
            signing_key = hmac.new(signing_key, step.encode(), hashlib.sha256).digest()
        signature = hmac.new(signing_key, to_sign.encode(), hashlib.sha256).hexdigest()
        origin = urlsplit(self.endpoint)
        return f"{origin.scheme}://{origin.netloc}{path}?{canonical_query}&X-Amz-Signature={signature}"

    def _call(self, method: str, key: str | None, *, query: dict[str, str] | None = None,
              headers: dict[str, str] | None = None, body: bytes | None = None) -> httpx.Response:
        url = self.presign(method, key, expires=CALL_SECONDS, query=query, headers=headers)
        response = self.http.request(method, url, headers=headers, content=body)
        if response.status_code >= 300:
            code, message = "", response.reason_phrase
            if response.content:
                try:
                    found = _children(ElementTree.fromstring(response.content))
                    code, message = found.get("Code", ""), found.get("Message", message)
                except ElementTree.ParseError:
                    pass
            raise S3Error(response.status_code, code or str(response.status_code), message)
        return response

    def create_multipart(self, key: str) -> str:
        """A new multipart upload whose parts must each carry their SHA-256; its upload id."""
        response = self._call("POST", key, query={"uploads": ""},
                              headers={"x-amz-checksum-algorithm": "SHA256"} if self.checksummed else None)
        found = _children(ElementTree.fromstring(response.content))
        return found["UploadId"]

    def list_parts(self, key: str, upload_id: str) -> list[Part]:
        """The parts uploaded so far, with the size and SHA-256 the store checked each by."""
        parts: list[Part] = []
        marker = "0"
        while True:
            response = self._call("GET", key, query={"uploadId": upload_id, "part-number-marker": marker})
            root = ElementTree.fromstring(response.content)
            for element in root:
                if NS.sub("", element.tag) == "Part":
                    found = _children(element)
                    checksum = found.get("ChecksumSHA256")
                    parts.append(Part(int(found["PartNumber"]), int(found["Size"]),
                                      base64.b64decode(checksum).hex() if checksum else None, found["ETag"]))
            top = _children(root)
            if top.get("IsTruncated") != "true":
                return parts
            marker = top["NextPartNumberMarker"]

    def complete_multipart(self, key: str, upload_id: str, parts: list[Part]) -> None:
        """Join the parts, each named by its ETag and the SHA-256 it must have been stored with."""
        root = ElementTree.Element("CompleteMultipartUpload")
        for part in parts:
            element = ElementTree.SubElement(root, "Part")
            ElementTree.SubElement(element, "PartNumber").text = str(part.number)
            ElementTree.SubElement(element, "ETag").text = part.etag
            if part.sha256 is not None:
                ElementTree.SubElement(element, "ChecksumSHA256").text = sha256_base64(part.sha256)
        response = self._call("POST", key, query={"uploadId": upload_id}, body=ElementTree.tostring(root))
        if b"<Error>" in response.content:  # S3 may fail a completion inside a 200 answer
            found = _children(ElementTree.fromstring(response.content))
            raise S3Error(500, found.get("Code", "InternalError"), found.get("Message", ""))

    def abort_multipart(self, key: str, upload_id: str) -> None:
        """Drop an unfinished upload and its parts; one gone already is not an error."""
        try:
            self._call("DELETE", key, query={"uploadId": upload_id})
        except S3Error as exc:
            if exc.code != "NoSuchUpload":
                raise

    def unfinished(self, under: str = "") -> list[Unfinished]:
        """The multipart uploads under way below the prefix (and `under` within it)."""
        found: list[Unfinished] = []
        query = {"uploads": "", "prefix": f"{self.prefix}/{under}" if self.prefix else under}
        strip = f"{self.prefix}/" if self.prefix else ""
        while True:
            root = ElementTree.fromstring(self._call("GET", None, query=query).content)
            for element in root:
                if NS.sub("", element.tag) == "Upload":
                    item = _children(element)
                    initiated = datetime.fromisoformat(item["Initiated"].replace("Z", "+00:00"))
                    found.append(Unfinished(item["Key"].removeprefix(strip), item["UploadId"], initiated))
            top = _children(root)
            if top.get("IsTruncated") != "true":
                return found
            query = {**query, "key-marker": top.get("NextKeyMarker", ""),
                     "upload-id-marker": top.get("NextUploadIdMarker", "")}

    def direct_checks(self, under: str) -> S3Requests | None:
        """These requests as the store takes direct transfers (checksummed uploads where it completes them), or
        None when it does not check parts' checksums, on which their safety rests."""
        for requests in (self, replace(self, checksummed=False)):
            if requests._checks_sha256(under):
                return requests
        return None

    def _checks_sha256(self, under: str) -> bool:
        """Whether the store takes a part through a presigned URL, refuses one whose bytes do not have the
        SHA-256 signed into it, or that leaves the signed checksum header out, and completes the upload: one under
        `under`, deleted after."""
        key = f"{under}{uuid.uuid4().hex}"
        upload_id = self.create_multipart(key)
        completed = False
        try:
            def put(body: bytes, *, checksum: bool = True) -> int:
                headers = {"content-length": str(len(body)), "x-amz-checksum-sha256": sha256_base64(
                    hashlib.sha256(b"runbase").hexdigest())}
                url = self.presign("PUT", key, expires=CALL_SECONDS, headers=headers,
                                   query={"partNumber": "1", "uploadId": upload_id})
                sent = headers if checksum else {"content-length": headers["content-length"]}
                return self.http.put(url, content=body, headers=sent).status_code

            if put(b"RUNBASE") != 400 or put(b"RUNBASE", checksum=False) < 400 or put(b"runbase") != 200:
                return False
            try:
                self.complete_multipart(key, upload_id, self.list_parts(key, upload_id))
            except S3Error:
                return False
            completed = True
            self._call("DELETE", key)
            return True
        finally:
            if not completed:
                self.abort_multipart(key, upload_id)

    def checksum(self, key: str) -> tuple[int, str | None] | None:
        """The object's size and the SHA-256 checksum the store keeps for it (S3's form: base64, with '-N'
        for a multipart object), or None when it is not stored."""
        try:
            response = self._call("HEAD", key, headers={"x-amz-checksum-mode": "ENABLED"})
        except S3Error as exc:
            if exc.status == 404:
                return None
            raise
        return int(response.headers["content-length"]), response.headers.get("x-amz-checksum-sha256")
