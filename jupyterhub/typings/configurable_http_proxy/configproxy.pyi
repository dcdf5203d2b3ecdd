import logging
from collections.abc import Iterable, Mapping
from typing import Any

from tornado.web import Application

class PythonProxy:
    log: logging.Logger
    error_target: str | None  # with a trailing slash
    api_app: Application
    proxy_app: Application

    def __init__(self, options: Mapping[str, Any] | Iterable[tuple[str, Any]] = ()) -> None: ...
