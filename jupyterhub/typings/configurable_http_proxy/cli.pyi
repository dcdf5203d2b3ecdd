import click
from configurable_http_proxy.configproxy import PythonProxy as PythonProxy
from tornado.httpserver import HTTPServer as HTTPServer

main: click.Command  # @click.command(): parses sys.argv when called
