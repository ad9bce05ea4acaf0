import socket

from django.conf import settings

POD = socket.gethostname()


def served_by(get_response):
    """Every response says which version and which pod served it, so the
    suites can prove which version answered during a rollout."""

    def middleware(request):
        response = get_response(request)
        response["X-App-Version"] = settings.APP_VERSION
        response["X-Pod-Name"] = POD
        return response

    return middleware
