from jupyterhub.handlers.base import BaseHandler as BaseHandler
