import os
import socket

from django.conf import settings

POD = socket.gethostname()
# EXTRA_REPORT=off: answer as the course's own myblog image does, without the
# harness's headers (the checks must judge that image too).
EXTRA = os.environ.get("EXTRA_REPORT") != "off"


def served_by(get_response):
    """Every response says which version and which pod served it and which
    path it received, so the suites can prove which version answered during
    a rollout and what an Ingress rewrite made of a path."""

    def middleware(request):
        response = get_response(request)
        if not EXTRA:
            return response
        response["X-App-Version"] = settings.APP_VERSION
        response["X-Pod-Name"] = POD
        response["X-Received-Path"] = request.path
        return response

    return middleware
