def greet(who: str) -> str:
    return f"Hello, {who}!"
