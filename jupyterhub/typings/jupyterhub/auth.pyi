from typing import Any

from jupyterhub.handlers.base import BaseHandler
from tornado.web import RequestHandler
from traitlets.config import LoggingConfigurable

class Authenticator(LoggingConfigurable):
    auto_login: bool  # Bool(False, config=True); subclasses set it to a plain True

    def normalize_username(self, username: str) -> str: ...
    def login_url(self, base_url: str) -> str: ...
    def get_handlers(self, app: Any) -> list[tuple[str, type[BaseHandler]]]: ...
    async def authenticate(
        self, handler: RequestHandler, data: dict[str, Any]
    ) -> str | dict[str, Any] | None: ...
