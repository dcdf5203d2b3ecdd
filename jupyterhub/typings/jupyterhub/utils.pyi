import ssl

from aiohttp import ClientResponse

def url_path_join(*pieces: str) -> str: ...
async def wait_for_http_server(
    url: str, timeout: float = 10, ssl_context: ssl.SSLContext | None = None
) -> ClientResponse: ...
