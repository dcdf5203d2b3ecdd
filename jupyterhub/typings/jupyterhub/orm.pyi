from sqlalchemy.orm import Mapped

class User:
    # Column(Unicode(255), unique=True); mapped, so the class attribute is a column expression.
    name: Mapped[str]
