# JupyterHub 6.1.1: only what wiw's hub code uses.
