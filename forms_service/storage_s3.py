"""S3-compatible object storage for forms_service.storage (STORAGE_URL=s3://bucket/prefix), through boto3.

Works with AWS S3 and with servers that speak its API (SeaweedFS, MinIO, Ceph, and others):
S3_ENDPOINT_URL names such a server, and is then addressed by path (http://host/bucket/key), which
every one of them accepts. Credentials come from boto3's usual places (AWS_ACCESS_KEY_ID and
AWS_SECRET_ACCESS_KEY, AWS_PROFILE, an instance role); the service never reads, keeps or logs them.
The bucket must exist: the service does not create it, so a typo in its name is an error, not a new
bucket.

Each file is one object, written whole with its SHA-256 (x-amz-checksum-sha256), so the server itself
refuses bytes that were changed on the way; objects have no folders, so there is nothing to tidy
after a deletion.
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib

import boto3
from botocore.config import Config
from botocore.exceptions import (BotoCoreError, ClientError, ConnectTimeoutError, EndpointConnectionError,
                                 NoCredentialsError, ReadTimeoutError)

from .storage import MissingFile, StorageError, StoredFile, _folder

_MISSING = {"NoSuchKey", "404", "NotFound"}
_REFUSED = {"AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken", "InvalidToken",
            "403", "Forbidden"}
_BATCH = 1000  # the most keys one DeleteObjects request may name


class S3Storage:
    def __init__(self, bucket: str, prefix: str, *, endpoint_url: str | None = None, region: str | None = None):
        self.bucket = bucket
        self.prefix = f"{prefix}/" if prefix else ""
        # A dead storage server is a 503 within seconds, not a hung request: 5 s to connect (as for the
        # database), 60 s for a response (a 10 MB file over a slow link), and boto3's standard retries
        # (3 attempts, with backoff) for throttling, 5xx answers and dropped connections.
        config = Config(connect_timeout=5, read_timeout=60, retries={"mode": "standard", "max_attempts": 3},
                        s3={"addressing_style": "path"} if endpoint_url else {})
        # A session of its own: boto3's default session is shared module state and not thread-safe.
        self.client = boto3.session.Session().client("s3", endpoint_url=endpoint_url or None,
                                                     region_name=region or None, config=config)

    def put(self, key: str, data: bytes) -> None:
        checksum = base64.b64encode(hashlib.sha256(data).digest()).decode("ascii")
        try:
            self.client.put_object(Bucket=self.bucket, Key=self.prefix + key, Body=data, ChecksumSHA256=checksum)
        except (BotoCoreError, ClientError) as exc:
            raise self._error(exc, "store the file") from exc

    def get(self, key: str) -> bytes:
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=self.prefix + key)
            return response["Body"].read()
        except (BotoCoreError, ClientError, OSError) as exc:
            raise self._error(exc, "read the file") from exc

    def delete(self, key: str) -> None:
        try:
            self.client.delete_object(Bucket=self.bucket, Key=self.prefix + key)  # nothing there is not an error
        except (BotoCoreError, ClientError) as exc:
            raise self._error(exc, "remove the file") from exc

    def delete_tree(self, prefix: str) -> None:
        keys = [self.prefix + f.key for f in self.list_files(prefix)]
        for start in range(0, len(keys), _BATCH):
            batch = [{"Key": k} for k in keys[start:start + _BATCH]]
            try:
                reply = self.client.delete_objects(Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True})
            except (BotoCoreError, ClientError) as exc:
                raise self._error(exc, "remove the files") from exc
            if reply.get("Errors"):
                first = reply["Errors"][0]
                raise StorageError(f"could not remove {len(reply['Errors'])} file(s): {first.get('Code')}")

    def list_files(self, prefix: str = "") -> list[StoredFile]:
        out = []
        try:
            pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket,
                                                                          Prefix=self.prefix + _folder(prefix))
            for page in pages:
                for obj in page.get("Contents", []):
                    out.append(StoredFile(obj["Key"][len(self.prefix):],
                                          obj["LastModified"].astimezone(dt.timezone.utc)))
        except (BotoCoreError, ClientError) as exc:
            raise self._error(exc, "list the files") from exc
        return sorted(out)

    def _error(self, exc: Exception, doing: str) -> StorageError:
        """A sentence for the user or the log: the S3 error code or the kind of failure, never a
        credential (boto3's messages carry none) and never the request's signature."""
        if isinstance(exc, ClientError):
            error = exc.response.get("Error", {})
            code = str(error.get("Code") or exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or "")
            if code in _MISSING:
                return MissingFile("the file is no longer in storage")
            if code == "NoSuchBucket":
                return StorageError(f"could not {doing}: the storage bucket {self.bucket!r} does not exist")
            if code in _REFUSED:
                return StorageError(f"could not {doing}: the storage refused the service's credentials ({code})")
            return StorageError(f"could not {doing}: the storage answered {code or 'with an error'}")
        if isinstance(exc, NoCredentialsError):
            return StorageError(f"could not {doing}: no storage credentials (set AWS_ACCESS_KEY_ID and "
                                "AWS_SECRET_ACCESS_KEY)")
        if isinstance(exc, (EndpointConnectionError, ConnectTimeoutError)):
            return StorageError(f"could not {doing}: the storage service could not be reached")
        if isinstance(exc, ReadTimeoutError):
            return StorageError(f"could not {doing}: the storage service did not answer in time")
        return StorageError(f"could not {doing}: {type(exc).__name__}")
