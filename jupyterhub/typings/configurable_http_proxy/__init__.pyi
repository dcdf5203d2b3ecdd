# configurable-http-proxy 0.4.0 (the pure-Python one): only what wiw_proxy.py uses.
