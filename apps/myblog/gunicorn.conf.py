# gunicorn drains on SIGTERM: it stops accepting, lets in-flight requests
# finish within graceful_timeout, then exits (the pod's preStop pause covers
# the time kube-proxy and the ingress take to stop sending new requests).
bind = "0.0.0.0:8002"
workers = 2
graceful_timeout = 25
timeout = 30
accesslog = "-"
