from traitlets import HasTraits

class Server(HasTraits):
    base_url: str  # URLPrefix: always starts and ends with '/'

class Hub(Server): ...
