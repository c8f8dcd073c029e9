"""Responses sent as they are made, for downloads of any size in constant memory.

A streamed download never ends cleanly unless it is whole. Its parameters are checked, and
its first rows made (a sort or distinct runs then, within the site's query limits), before
the status is sent, so the usual failures are ordinary error pages: a 400 naming the
parameter, a 507 for a sort too big for the limits. What fails after the first byte (a
damaged file, a full disk) is logged here with the dataset and version and handed on to
the server: it is sent in chunked transfer encoding with no Content-Length, and waitress
then closes the connection without the last, empty chunk, so the client sees an incomplete
transfer (curl: "transfer closed with outstanding read data remaining"; Python's
http.client: IncompleteRead), never the end of a truncated file. HTTP/1.0 has no chunked
encoding (its body ends where the connection closes, whole or not; nginx speaks it to the
app unless told `proxy_http_version 1.1`), so over HTTP/1.0 a streamed download is made
whole first, in a temporary file in <data>/tmp/downloads/ (gone once sent), and sent with
its Content-Length: a failure is then an error page before the first byte.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Iterator

from flask import Response, request, send_file, stream_with_context

from catalog.context import current_site

log = logging.getLogger(__name__)


def streamed_response(chunks: Iterator[bytes], mimetype: str, what: str) -> Response:
    """A response sent as `chunks` are made, with no Content-Length; a failure after the
    first byte is logged with `what` and raised on, so the server cuts the connection.
    Over HTTP/1.0, made whole first and sent with its length (module notes)."""
    if request.environ.get("SERVER_PROTOCOL", "HTTP/1.1") == "HTTP/1.0":
        return _spooled(chunks, mimetype, what)

    def logged() -> Iterator[bytes]:
        sent = 0
        try:
            for chunk in chunks:
                yield chunk
                sent += len(chunk)
        except Exception:
            log.exception("download of %s failed after %d bytes; the connection is cut", what, sent)
            raise

    return Response(stream_with_context(logged()), mimetype=mimetype)


def _spooled(chunks: Iterator[bytes], mimetype: str, what: str) -> Response:
    """The whole download written to a temporary file, then sent with its Content-Length."""
    folder = current_site().settings.data_dir / "tmp" / "downloads"
    folder.mkdir(parents=True, exist_ok=True)
    # Nameless, so gone when closed or on a crash; send_file closes it once sent.
    handle = tempfile.TemporaryFile(dir=folder)  # noqa: SIM115
    try:
        for chunk in chunks:
            handle.write(chunk)
        size = handle.tell()
        handle.seek(0)
    except Exception:
        handle.close()
        log.exception("download of %s failed before it was sent (HTTP/1.0)", what)
        raise
    response = send_file(handle, mimetype=mimetype, conditional=False)  # closes it once sent
    response.headers.pop("Content-Disposition", None)
    response.headers["Content-Length"] = str(size)  # any server's, not only waitress's count
    return response
