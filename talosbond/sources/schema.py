"""`talosbond schema pull`: fetch Talos's own config JSON schema for a release into the user cache."""

from __future__ import annotations

import json
import os

from talosbond.errors import SourceError
from talosbond.sources.capture import write_text_atomic

# Talos keeps the generated schema in its repository; a release tag pins the version.
DEFAULT_URL = "https://raw.githubusercontent.com/siderolabs/talos/v{major}.{minor}.0/pkg/machinery/config/schemas/config.schema.json"


def schema_url(version: tuple[int, int]) -> str:
    """The download address; `$TALOSBOND_SCHEMA_URL` (with {major} and {minor}) overrides it."""
    template = os.environ.get("TALOSBOND_SCHEMA_URL", DEFAULT_URL)
    return template.format(major=version[0], minor=version[1])


def pull_schema(version: tuple[int, int], destination: str, timeout: float = 30.0) -> int:
    """Download, check it is a JSON schema, write it atomically; returns its size in bytes."""
    import httpx

    url = schema_url(version)
    try:
        response = httpx.get(url, timeout=timeout, follow_redirects=True)
    except httpx.HTTPError as exc:
        raise SourceError(f"cannot fetch {url}: {exc}", "check the network, or set TALOSBOND_SCHEMA_URL") from None
    if response.status_code != 200:
        raise SourceError(f"{url}: HTTP {response.status_code}", f"is {version[0]}.{version[1]} a Talos release?")
    try:
        data = json.loads(response.text)
    except ValueError:
        raise SourceError(f"{url}: not JSON") from None
    if not isinstance(data, dict) or not ("$defs" in data or "definitions" in data):
        raise SourceError(f"{url}: not a JSON schema with definitions")
    write_text_atomic(destination, response.text, make_folder=True)  # the cache folder is talosbond's own
    return len(response.content)
