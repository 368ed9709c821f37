"""Uploaded files of a client file: the type check by magic bytes and the encryption at rest.

Kernel helpers shared by the apps that store uploads (message attachments in ``messaging``, scans of
paper consents in ``trajectories``): the bytes are encrypted with the same keys as the encrypted
fields (``core.fields``), and an upload is accepted only when its first bytes and its extension agree
on one of the allowed types (the Content-Type the browser sent is ignored). See docs/security.md.
"""

import os

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from coachcare.core.fields import _fernet

MAX_UPLOAD_BYTES = 5 * 1024 * 1024

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"

#: Magic bytes at the start of the allowed file types, and the extensions that go with them.
_SIGNATURES: tuple[tuple[bytes, str, frozenset[str]], ...] = (
    (b"%PDF-", PDF, frozenset({".pdf"})),
    (b"\x89PNG\r\n\x1a\n", PNG, frozenset({".png"})),
    (b"\xff\xd8\xff", JPEG, frozenset({".jpg", ".jpeg"})),
)


def encrypt_bytes(data: bytes) -> bytes:
    """Encrypt a file's bytes like the encrypted fields."""
    return _fernet(tuple(settings.COACHCARE_ENCRYPTION_KEYS)).encrypt(data)


def decrypt_bytes(token: bytes) -> bytes:
    return _fernet(tuple(settings.COACHCARE_ENCRYPTION_KEYS)).decrypt(token)


def upload_check(*, upload: UploadedFile[bytes], field: str = "attachment") -> tuple[str, str, bytes]:
    """(content type, clean original name, bytes) of an allowed upload; ``ValidationError`` on ``field``
    otherwise (larger than 5 MB, or not a PDF, PNG or JPEG by its first bytes and extension)."""
    size = upload.size or 0
    if size > MAX_UPLOAD_BYTES:
        raise ValidationError({field: _("The file is larger than 5 MB.")})
    name = os.path.basename((upload.name or "").replace("\\", "/")).strip()[:200] or "attachment"
    data = b"".join(upload.chunks())
    if len(data) > MAX_UPLOAD_BYTES:
        raise ValidationError({field: _("The file is larger than 5 MB.")})
    extension = os.path.splitext(name)[1].lower()
    for signature, content_type, extensions in _SIGNATURES:
        if data.startswith(signature) and extension in extensions:
            return content_type, name, data
    raise ValidationError({field: _("Only PDF, PNG and JPEG files can be attached.")})


def upload_check_csv(*, upload: UploadedFile[bytes], field: str = "file") -> bytes:
    """The bytes of an uploaded CSV file (a data import, read in memory and never stored);
    ``ValidationError`` on ``field`` when it is larger than 5 MB, has no ``.csv`` extension, or is
    not text (a NUL byte, or a PDF, PNG or JPEG by its first bytes)."""
    if (upload.size or 0) > MAX_UPLOAD_BYTES:
        raise ValidationError({field: _("The file is larger than 5 MB.")})
    name = os.path.basename((upload.name or "").replace("\\", "/")).strip()
    data = b"".join(upload.chunks())
    if len(data) > MAX_UPLOAD_BYTES:
        raise ValidationError({field: _("The file is larger than 5 MB.")})
    binary = b"\x00" in data or any(data.startswith(signature) for signature, _type, _ext in _SIGNATURES)
    if os.path.splitext(name)[1].lower() != ".csv" or binary:
        raise ValidationError({field: _("Only a CSV file (text, ending in .csv) can be uploaded.")})
    return data
