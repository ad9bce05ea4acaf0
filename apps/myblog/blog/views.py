from django.conf import settings
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt

from .models import Article


# csrf_exempt: the zero-downtime suite also POSTs here, because proxies retry
# a failed GET on another backend (hiding the failure) but never a POST.
@csrf_exempt
def index(request):
    """The blog list, read from MySQL (fails with 500 when the database is
    unreachable or not migrated: the course's probes rely on that)."""
    articles = list(Article.objects.all()[:50])
    return render(request, "blog/index.html", {"articles": articles, "version": settings.APP_VERSION})
