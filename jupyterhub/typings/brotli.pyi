# brotli 1.2.1, installed for wiw_precompress.py's build step only (see the Dockerfile).
MODE_GENERIC: int
MODE_TEXT: int
MODE_FONT: int

def compress(
    string: bytes, mode: int = ..., quality: int = 11, lgwin: int = 22, lgblock: int = 0
) -> bytes: ...
