class User:
    """The high-level wrapper of an orm.User (its attributes reach the orm user's)."""

    name: str
