# docker 7.2.0: only what wiw's hub code uses.
